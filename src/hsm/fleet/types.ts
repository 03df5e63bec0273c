/**
 * Fleet key change (issue #4 §7): the types of the engine between `hsm.prepareFleetKeyChange`
 * (which turns requests into FleetItems and loads the vending keys) and
 * `hsm.commitFleetKeyChange` (which records the outcomes). Never carries key material except the
 * raw vending-key map the caller passes in.
 */
import type { StaTables } from '../../cipher/sta-tables';
import type { Dkga02Parity } from '../../keys/types';
import type { FleetItem, KeyChangeRequest, RequestContext } from '../types';

/** One row of a fleet CSV file: a KeyChangeRequest without its RequestContext. */
export type FleetRow = Omit<KeyChangeRequest, keyof RequestContext>;

/** Values that apply to every row unless the row gives its own (e.g. CLI `--new-krn 2`). */
export type FleetDefaults = Omit<FleetRow, 'pan'>;

/** The decoder-key parameters of a FleetItem (current or next). */
export type FleetKeyParams = FleetItem['current'];

/** A FleetItem without its PAN: what the meters of one fleet share (usually one or a few per run). */
export interface FleetProfile {
  current: FleetKeyParams;
  next: FleetKeyParams;
  rollover: boolean;
  threeTokenSet: boolean;
}

export interface FleetBatchOptions {
  /** STA tables for EA07 keys (default: the IEC sample tables, not for production). */
  staTables?: StaTables;
  /** DKGA02 final XOR (default 'raw', the spec formula). */
  parity?: Dkga02Parity;
  /**
   * Run every item through the reference path (deriveDecoderKey twice + generateKeyChange) instead
   * of the fast path. Same outcomes, about 5× slower; for audits and tests.
   */
  reference?: boolean;
  /**
   * Check every set on the reference path before handing it out (verify.ts: reference-derived
   * keys, token-layer decoding); a set that fails is refused (KEY_CHANGE). Outcomes that pass are
   * frozen and marked, so that commitFleetKeyChange does not decode them again. Costs about
   * twice the fast path's time per meter.
   */
  verify?: boolean;
}

/**
 * A chunk of fleet items in a compact, clone-friendly form (for worker threads): the profiles the
 * chunk uses, each item's profile index, and the PANs joined by "\n".
 */
export interface PackedFleetChunk {
  profiles: FleetProfile[];
  profileIndex: Uint32Array;
  pans: string;
}

/**
 * The outcomes of a packed chunk: `counts[i]` tokens of item i (0 = refused), all tokens
 * concatenated (20 digits each) in `tokens`, and the refusals.
 */
export interface PackedFleetResult {
  counts: Uint8Array;
  tokens: string;
  errors: { index: number; errorCode: string; message: string }[];
  /**
   * With the verify option: for each item with tokens, in order, the SHA-256 (64 hex digits) of
   * the checked set joined by "," (the audit record's token hash).
   */
  tokenHashes?: string;
}
