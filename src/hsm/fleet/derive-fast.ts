/**
 * Decoder-key derivation for many PANs with everything but the PAN fixed (one fleet profile).
 * The same algorithms as src/keys (DKGA02 §6.5.3.4, DKGA04 reference §7.5), with the per-profile
 * work done once: the DKGA04 message is a template whose 18 PAN bytes are overwritten per meter,
 * the DKGA02 CONTROLBlock is computed once. Every compiled profile is checked against
 * deriveDecoderKey before use (see engine.ts), so these cannot drift from src/keys unnoticed.
 */
import { type _HMAC, hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { createDes } from '../../cipher/des';
import type { BlockCipher64 } from '../../cipher/types';
import { controlBlockDigits, panBlockDigits } from '../../keys/dkga02';
import { dkga04, dkga04Message } from '../../keys/dkga04';
import type { Dkga02Parity, KeyParameters } from '../../keys/types';
import type { VendingKey } from '../../keys/vending-key';

/** Writes the decoder key of the meter with this (canonical, 18-digit) PAN into `out` (8 or 16 bytes). */
export type DeriveInto = (pan: string, out: Uint8Array) => void;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Hmac = _HMAC<any>;

/** A vending key prepared for fleet derivations (HMAC state for DKGA04, DES schedule for DKGA02). */
export interface PreparedVendingKey {
  readonly bytes: Uint8Array;
  readonly vendingKey: VendingKey;
  hmac?: { base: Hmac; scratch: Hmac; digest: Uint8Array };
  des?: BlockCipher64;
}

const PAN_DIGITS = 18;

/**
 * DKGA04 for a fixed parameter set (KT 0–2: the PAN goes verbatim into the message). `params` must
 * be normalised and carry some valid PAN; returns null if the message does not hold that PAN where
 * expected (then the caller uses the reference path).
 */
export function dkga04Deriver(vk: PreparedVendingKey, params: Required<KeyParameters>): DeriveInto | null {
  const lengthBits = params.encryptionAlgorithm === '11' ? 128 : 64;
  if (params.keyType === 3) {
    // DCTK: the DRN digits are replaced in the message; derive with the library function per meter.
    const p = { ...params };
    return (pan, out) => {
      p.pan = pan;
      out.set(dkga04(vk.vendingKey, p));
    };
  }
  const msg = dkga04Message(params, lengthBits);
  // The message ends with L(1) ‖ PAN(18) ‖ 00 00 00 L (reference §7.5).
  const at = msg.length - 4 - PAN_DIGITS;
  if (msg[at - 1] !== PAN_DIGITS) return null;
  for (let i = 0; i < PAN_DIGITS; i++) if (msg[at + i] !== params.pan.charCodeAt(i)) return null;
  const h = (vk.hmac ??= (() => {
    const base = hmac.create(sha256, vk.bytes) as Hmac;
    return { base, scratch: base.clone(), digest: new Uint8Array(32) };
  })());
  const n = lengthBits / 8;
  return (pan, out) => {
    for (let i = 0; i < PAN_DIGITS; i++) msg[at + i] = pan.charCodeAt(i);
    const s = h.base._cloneInto(h.scratch);
    s.update(msg);
    s.digestInto(h.digest);
    const d = h.digest;
    for (let i = 0; i < n; i++) out[i] = d[i]!;
  };
}

function oddParity(b: number): number {
  let ones = 0;
  for (let i = 1; i < 8; i++) ones += (b >> i) & 1;
  return (b & 0xfe) | ((ones & 1) ^ 1);
}

/** 16 hex characters (digits and F) → two 32-bit halves. */
function nibbleWords(s: string): [number, number] {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 8; i++) hi = (hi << 4) | parseInt(s[i]!, 16);
  for (let i = 8; i < 16; i++) lo = (lo << 4) | parseInt(s[i]!, 16);
  return [hi >>> 0, lo >>> 0];
}

/** DKGA02 (§6.5.3.4) for a fixed parameter set: DK = DES_VK(X) ⊕ X ⊕ VK, X = PANBlock ⊕ CONTROLBlock. */
export function dkga02Deriver(vk: PreparedVendingKey, params: Required<KeyParameters>, parity: Dkga02Parity | undefined): DeriveInto {
  const des = (vk.des ??= createDes(vk.bytes));
  const [cHi, cLo] = nibbleWords(controlBlockDigits(params));
  const v = parity === 'odd-parity' ? vk.bytes.map(oddParity) : vk.bytes;
  const vHi = ((v[0]! << 24) | (v[1]! << 16) | (v[2]! << 8) | v[3]!) >>> 0;
  const vLo = ((v[4]! << 24) | (v[5]! << 16) | (v[6]! << 8) | v[7]!) >>> 0;
  const kt = params.keyType;
  const y = new Uint32Array(2);
  return (pan, out) => {
    const digits = panBlockDigits(pan, kt); // 16 decimal digits, one nibble each
    let pHi = 0;
    let pLo = 0;
    for (let i = 0; i < 8; i++) pHi = (pHi << 4) | (digits.charCodeAt(i) - 48);
    for (let i = 8; i < 16; i++) pLo = (pLo << 4) | (digits.charCodeAt(i) - 48);
    const xHi = (pHi ^ cHi) >>> 0;
    const xLo = (pLo ^ cLo) >>> 0;
    y[0] = xHi;
    y[1] = xLo;
    des.encrypt(y);
    const hi = (y[0]! ^ xHi ^ vHi) >>> 0;
    const lo = (y[1]! ^ xLo ^ vLo) >>> 0;
    out[0] = hi >>> 24; out[1] = (hi >>> 16) & 0xff; out[2] = (hi >>> 8) & 0xff; out[3] = hi & 0xff;
    out[4] = lo >>> 24; out[5] = (lo >>> 16) & 0xff; out[6] = (lo >>> 8) & 0xff; out[7] = lo & 0xff;
  };
}
