import { fail } from '../errors';
import { bytesToHex, hexToBytes } from '../codec/hex';
import { createDes } from '../cipher/des';
import { createMisty1 } from '../cipher/misty1';
import { createSta } from '../cipher/sta';
import type { StaTables } from '../cipher/sta-tables';
import type { BlockCipher64 } from '../cipher/types';
import type { DecoderKeyAttributes, EncryptionAlgorithm } from './types';
import { normalizeAttributes } from './parameters';
import { checkObject, checkOptions } from '../argument-checks';

const SECRET = Symbol('hydrosync.decoderKey');

/** Warning attached to EA09 keys: the standard deprecates DES for new products (IEC 62055-41 §6.5.5). */
export const EA09_DEPRECATION_WARNING =
  'EA09 (DES) is deprecated by IEC 62055-41 and shall not be used in new products; no public EA09 token vectors exist to verify interoperability';

export interface DecoderKeyOptions {
  /** STA tables for EA07 keys. Default: the IEC sample tables (not for production). */
  staTables?: StaTables;
}

/**
 * A decoder key with the attributes that belong to it (KT, KRN, KEN, TI, SGC, base date,
 * algorithm), and its cipher prepared once. Token functions take only this object, so a key
 * cannot be paired with the wrong parameters. Key bits never appear in JSON, toString or inspect.
 */
export class DecoderKey implements DecoderKeyAttributes {
  readonly [SECRET]: Uint8Array;
  readonly encryptionAlgorithm: EncryptionAlgorithm;
  readonly keyType: DecoderKeyAttributes['keyType'];
  readonly supplyGroupCode: string;
  readonly tariffIndex: string;
  readonly keyRevisionNumber: number;
  readonly keyExpiryNumber: number;
  readonly baseDate: DecoderKeyAttributes['baseDate'];
  readonly pan?: string;
  readonly dkga?: DecoderKeyAttributes['dkga'];
  /** 64 (EA07, EA09) or 128 (EA11). */
  readonly bits: 64 | 128;
  /** The prepared block cipher (key schedule computed once). */
  readonly cipher: BlockCipher64;
  /** Name of the STA table set for EA07 keys ('sample' unless production tables were loaded). */
  readonly staTables?: string;
  /** Human-readable warnings about this key (e.g. EA09 deprecation, sample STA tables). */
  readonly warnings: readonly string[];

  private constructor(bytes: Uint8Array, attrs: DecoderKeyAttributes, options: DecoderKeyOptions) {
    if (!(bytes instanceof Uint8Array)) fail('KEY', 'make a decoder key with DecoderKey.fromHex, DecoderKey.fromBytes or deriveDecoderKey');
    checkObject(attrs, 'the decoder key attributes', 'KEY');
    checkOptions(options, 'the decoder key options');
    const ea = attrs.encryptionAlgorithm;
    const want = ea === '11' ? 16 : 8;
    if (bytes.length !== want) {
      fail('KEY', `a decoder key for EA${ea} is ${want * 8} bits (${want * 2} hex digits); got ${bytes.length * 8} bits`);
    }
    this[SECRET] = bytes;
    this.encryptionAlgorithm = ea;
    this.keyType = attrs.keyType;
    this.supplyGroupCode = attrs.supplyGroupCode;
    this.tariffIndex = attrs.tariffIndex;
    this.keyRevisionNumber = attrs.keyRevisionNumber;
    this.keyExpiryNumber = attrs.keyExpiryNumber;
    this.baseDate = attrs.baseDate;
    if (attrs.pan !== undefined) this.pan = attrs.pan;
    if (attrs.dkga !== undefined) this.dkga = attrs.dkga;
    this.bits = want === 16 ? 128 : 64;
    const warnings: string[] = [];
    if (ea === '07') {
      this.cipher = createSta(bytes, options.staTables);
      const name = options.staTables?.name ?? 'sample';
      this.staTables = name;
      if (options.staTables === undefined || options.staTables.sample) {
        warnings.push('EA07 with the IEC sample STA tables: tokens will not be accepted by production meters; load the licensed tables (--sta-tables FILE or HYDROSYNC_STA_TABLES)');
      }
    } else if (ea === '09') {
      this.cipher = createDes(bytes);
      warnings.push(EA09_DEPRECATION_WARNING);
    } else {
      this.cipher = createMisty1(bytes);
    }
    this.warnings = warnings;
    Object.freeze(this);
  }

  /**
   * Wrap raw decoder key bits (8 bytes for EA07/EA09, 16 for EA11) with their attributes. The bytes are copied.
   *
   * @param bytes - the key bits
   * @param attributes - encryptionAlgorithm (required), keyType, supplyGroupCode, tariffIndex,
   *   keyRevisionNumber, keyExpiryNumber, baseDate, pan, dkga
   * @param options - `staTables` for EA07 keys (default: the IEC sample tables)
   * @throws HydroSyncError `KEY` for bytes that are not a Uint8Array, a length the EA does not take,
   *   or bad attributes.
   * @example
   * ```ts
   * const key = DecoderKey.fromBytes(bits, { encryptionAlgorithm: '11', supplyGroupCode: '201457',
   *   tariffIndex: '01', keyRevisionNumber: 1, keyType: 2, keyExpiryNumber: 255, baseDate: 2014 });
   * ```
   */
  static fromBytes(
    bytes: Uint8Array,
    attributes: Partial<Omit<DecoderKeyAttributes, 'encryptionAlgorithm'>> & { encryptionAlgorithm: EncryptionAlgorithm | string },
    options: DecoderKeyOptions = {},
  ): DecoderKey {
    if (!(bytes instanceof Uint8Array)) fail('KEY', 'decoder key bytes must be a Uint8Array');
    checkObject(attributes, 'the decoder key attributes', 'KEY');
    return new DecoderKey(Uint8Array.from(bytes), normalizeAttributes(attributes), options);
  }

  /**
   * Wrap a decoder key given as 16 (EA07/EA09) or 32 (EA11) hex digits with its attributes.
   *
   * @param hex - 16 or 32 hex digits (a leading `0x` is accepted)
   * @param attributes - as for DecoderKey.fromBytes; encryptionAlgorithm is required
   * @param options - `staTables` for EA07 keys
   * @throws HydroSyncError `KEY` for another length, non-hex digits, or bad attributes.
   * @example
   * ```ts
   * const key = DecoderKey.fromHex(decoderKeyHex, { encryptionAlgorithm: '11',
   *   supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2,
   *   keyExpiryNumber: 255, baseDate: 2014, pan: '600727000000000009' });
   * ```
   */
  static fromHex(
    hex: string,
    attributes: Partial<Omit<DecoderKeyAttributes, 'encryptionAlgorithm'>> & { encryptionAlgorithm: EncryptionAlgorithm | string },
    options: DecoderKeyOptions = {},
  ): DecoderKey {
    if (typeof hex !== 'string' || !/^(0x)?([0-9a-fA-F]{16}|[0-9a-fA-F]{32})$/.test(hex.trim())) {
      fail('KEY', 'a decoder key is 16 hex digits (64 bits) or 32 hex digits (128 bits)');
    }
    return DecoderKey.fromBytes(hexToBytes(hex.trim()), attributes, options);
  }

  /** The same key bits with other attributes (e.g. after a key change updates KEN). */
  withAttributes(changes: Partial<DecoderKeyAttributes>, options: DecoderKeyOptions = {}): DecoderKey {
    return DecoderKey.fromBytes(this[SECRET], { ...this.attributes(), ...changes }, options);
  }

  /** The attributes only (safe to log or store). */
  attributes(): DecoderKeyAttributes {
    const a: DecoderKeyAttributes = {
      encryptionAlgorithm: this.encryptionAlgorithm,
      keyType: this.keyType,
      supplyGroupCode: this.supplyGroupCode,
      tariffIndex: this.tariffIndex,
      keyRevisionNumber: this.keyRevisionNumber,
      keyExpiryNumber: this.keyExpiryNumber,
      baseDate: this.baseDate,
      ...(this.pan !== undefined ? { pan: this.pan } : {}),
      ...(this.dkga !== undefined ? { dkga: this.dkga } : {}),
    };
    return a;
  }

  /** A copy of the key bits. Handle with care: this is secret key material. */
  exportBytes(): Uint8Array {
    return Uint8Array.from(this[SECRET]);
  }
  /** The key bits as lowercase hex. Handle with care: this is secret key material. */
  exportHex(): string {
    return bytesToHex(this[SECRET]);
  }

  toJSON(): DecoderKeyAttributes & { decoderKey: string } {
    return { ...this.attributes(), decoderKey: '[redacted]' };
  }
  toString(): string {
    return `DecoderKey(EA${this.encryptionAlgorithm}, KRN ${this.keyRevisionNumber}, KT ${this.keyType}, redacted)`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Internal: the raw bits (no copy). */
export function decoderKeyBytes(k: DecoderKey): Uint8Array {
  return k[SECRET];
}

/** Whether two keys have the same bits (constant time in the length). @internal */
export function sameKeyBits(a: DecoderKey | Uint8Array, b: DecoderKey | Uint8Array): boolean {
  const x = a instanceof Uint8Array ? a : a[SECRET];
  const y = b instanceof Uint8Array ? b : b[SECRET];
  if (x.length !== y.length) return false;
  let d = 0;
  for (let i = 0; i < x.length; i++) d |= x[i]! ^ y[i]!;
  return d === 0;
}
