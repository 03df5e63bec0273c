// Block ciphers of IEC 62055-41: EA07 (STA), EA09 (DES), EA11 (MISTY1).
export type { BlockCipher64, CipherName } from './types';
export { createDes } from './des';
export { createMisty1, misty1ExtendedKey } from './misty1';
export { createSta } from './sta';
export { STA_SAMPLE_TABLES, STA_TABLES_FORMAT, parseStaTables } from './sta-tables';
export type { StaTables } from './sta-tables';
