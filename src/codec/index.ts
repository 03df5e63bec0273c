/**
 * hydrosync/codec: 20 digits ⇄ class + block, CRC-16, amounts, TID, MeterPAN/Luhn, hex
 * (sts-reference §1, §3, §4, §5, §7.7). Pure: nothing from `node:`; runs in browsers.
 * The export list is pinned by spec/exports.test.ts (docs/api.md lists it).
 */
export { parseToken, formatToken, groupToken, tokenToBigInt, tokenFromBigInt } from './token-digits';
export { tokenCrc, crc16Sts } from './crc16';
export {
  TRANSFER_AMOUNT_MAX_TENTHS, encodeTransferAmount, decodeTransferAmount,
  CURRENCY_MAX_UNITS, encodeCurrencyUnits, decodeCurrencyUnits, encodeCurrencyAmount,
  parseCurrencyAmount, formatCurrencyAmount,
  litresToTenths, cubicMetresToTenths, tenthsToLitres,
  type AmountUnit, type AmountUnitRule, AMOUNT_UNITS, AMOUNT_MAX_DIGITS, amountRule, parseDecimalAmount, parseDecimalAmountNumber,
} from './amount';
export {
  type WallClock, parseWallClock, formatWallClock, type BaseDate, BASE_DATES, TID_MAX, type TidOptions,
  tidFromWallClock, tidFromInstant, wallClockFromTid, isReservedTid, parseBaseDate, isKeyExpired,
} from './tid';
export { luhnCheckDigit, type MeterPan, parseDrn, parseMeterPan, makeMeterPan } from './pan';
export { hexToBytes, bytesToHex } from './hex';
