/**
 * Fleet items ⇄ a compact form for worker threads: the profiles once, then per item a profile
 * index and the PAN, so a chunk of thousands of meters is a few typed arrays and strings to clone.
 */
import type { FleetItem, FleetOutcome } from '../types';
import { ProfileTable } from './profile';
import type { PackedFleetChunk, PackedFleetResult } from './types';

/**
 * Pack items[from, to). Items must be objects with object `current` and `next` (use
 * keyChangeBatch for unchecked input: it reports malformed items per item).
 */
export function packFleetChunk(items: readonly FleetItem[], from = 0, to = items.length): PackedFleetChunk {
  const table = new ProfileTable();
  const n = Math.max(0, to - from);
  const profileIndex = new Uint32Array(n);
  const pans: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const item = items[from + i]!;
    profileIndex[i] = table.idOf(item);
    pans[i] = String(item.pan);
  }
  return { profiles: table.profiles, profileIndex, pans: pans.join('\n') };
}

/** Does every item in [from, to) have the shape packFleetChunk needs (and a PAN without "\n")? */
export function isPackable(items: readonly FleetItem[], from = 0, to = items.length): boolean {
  for (let i = from; i < to; i++) {
    const it = items[i] as unknown;
    if (it === null || typeof it !== 'object') return false;
    const { pan, current, next, rollover, threeTokenSet } = it as FleetItem;
    if (typeof pan !== 'string' || pan.includes('\n')) return false;
    if (current === null || typeof current !== 'object' || next === null || typeof next !== 'object') return false;
    if (typeof rollover !== 'boolean' || typeof threeTokenSet !== 'boolean') return false;
  }
  return true;
}

/** Write the outcomes of a packed result for items[from, …) into `outcomes[from, …)`. */
export function unpackFleetResult(r: PackedFleetResult, items: readonly FleetItem[], from: number, outcomes: FleetOutcome[]): void {
  const { counts, tokens } = r;
  let at = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c === 0) continue;
    const set: string[] = new Array(c);
    for (let k = 0; k < c; k++, at += 20) set[k] = tokens.slice(at, at + 20);
    outcomes[from + i] = { pan: items[from + i]!.pan, ok: true, tokens: set };
  }
  for (const e of r.errors) {
    outcomes[from + e.index] = { pan: items[from + e.index]!.pan, ok: false, errorCode: e.errorCode, message: e.message };
  }
}
