// Byte-indexed lookup tables for STA (IEC 62055-41 §6.5.4): one round's nibble substitution and
// bit permutation fused, built once per table set and cached.
import { assertStaTables, invertPermutation } from './sta-tables';
import type { StaTables } from './sta-tables';

/**
 * enc: [((byte·4 + sel)·256 + value)·2 + {0: high word, 1: low word}] = P(S_sel(value) at byte `byte`),
 *      sel = s_lo | s_hi << 1, s = 0 → substitution1, 1 → substitution2 (for the byte's low/high nibble).
 * dec: [((byte·5 + sel)·256 + value)·2 + word] = P⁻¹(D_sel(value) at byte `byte`),
 *      s = 0 → D1 = S2⁻¹, 1 → D2 = S1⁻¹ (§6.1.2); sel 4 = no substitution (P⁻¹ alone).
 * decSub: [sel·256 + value] = D_sel(value), the last decryption round's substitution (no permutation).
 */
interface StaLookup {
  readonly enc: Int32Array;
  readonly dec: Int32Array;
  readonly decSub: Uint8Array;
}

const cache = new WeakMap<StaTables, StaLookup>();

/** Substituted byte for selector pair sel (bit 0: low nibble's table, bit 1: high nibble's table). */
function subByte(tab: readonly (readonly number[])[], sel: number, v: number): number {
  return tab[sel & 1][v & 15] | (tab[sel >> 1][v >> 4] << 4);
}

/** Scatter byte `v` at byte position `b` through the bit permutation `dest` into out[at], out[at + 1]. */
function scatter(out: Int32Array, at: number, dest: readonly number[], b: number, v: number): void {
  for (let k = 0; k < 8; k++) {
    if (((v >> k) & 1) === 0) continue;
    const d = dest[8 * b + k];
    if (d >= 32) out[at] |= 1 << (d - 32);
    else out[at + 1] |= 1 << d;
  }
}

function build(t: StaTables): StaLookup {
  const encSub = [t.substitution1, t.substitution2];
  const decTab = [invertPermutation(t.substitution2), invertPermutation(t.substitution1)];
  const pInv = invertPermutation(t.permutation);
  const enc = new Int32Array(8 * 4 * 256 * 2);
  const dec = new Int32Array(8 * 5 * 256 * 2);
  const decSub = new Uint8Array(4 * 256);
  for (let b = 0; b < 8; b++) {
    for (let v = 0; v < 256; v++) {
      for (let sel = 0; sel < 4; sel++) {
        scatter(enc, ((b * 4 + sel) * 256 + v) * 2, t.permutation, b, subByte(encSub, sel, v));
        scatter(dec, ((b * 5 + sel) * 256 + v) * 2, pInv, b, subByte(decTab, sel, v));
      }
      scatter(dec, ((b * 5 + 4) * 256 + v) * 2, pInv, b, v);
    }
  }
  for (let sel = 0; sel < 4; sel++) for (let v = 0; v < 256; v++) decSub[sel * 256 + v] = subByte(decTab, sel, v);
  return { enc, dec, decSub };
}

/** The lookup tables of a table set (validated and built on first use). */
export function staLookup(t: StaTables): StaLookup {
  let l = cache.get(t);
  if (l === undefined) {
    assertStaTables(t);
    l = build(t);
    cache.set(t, l);
  }
  return l;
}
