/**
 * Amount coding (sts-reference §3): the 16-bit TransferAmount (§3.1), the 20-bit currency amount
 * (§3.2) with its decimal text form, and water-volume conversions.
 */
export { TRANSFER_AMOUNT_MAX_TENTHS, encodeTransferAmount, decodeTransferAmount } from './transfer-amount';
export { CURRENCY_MAX_UNITS, encodeCurrencyUnits, decodeCurrencyUnits, encodeCurrencyAmount } from './currency-amount';
export { parseCurrencyAmount, formatCurrencyAmount } from './currency-decimal';
export { litresToTenths, cubicMetresToTenths, tenthsToLitres } from './water';
export { type AmountUnit, type AmountUnitRule, AMOUNT_UNITS, AMOUNT_MAX_DIGITS, amountRule, parseDecimalAmount, parseDecimalAmountNumber } from './decimal-amount';
