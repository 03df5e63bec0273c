/**
 * The 22-bit credit field of the report code (docs/reports.md, "Digit packing"): a 2-bit exponent e
 * and a 20-bit mantissa m, credit ≈ m × 10^e litres, rounded DOWN (a report never overstates credit).
 * e is the smallest exponent with ⌊credit / 10^e⌋ < 2^20: exact up to 1,048,575 L; 10 L steps up to
 * 10,485,750 L; 100 L steps up to 104,857,500 L; 1000 L steps above (saturating at 1,048,575,000 L).
 */
const MANTISSA_LIMIT = 0x100000; // 2^20
const POW10 = [1, 10, 100, 1000] as const;

/** Credit litres (a non-negative safe integer) → 22-bit field. */
export function encodeCreditField(litres: number): number {
  for (let e = 0; e < 4; e++) {
    const m = Math.floor(litres / POW10[e]);
    if (m < MANTISSA_LIMIT) return (e << 20) | m;
  }
  return (3 << 20) | (MANTISSA_LIMIT - 1);
}

/** 22-bit field → { litres (rounded down), step }. */
export function decodeCreditField(field: number): { litres: number; step: number } {
  const step = POW10[(field >>> 20) & 3];
  return { litres: (field & (MANTISSA_LIMIT - 1)) * step, step };
}
