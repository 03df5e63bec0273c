/** Report flags ⇄ their 5-bit field (bit 0 = least significant), the same in both encodings. */
import type { ReportFlags } from './types';

/** Bit positions: 0 valve closed, 1 low credit, 2 tamper, 3 low battery, 4 key-change pending. */
export const FLAG_BITS = Object.freeze({ valveClosed: 0, lowCredit: 1, tamper: 2, lowBattery: 3, keyChangePending: 4 } as const);
/** The 5 defined bits; in the binary frame bits 5..7 are reserved and must be zero. */
export const FLAGS_MASK = 0x1f;

export function flagsToBits(f: ReportFlags): number {
  return (f.valveClosed ? 1 : 0) | (f.lowCredit ? 2 : 0) | (f.tamper ? 4 : 0) | (f.lowBattery ? 8 : 0) | (f.keyChangePending ? 16 : 0);
}

export function flagsFromBits(bits: number): ReportFlags {
  return {
    valveClosed: (bits & 1) !== 0,
    lowCredit: (bits & 2) !== 0,
    tamper: (bits & 4) !== 0,
    lowBattery: (bits & 8) !== 0,
    keyChangePending: (bits & 16) !== 0,
  };
}
