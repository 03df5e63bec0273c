/**
 * hydrosync/keys: vending keys, decoder keys and their derivation (DKGA02, DKGA04).
 * The export list is pinned by spec/exports.test.ts (docs/api.md lists it).
 */
export type { Dkga, Dkga02Parity, EncryptionAlgorithm, KeyType, KeyParameters, DecoderKeyAttributes } from './types';
export { VendingKey } from './vending-key';
export { DecoderKey, type DecoderKeyOptions } from './decoder-key';
export { dkga02, type Dkga02Options } from './dkga02';
export { dkga04 } from './dkga04';
export { deriveDecoderKey, type DeriveOptions } from './derive';
