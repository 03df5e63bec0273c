/**
 * Outcomes whose set passed the fleet engine's independent check (FleetSetVerifier, verify.ts),
 * so that commitFleetKeyChange need not decode them again. A mark is made only by this library:
 * the engine in this thread, or the fleet runner for a worker thread's chunk (the worker ran the
 * same check). It records what was checked: the PAN, the fleet profile (profileKey: both keys'
 * parameters, RO, 3KCT), the SHA-256 of the checked tokens and the derivation options. Commit
 * uses a mark only when all of them are what it planned and the outcome's tokens (hashed again at
 * commit, for the audit record) still hash to the checked ones; any other outcome (another engine,
 * a copy, a JSON round trip, edited tokens, an edited plan) is decoded by commit itself.
 */
import type { StaTables } from '../../cipher/sta-tables';
import type { Dkga02Parity } from '../../keys/types';
import type { FleetOutcome } from '../types';

export interface VerifiedMark {
  pan: string;
  /** profileKey() of the profile the set was checked against. */
  profile: string;
  /** SHA-256 (hex) of the checked tokens joined by ",": commit requires the recorded tokens to hash to it. */
  tokenHash: string;
  /** The STA tables the keys were derived with (undefined: the sample tables). */
  staTables: StaTables | undefined;
  parity: Dkga02Parity;
}

const marks = new WeakMap<object, VerifiedMark>();

/** Record that an ok outcome's set passed the check. */
export function markVerified(o: FleetOutcome, mark: VerifiedMark): void {
  if (o.ok !== true || o.pan !== mark.pan) return;
  marks.set(o, mark);
}

/** The mark of an outcome, if the engine verified it. */
export function verifiedMark(o: unknown): VerifiedMark | undefined {
  return typeof o === 'object' && o !== null ? marks.get(o) : undefined;
}
