// MISTY1 (RFC 2994; ISO/IEC 18033-3): IEC 62055-41 §6.5.6 (EA11).
// 128-bit key K1..K8 = big-endian 16-bit words of the key bytes; block = D0 (bits 63..32) ‖ D1.
import { checkKey } from './key-bytes';
import { S7, S9 } from './misty1-sboxes';
import type { BlockCipher64 } from './types';

// Layout of the prepared key: per FO round r, 7 words
// [KO1, KI1, KO2, KI2, KO3, KI3, KO4] = [K_r, K'_{r+5}, K_{r+2}, K'_{r+1}, K_{r+7}, K'_{r+3}, K_{r+4}] (mod 8),
// then per FL layer m (0..9), 2 words [AND key, OR key].
const FL_BASE = 8 * 7;

/** FI function (RFC 2994 §2.2.3). */
function fi(x: number, k: number): number {
  let d9 = x >>> 7;
  let d7 = x & 0x7f;
  d9 = S9[d9] ^ d7;
  d7 = (S7[d7] ^ d9) & 0x7f;
  d7 ^= k >>> 9;
  d9 ^= k & 0x1ff;
  d9 = S9[d9] ^ d7;
  return (d7 << 9) | d9;
}

/** FO function (RFC 2994 §2.2.2), subkeys at ek[o..o+6]. */
function fo(x: number, ek: Int32Array, o: number): number {
  let t0 = x >>> 16;
  let t1 = x & 0xffff;
  t0 = fi(t0 ^ ek[o], ek[o + 1]) ^ t1;
  t1 = fi(t1 ^ ek[o + 2], ek[o + 3]) ^ t0;
  t0 = fi(t0 ^ ek[o + 4], ek[o + 5]) ^ t1;
  t1 ^= ek[o + 6];
  return (t1 << 16) | t0;
}

/** FL function (RFC 2994 §2.2.4), subkeys at ek[o], ek[o+1]. */
function fl(x: number, ek: Int32Array, o: number): number {
  let d0 = x >>> 16;
  let d1 = x & 0xffff;
  d1 ^= d0 & ek[o];
  d0 ^= d1 | ek[o + 1];
  return (d0 << 16) | d1;
}

/** FL⁻¹ (RFC 2994 §2.3). */
function flInv(x: number, ek: Int32Array, o: number): number {
  let d0 = x >>> 16;
  let d1 = x & 0xffff;
  d0 ^= d1 | ek[o + 1];
  d1 ^= d0 & ek[o];
  return (d0 << 16) | d1;
}

/** K (8 words) and K' (8 words): K'_i = FI(K_i, K_{i+1 mod 8}) (RFC 2994 §2.4). */
function keyWords(key: Uint8Array): [number[], number[]] {
  const k: number[] = [];
  for (let i = 0; i < 8; i++) k.push((key[2 * i] << 8) | key[2 * i + 1]);
  const kp = k.map((ki, i) => fi(ki, k[(i + 1) & 7]));
  return [k, kp];
}

/** The extended key K' (RFC 2994 §2.4) as 16 big-endian bytes. */
export function misty1ExtendedKey(key: Uint8Array): Uint8Array {
  checkKey(key, 16, 'MISTY1');
  const [, kp] = keyWords(key);
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = kp[i] >>> 8;
    out[2 * i + 1] = kp[i] & 0xff;
  }
  return out;
}

/**
 * MISTY1 with a 16-byte key. IEC 62055-41 §6.5.6 (EA11).
 * @param key - 16 bytes
 * @throws HydroSyncError `KEY` not a Uint8Array of 16 bytes.
 */
export function createMisty1(key: Uint8Array): BlockCipher64 {
  checkKey(key, 16, 'MISTY1');
  const [k, kp] = keyWords(key);
  const ek = new Int32Array(FL_BASE + 20);
  for (let r = 0; r < 8; r++) {
    ek.set(
      [k[r], kp[(r + 5) & 7], k[(r + 2) & 7], kp[(r + 1) & 7], k[(r + 7) & 7], kp[(r + 3) & 7], k[(r + 4) & 7]],
      r * 7,
    );
  }
  for (let m = 0; m < 10; m++) {
    const h = m >> 1;
    const o = FL_BASE + 2 * m;
    if ((m & 1) === 0) ek.set([k[h], kp[(h + 6) & 7]], o);
    else ek.set([kp[(h + 2) & 7], k[(h + 4) & 7]], o);
  }
  return {
    name: 'MISTY1',
    // The halves are read as int32 (`| 0`): a uint32 ≥ 2^31 passed to a function that is not
    // inlined would be boxed as a heap number, an allocation per block.
    encrypt(block: Uint32Array): void {
      let d0 = block[0] | 0;
      let d1 = block[1] | 0;
      for (let r = 0; r < 8; r += 2) {
        d0 = fl(d0, ek, FL_BASE + 2 * r);
        d1 = fl(d1, ek, FL_BASE + 2 * r + 2);
        d1 ^= fo(d0, ek, r * 7);
        d0 ^= fo(d1, ek, r * 7 + 7);
      }
      d0 = fl(d0, ek, FL_BASE + 16);
      d1 = fl(d1, ek, FL_BASE + 18);
      block[0] = d1; // ciphertext = D1 ‖ D0
      block[1] = d0;
    },
    decrypt(block: Uint32Array): void {
      let d1 = block[0] | 0;
      let d0 = block[1] | 0;
      d0 = flInv(d0, ek, FL_BASE + 16);
      d1 = flInv(d1, ek, FL_BASE + 18);
      for (let r = 6; r >= 0; r -= 2) {
        d0 ^= fo(d1, ek, r * 7 + 7);
        d1 ^= fo(d0, ek, r * 7);
        d1 = flInv(d1, ek, FL_BASE + 2 * r + 2);
        d0 = flInv(d0, ek, FL_BASE + 2 * r);
      }
      block[0] = d0;
      block[1] = d1;
    },
  };
}
