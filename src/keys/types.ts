import type { BaseDate } from '../codec/tid';

/** Decoder key generation algorithm (IEC 62055-41 §6.5.3). */
export type Dkga = '02' | '04';
/** Encryption algorithm code (§6.5.4–6.5.6): 07 = STA, 09 = DES (deprecated), 11 = MISTY1. */
export type EncryptionAlgorithm = '07' | '09' | '11';
/** Decoder key type KT (§6.5.2.3): 0 DITK, 1 DDTK (default), 2 DUTK (unique), 3 DCTK (common). */
export type KeyType = 0 | 1 | 2 | 3;

/**
 * The inputs of decoder key generation (the "key register", §7.1) together with the attributes the
 * meter stores with its decoder key. All strings are decimal digits.
 */
export interface KeyParameters {
  /** 6-digit SupplyGroupCode, e.g. "201457". */
  supplyGroupCode: string;
  /** 2-digit TariffIndex, e.g. "01". */
  tariffIndex: string;
  /** KeyRevisionNumber 1..9. */
  keyRevisionNumber: number;
  /** Decoder key type KT 0..3. */
  keyType: KeyType;
  /** KeyExpiryNumber 0..255 (255 = never expires, §5.5). Default 255. */
  keyExpiryNumber?: number;
  /** 18-digit MeterPAN (IIN ‖ DRN ‖ check digit). */
  pan: string;
  /** TID base date; an input of DKGA04 and the origin of every TID under this key. */
  baseDate: BaseDate;
  /** Encryption algorithm the decoder key is for. */
  encryptionAlgorithm: EncryptionAlgorithm;
}

/** Attributes carried by a DecoderKey (everything but the key bits). */
export interface DecoderKeyAttributes {
  readonly encryptionAlgorithm: EncryptionAlgorithm;
  readonly keyType: KeyType;
  readonly supplyGroupCode: string;
  readonly tariffIndex: string;
  readonly keyRevisionNumber: number;
  readonly keyExpiryNumber: number;
  readonly baseDate: BaseDate;
  /** The meter's PAN, when known. */
  readonly pan?: string;
  /** How the key was made: '02', '04', or undefined when it was given as raw bits. */
  readonly dkga?: Dkga | undefined;
}

/**
 * DKGA02 final XOR (§7.2, open question §13.4): the spec formula XORs with VK; one
 * implementation XORs with VK after setting odd parity. Only differs for VKs without odd parity.
 */
export type Dkga02Parity = 'raw' | 'odd-parity';
