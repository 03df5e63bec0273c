/**
 * hydrosync/cipher: the block ciphers of IEC 62055-41: EA07 (STA), EA09 (DES), EA11 (MISTY1).
 * The export list is pinned by spec/exports.test.ts (docs/api.md lists it).
 */
export type { BlockCipher64, CipherName } from './types';
export { createDes } from './des';
export { createMisty1 } from './misty1';
export { createSta } from './sta';
export { STA_SAMPLE_TABLES, STA_TABLES_FORMAT, parseStaTables } from './sta-tables';
export type { StaTables } from './sta-tables';
