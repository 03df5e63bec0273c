import { fail } from '../errors';
import { hexToBytes } from '../codec/hex';

const SECRET = Symbol('hydrosync.vendingKey');

/**
 * A vending key VK (§7.1): 64 bits for DKGA02, 160 bits for DKGA04. The bits are kept out of
 * `toString`, `JSON.stringify` and `util.inspect`; `exportBytes()` is the one explicit way out.
 */
export class VendingKey {
  readonly [SECRET]: Uint8Array;
  /** 64 or 160. */
  readonly bits: 64 | 160;
  /** Per-algorithm caches (prepared DES schedule, HMAC state); owned by the algorithm modules. */
  readonly cache = new Map<string, unknown>();

  private constructor(bytes: Uint8Array) {
    if (!(bytes instanceof Uint8Array) || (bytes.length !== 8 && bytes.length !== 20)) fail('KEY', 'make a vending key with VendingKey.fromHex or VendingKey.fromBytes');
    this[SECRET] = bytes;
    this.bits = bytes.length === 8 ? 64 : 160;
  }

  /**
   * A vending key from raw bytes (8 for DKGA02, 20 for DKGA04). The bytes are copied.
   *
   * @param bytes - 8 or 20 bytes
   * @throws HydroSyncError `KEY` for anything but a Uint8Array of 8 or 20 bytes.
   * @example
   * ```ts
   * const vk = VendingKey.fromBytes(new Uint8Array(20).fill(0xab)); // vk.bits === 160
   * ```
   */
  static fromBytes(bytes: Uint8Array): VendingKey {
    if (!(bytes instanceof Uint8Array) || (bytes.length !== 8 && bytes.length !== 20)) {
      fail('KEY', `a vending key is 8 bytes (64 bits, DKGA02) or 20 bytes (160 bits, DKGA04); got ${bytes instanceof Uint8Array ? bytes.length + ' bytes' : typeof bytes}`);
    }
    return new VendingKey(Uint8Array.from(bytes));
  }

  /**
   * A vending key from 16 (DKGA02) or 40 (DKGA04) hex digits; a leading `0x` and surrounding spaces are ignored.
   *
   * @param hex - 16 or 40 hex digits
   * @throws HydroSyncError `KEY` for a non-string, another length, or non-hex digits.
   * @example
   * ```ts
   * const vk = VendingKey.fromHex(vendingKeyHex); // 40 hex digits → vk.bits === 160
   * ```
   */
  static fromHex(hex: string): VendingKey {
    if (typeof hex !== 'string') fail('KEY', 'vending key hex must be a string');
    const clean = hex.trim().replace(/^0x/i, '');
    if (clean.length !== 16 && clean.length !== 40) {
      fail('KEY', `a vending key is 16 hex digits (DKGA02) or 40 hex digits (DKGA04); got ${clean.length} characters`);
    }
    return new VendingKey(hexToBytes(clean));
  }

  /** A copy of the key bits. Handle with care. */
  exportBytes(): Uint8Array {
    return Uint8Array.from(this[SECRET]);
  }

  toJSON(): { vendingKey: string; bits: number } {
    return { vendingKey: '[redacted]', bits: this.bits };
  }
  toString(): string {
    return `VendingKey(${this.bits} bits, redacted)`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Internal: the raw bits (no copy). */
export function vendingKeyBytes(vk: VendingKey): Uint8Array {
  return vk[SECRET];
}

export function toVendingKey(vk: VendingKey | Uint8Array | string): VendingKey {
  if (vk instanceof VendingKey) return vk;
  if (typeof vk === 'string') return VendingKey.fromHex(vk);
  return VendingKey.fromBytes(vk);
}
