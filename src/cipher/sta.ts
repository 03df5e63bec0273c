// STA, the Standard Transfer Algorithm: IEC 62055-41 §6.5.4 (EA07); project notes sts-reference.md §6.1.
// 16 rounds of key-selected nibble substitution + fixed 64-bit permutation; no key XOR.
// Each round is 8 lookups in fused byte tables (sta-lookup.ts); the key only picks, per round and
// byte, which of the tables to use, and that choice is precomputed here once per key.
import { checkKey, readU32BE } from './key-bytes';
import { staLookup } from './sta-lookup';
import { STA_SAMPLE_TABLES } from './sta-tables';
import type { StaTables } from './sta-tables';
import type { BlockCipher64 } from './types';

/**
 * 16 rounds on block, in place: each is 8 byte lookups in T, where off[8·round + byte] is the
 * offset of the table chosen for that byte. Bits of the next state are ORed together.
 */
function rounds(T: Int32Array, off: Int32Array, block: Uint32Array): void {
  let h = block[0] | 0;
  let l = block[1] | 0;
  for (let o = 0; o < 128; o += 8) {
    let i = off[o] + ((l << 1) & 510);
    let nh = T[i];
    let nl = T[i + 1];
    i = off[o + 1] + ((l >>> 7) & 510);
    nh |= T[i];
    nl |= T[i + 1];
    i = off[o + 2] + ((l >>> 15) & 510);
    nh |= T[i];
    nl |= T[i + 1];
    i = off[o + 3] + ((l >>> 23) & 510);
    nh |= T[i];
    nl |= T[i + 1];
    i = off[o + 4] + ((h << 1) & 510);
    nh |= T[i];
    nl |= T[i + 1];
    i = off[o + 5] + ((h >>> 7) & 510);
    nh |= T[i];
    nl |= T[i + 1];
    i = off[o + 6] + ((h >>> 15) & 510);
    nh |= T[i];
    nl |= T[i + 1];
    i = off[o + 7] + ((h >>> 23) & 510);
    h = nh | T[i];
    l = nl | T[i + 1];
  }
  block[0] = h;
  block[1] = l;
}

/**
 * STA with an 8-byte decoder key and a table set (default: the IEC sample tables). §6.5.4 (EA07).
 * @param key - 8 bytes
 * @param tables - the STA tables (parseStaTables); default STA_SAMPLE_TABLES, not for production
 * @throws HydroSyncError `KEY` not a Uint8Array of 8 bytes.
 */
export function createSta(key: Uint8Array, tables: StaTables = STA_SAMPLE_TABLES): BlockCipher64 {
  checkKey(key, 8, 'STA');
  const { enc, dec, decSub } = staLookup(tables);
  const kh = readU32BE(key, 0);
  const kl = readU32BE(key, 4);
  const dkBit = (i: number) => (i >= 32 ? kh >>> (i - 32) : kl >>> i) & 1; // bit i of DK, i mod 64
  // Encryption round r, nibble n: key register = ¬DK rotated right 12, then left r; its bit 4n+3
  // is bit (4n + 15 − r) mod 64 of ¬DK. 0 → substitution1, 1 → substitution2 (§6.1.1).
  const encOff = new Int32Array(128);
  for (let r = 0; r < 16; r++)
    for (let b = 0; b < 8; b++) {
      const sLo = 1 - dkBit((8 * b + 15 - r) & 63);
      const sHi = 1 - dkBit((8 * b + 19 - r) & 63);
      encOff[r * 8 + b] = (b * 4 + (sLo | (sHi << 1))) * 512;
    }
  // Decryption round j, nibble n: key register = DK rotated left 3, then right j; its bit 4n+3 is
  // bit (4n + j) mod 64 of DK. 0 → D1 = S2⁻¹, 1 → D2 = S1⁻¹ (§6.1.2).
  // Regrouped as P⁻¹, then 15 × (substitute j; P⁻¹), then substitute 15.
  const decOff = new Int32Array(128);
  const decLast = new Int32Array(8);
  for (let b = 0; b < 8; b++) decOff[b] = (b * 5 + 4) * 512; // P⁻¹ alone
  for (let j = 0; j < 16; j++)
    for (let b = 0; b < 8; b++) {
      const sel = dkBit((8 * b + j) & 63) | (dkBit((8 * b + 4 + j) & 63) << 1);
      if (j < 15) decOff[(j + 1) * 8 + b] = (b * 5 + sel) * 512;
      else decLast[b] = sel * 256;
    }
  return {
    name: 'STA',
    encrypt(block: Uint32Array): void {
      rounds(enc, encOff, block);
    },
    decrypt(block: Uint32Array): void {
      rounds(dec, decOff, block);
      const h = block[0];
      const l = block[1];
      block[0] =
        (decSub[decLast[7] + (h >>> 24)] << 24) |
        (decSub[decLast[6] + ((h >>> 16) & 255)] << 16) |
        (decSub[decLast[5] + ((h >>> 8) & 255)] << 8) |
        decSub[decLast[4] + (h & 255)];
      block[1] =
        (decSub[decLast[3] + (l >>> 24)] << 24) |
        (decSub[decLast[2] + ((l >>> 16) & 255)] << 16) |
        (decSub[decLast[1] + ((l >>> 8) & 255)] << 8) |
        decSub[decLast[0] + (l & 255)];
    },
  };
}
