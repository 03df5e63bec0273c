import { type _HMAC, hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { fail } from '../errors';
import { baseDateCode } from '../codec/tid';
import { type VendingKey, toVendingKey, vendingKeyBytes } from './vending-key';
import type { KeyParameters } from './types';
import { normalizeKeyParameters } from './parameters';
import { panBlockDigits } from './dkga02';

// IEC 62055-41:2018 DKGA04: KDF in the shape of NIST SP 800-108 with HMAC-SHA-256, keyed by the
// 160-bit vending key. Message layout per reference §7.5 (reproduces the N04, C07 and C11 suites).

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Hmac = _HMAC<any>;
interface Prepared {
  base: Hmac;
  scratch: Hmac;
  out: Uint8Array;
}

function lv(out: number[], s: string): void {
  out.push(s.length);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
}

/** The DKGA04 HMAC message (exported for tests and auditors). */
export function dkga04Message(p: Required<KeyParameters>, lengthBits: 64 | 128): Uint8Array {
  const m: number[] = [0x04];
  lv(m, '04');
  lv(m, baseDateCode(p.baseDate));
  lv(m, p.encryptionAlgorithm);
  lv(m, p.tariffIndex);
  m.push(0x00, 0x04);
  lv(m, p.supplyGroupCode);
  lv(m, String(p.keyType));
  lv(m, String(p.keyRevisionNumber));
  // KT 3 (common key): the DRN digits are zeroed as in DKGA02's PANBlock; no vector settles this (§13.15).
  lv(m, p.keyType === 3 ? p.pan.slice(0, 1) + panBlockDigits(p.pan, 3) + p.pan.slice(17) : p.pan);
  m.push(0, 0, 0, lengthBits);
  return Uint8Array.from(m);
}

/**
 * DKGA04: DK = first L/8 bytes of HMAC-SHA-256(VK, message); L = 64 for EA07, 128 for EA11.
 * The HMAC key state is prepared once per VendingKey and reused.
 * @param vendingKey - a 160-bit vending key (VendingKey, 20 bytes or 40 hex digits)
 * @param params - the key parameters (SGC, TI, KRN, KT, PAN, base date, EA, …)
 * @throws HydroSyncError `KEY` a malformed vending key or key parameters.
 */
export function dkga04(vendingKey: VendingKey | Uint8Array | string, params: KeyParameters): Uint8Array {
  const vk = toVendingKey(vendingKey);
  if (vk.bits !== 160) fail('KEY', `DKGA04 needs a 160-bit vending key (40 hex digits); got ${vk.bits} bits`);
  const p = normalizeKeyParameters(params);
  if (p.encryptionAlgorithm === '09') fail('KEY', 'DKGA04 makes keys for EA07 (L = 64) or EA11 (L = 128); EA09 is not an allowed combination');
  const lengthBits = p.encryptionAlgorithm === '11' ? 128 : 64;
  let prep = vk.cache.get('dkga04') as Prepared | undefined;
  if (prep === undefined) {
    const base = hmac.create(sha256, vendingKeyBytes(vk)) as Hmac;
    const fresh: Prepared = { base, scratch: base.clone(), out: new Uint8Array(32) };
    vk.cache.set('dkga04', fresh);
    prep = fresh;
  }
  const h = prep.base._cloneInto(prep.scratch);
  h.update(dkga04Message(p, lengthBits));
  h.digestInto(prep.out);
  return prep.out.slice(0, lengthBits / 8);
}
