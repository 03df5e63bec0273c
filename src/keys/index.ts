export type { Dkga, Dkga02Parity, EncryptionAlgorithm, KeyType, KeyParameters, DecoderKeyAttributes } from './types';
export { VendingKey } from './vending-key';
export { DecoderKey, EA09_DEPRECATION_WARNING, type DecoderKeyOptions } from './decoder-key';
export { dkga02, panBlockDigits, controlBlockDigits, type Dkga02Options } from './dkga02';
export { dkga04, dkga04Message } from './dkga04';
export { deriveDecoderKey, type DeriveOptions } from './derive';
export { normalizeKeyParameters, parseEncryptionAlgorithm, parseKeyType } from './parameters';
