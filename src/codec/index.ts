/**
 * codec: 20 digits ⇄ class + block, CRC-16, amounts, TID, MeterPAN/Luhn, hex (sts-reference §1, §3,
 * §4, §5, §7.7). Pure: nothing from `node:`; runs in browsers.
 */
export * from './token-digits';
export * from './crc16';
export * from './amount';
export * from './tid';
export * from './pan';
export * from './hex';
