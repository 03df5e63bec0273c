// DES (FIPS PUB 46-3), single block ECB: IEC 62055-41 §6.5.5 (EA09, deprecated) and DKGA02 (§6.5.3).
// Built from the FIPS tables at first use: byte-indexed IP / IP⁻¹ tables and combined S-box + P
// ("SP") tables; the expansion E is done by rotating R so that each 6-bit S-box input is in place.
import { IP, P, PC1, PC2, SBOX, SHIFTS } from './des-tables';
import { checkKey } from './key-bytes';
import type { BlockCipher64 } from './types';

interface DesTables {
  ipH: Uint32Array; ipL: Uint32Array; // initial permutation, [byte * 256 + value]
  fpH: Uint32Array; fpL: Uint32Array; // final permutation IP⁻¹
  sp: Uint32Array; // [box * 64 + 6-bit input] → P(S-box output)
}

let tables: DesTables | undefined;

/** Byte-indexed tables for a 64-bit bit permutation: output bit i+1 = input bit perm[i] (1-based, MSB first). */
function bytePermTables(perm: readonly number[]): [Uint32Array, Uint32Array] {
  const hi = new Uint32Array(8 * 256);
  const lo = new Uint32Array(8 * 256);
  for (let i = 0; i < 64; i++) {
    const src = perm[i] - 1;
    const byte = src >> 3;
    const mask = 0x80 >> (src & 7);
    for (let v = 0; v < 256; v++) {
      if ((v & mask) === 0) continue;
      if (i < 32) hi[byte * 256 + v] |= 1 << (31 - i);
      else lo[byte * 256 + v] |= 1 << (63 - i);
    }
  }
  return [hi, lo];
}

function buildTables(): DesTables {
  const fp = new Array<number>(64);
  for (let i = 0; i < 64; i++) fp[IP[i] - 1] = i + 1; // IP⁻¹
  const [ipH, ipL] = bytePermTables(IP);
  const [fpH, fpL] = bytePermTables(fp);
  const sp = new Uint32Array(8 * 64);
  for (let box = 0; box < 8; box++) {
    for (let v = 0; v < 64; v++) {
      const row = ((v >> 4) & 2) | (v & 1);
      const col = (v >> 1) & 15;
      const s = SBOX[box][row * 16 + col] << (28 - 4 * box); // S-box output bits 4·box+1..4·box+4
      let out = 0;
      for (let i = 0; i < 32; i++) if ((s >>> (32 - P[i])) & 1) out |= 1 << (31 - i);
      sp[box * 64 + v] = out >>> 0;
    }
  }
  return { ipH, ipL, fpH, fpL, sp };
}

/** The 16 round keys as 8 six-bit S-box key inputs each (FIPS 46-3 key schedule). */
function roundKeys(key: Uint8Array): Uint8Array {
  const bit = (n: number) => (key[(n - 1) >> 3] >> (7 - ((n - 1) & 7))) & 1; // parity bits unused
  const cd = PC1.map(bit);
  const out = new Uint8Array(128);
  for (let r = 0; r < 16; r++) {
    for (let s = 0; s < SHIFTS[r]; s++) {
      const c0 = cd[0];
      const d0 = cd[28];
      for (let i = 0; i < 27; i++) {
        cd[i] = cd[i + 1];
        cd[28 + i] = cd[29 + i];
      }
      cd[27] = c0;
      cd[55] = d0;
    }
    for (let i = 0; i < 48; i++) out[r * 8 + ((i / 6) | 0)] |= cd[PC2[i] - 1] << (5 - (i % 6));
  }
  return out;
}

function crypt(t: DesTables, k: Uint8Array, block: Uint32Array): void {
  const { ipH, ipL, fpH, fpL, sp } = t;
  const x0 = block[0];
  const x1 = block[1];
  let l =
    ipH[x0 >>> 24] | ipH[256 + ((x0 >>> 16) & 255)] | ipH[512 + ((x0 >>> 8) & 255)] | ipH[768 + (x0 & 255)] |
    ipH[1024 + (x1 >>> 24)] | ipH[1280 + ((x1 >>> 16) & 255)] | ipH[1536 + ((x1 >>> 8) & 255)] | ipH[1792 + (x1 & 255)];
  let r =
    ipL[x0 >>> 24] | ipL[256 + ((x0 >>> 16) & 255)] | ipL[512 + ((x0 >>> 8) & 255)] | ipL[768 + (x0 & 255)] |
    ipL[1024 + (x1 >>> 24)] | ipL[1280 + ((x1 >>> 16) & 255)] | ipL[1536 + ((x1 >>> 8) & 255)] | ipL[1792 + (x1 & 255)];
  for (let i = 0; i < 128; i += 8) {
    // f(R, K): E(R) group j = R rotated right by 27 − 4j, low 6 bits.
    const f =
      sp[(((r >>> 27) | (r << 5)) ^ k[i]) & 63] |
      sp[64 + (((r >>> 23) ^ k[i + 1]) & 63)] |
      sp[128 + (((r >>> 19) ^ k[i + 2]) & 63)] |
      sp[192 + (((r >>> 15) ^ k[i + 3]) & 63)] |
      sp[256 + (((r >>> 11) ^ k[i + 4]) & 63)] |
      sp[320 + (((r >>> 7) ^ k[i + 5]) & 63)] |
      sp[384 + (((r >>> 3) ^ k[i + 6]) & 63)] |
      sp[448 + ((((r << 1) | (r >>> 31)) ^ k[i + 7]) & 63)];
    const t2 = l ^ f;
    l = r;
    r = t2;
  }
  // Pre-output is R16 ‖ L16, then IP⁻¹.
  block[0] =
    fpH[r >>> 24] | fpH[256 + ((r >>> 16) & 255)] | fpH[512 + ((r >>> 8) & 255)] | fpH[768 + (r & 255)] |
    fpH[1024 + (l >>> 24)] | fpH[1280 + ((l >>> 16) & 255)] | fpH[1536 + ((l >>> 8) & 255)] | fpH[1792 + (l & 255)];
  block[1] =
    fpL[r >>> 24] | fpL[256 + ((r >>> 16) & 255)] | fpL[512 + ((r >>> 8) & 255)] | fpL[768 + (r & 255)] |
    fpL[1024 + (l >>> 24)] | fpL[1280 + ((l >>> 16) & 255)] | fpL[1536 + ((l >>> 8) & 255)] | fpL[1792 + (l & 255)];
}

/**
 * DES with an 8-byte key (parity bits ignored). IEC 62055-41 §6.5.5 (EA09).
 * @param key - 8 bytes
 * @throws HydroSyncError `KEY` not a Uint8Array of 8 bytes.
 */
export function createDes(key: Uint8Array): BlockCipher64 {
  checkKey(key, 8, 'DES');
  const t = (tables ??= buildTables());
  const enc = roundKeys(key);
  const dec = new Uint8Array(128);
  for (let r = 0; r < 16; r++) dec.set(enc.subarray((15 - r) * 8, (16 - r) * 8), r * 8);
  return {
    name: 'DES',
    encrypt: (block) => crypt(t, enc, block),
    decrypt: (block) => crypt(t, dec, block),
  };
}
