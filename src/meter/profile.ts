/**
 * Meter profile: what a meter model supports and how it is configured (identity, subclasses, TID
 * memory depth, lockout policy, register cap, key-change hold time, key-type rules).
 */
import { fail } from '../errors';
import { parseMeterPan } from '../codec/pan';
import type { KeyType } from '../keys/types';
import { DEFAULT_KEY_TYPE_CHANGES, type KeyTypeChanges } from './key-types';

/** Token lockout after repeated rejects (reference §8.4; CLOU timings as the default). */
export interface LockoutPolicy {
  /** Consecutive rejected class 0/2 entries that start a lockout (default 3). */
  rejects: number;
  /** First lockout in seconds (default 10); each further reject doubles it. */
  firstSeconds: number;
  /** Longest lockout in seconds (default 1280). */
  maxSeconds: number;
}

/** Supported subclasses per token class. */
export interface SupportedSubclasses {
  0: readonly number[];
  1: readonly number[];
  2: readonly number[];
  3: readonly number[];
}

export interface MeterProfile {
  /** Profile name, e.g. "water". */
  name: string;
  /** 18-digit MeterPAN. */
  pan: string;
  /** Manufacturer code (2 or 4 digits of the DRN) checked against class 1 tokens. */
  manufacturerCode: number;
  subclasses: SupportedSubclasses;
  /** TID memory depth (default 50; the standard's minimum is not public, reference §13.1). */
  tidMemoryDepth: number;
  /** null: no lockout. */
  lockout: LockoutPolicy | null;
  /** Largest credit the water register holds, litres; a token that would pass it gives Overflow. */
  creditCapLitres: number;
  /** Low-credit flag threshold, litres (flag set while 0 < credit ≤ threshold… and at 0). */
  lowCreditLitres: number;
  /** How long held key-change tokens wait for the rest of the set, seconds of meter clock (default 600). */
  keyChangeHoldSeconds: number;
  /** Allowed key-type changes. */
  keyTypeChanges: KeyTypeChanges;
  /** Entries kept in the meter's history (0: none). */
  historyDepth: number;
}

export type MeterProfileInput = Partial<Omit<MeterProfile, 'subclasses' | 'keyTypeChanges'>> & {
  pan: string;
  /** Supported subclasses per class, keys "0".."3" (absent classes take the water defaults). */
  subclasses?: { readonly [cls: string]: readonly number[] | undefined };
  /** For each current KT ("0".."3"), the KTs it may change to (absent rows take the defaults). */
  keyTypeChanges?: { readonly [kt: string]: readonly number[] | undefined };
};

/**
 * The default water profile (vectors-format.md): class 0 subclass 1 (water, 100 litres per unit);
 * class 1 subclasses 0 and 1; class 2 subclasses 1 (ClearCredit), 3, 4, 8, 9 (key change) and 5
 * (ClearTamper).
 */
export const WATER_SUBCLASSES: SupportedSubclasses = Object.freeze({
  0: Object.freeze([1]),
  1: Object.freeze([0, 1]),
  2: Object.freeze([1, 3, 4, 5, 8, 9]),
  3: Object.freeze([]),
});

/**
 * Default lockout: after 3 consecutive rejected entries, 10 s doubling up to 1280 s.
 */
export const DEFAULT_LOCKOUT: LockoutPolicy = Object.freeze({ rejects: 3, firstSeconds: 10, maxSeconds: 1280 });
/**
 * Default credit register cap of a simulated meter, litres (a credit above it is refused as OVERFLOW).
 */
export const DEFAULT_CREDIT_CAP_LITRES = 100_000_000;
/**
 * Default low-credit warning threshold of a simulated meter, litres.
 */
export const DEFAULT_LOW_CREDIT_LITRES = 1_000;

function int(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    fail('RANGE', `meter profile: ${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(v)}`);
  }
  return v;
}

/** The subclasses a meter can implement per class (those with a known layout). */
const MAX_SUBCLASS = [7, 1, 9, -1] as const;

function subclassList(cls: 0 | 1 | 2 | 3, v: unknown): readonly number[] {
  const name = `subclasses.${cls}`;
  const max = MAX_SUBCLASS[cls];
  if (!Array.isArray(v)) fail('FORMAT', `meter profile: ${name} must be an array of subclass numbers`);
  if (max < 0 && v.length > 0) fail('RANGE', 'meter profile: class 3 is reserved; no subclass of it can be supported');
  return Object.freeze([...new Set(v.map((s, i) => int(`${name}[${i}]`, s, 0, max)))].sort((a, b) => a - b));
}

/** The manufacturer code in a MeterPAN: the first 2 digits of an 11-digit DRN, the first 4 of a 13-digit one. */
export function manufacturerCodeOf(pan: string): number {
  const p = parseMeterPan(pan);
  return Number(p.drn.slice(0, p.drn.length === 11 ? 2 : 4));
}

/** Fill defaults and validate. FORMAT/RANGE/CHECK_DIGIT on bad input. */
export function normalizeProfile(input: MeterProfileInput): MeterProfile {
  if (typeof input !== 'object' || input === null) fail('FORMAT', 'meter profile must be an object with at least a pan');
  const pan = parseMeterPan(input.pan).pan;
  const sub = input.subclasses ?? {};
  if (typeof sub !== 'object' || sub === null || Array.isArray(sub)) fail('FORMAT', 'meter profile: subclasses must be an object { "0": [...], "1": [...], "2": [...] }');
  const subclasses: SupportedSubclasses = Object.freeze({
    0: sub['0'] !== undefined ? subclassList(0, sub['0']) : WATER_SUBCLASSES[0],
    1: sub['1'] !== undefined ? subclassList(1, sub['1']) : WATER_SUBCLASSES[1],
    2: sub['2'] !== undefined ? subclassList(2, sub['2']) : WATER_SUBCLASSES[2],
    3: sub['3'] !== undefined ? subclassList(3, sub['3']) : WATER_SUBCLASSES[3],
  });
  let lockout: LockoutPolicy | null = DEFAULT_LOCKOUT;
  if (input.lockout === null) lockout = null;
  else if (input.lockout !== undefined) {
    const l = input.lockout;
    if (typeof l !== 'object') fail('FORMAT', 'meter profile: lockout must be null or { rejects, firstSeconds, maxSeconds }');
    lockout = Object.freeze({
      rejects: int('lockout.rejects', l.rejects ?? DEFAULT_LOCKOUT.rejects, 1, 1000),
      firstSeconds: int('lockout.firstSeconds', l.firstSeconds ?? DEFAULT_LOCKOUT.firstSeconds, 1, 86400),
      maxSeconds: int('lockout.maxSeconds', l.maxSeconds ?? DEFAULT_LOCKOUT.maxSeconds, 1, 86400 * 7),
    });
    if (lockout.maxSeconds < lockout.firstSeconds) fail('RANGE', 'meter profile: lockout.maxSeconds must not be below lockout.firstSeconds');
  }
  let keyTypeChanges = DEFAULT_KEY_TYPE_CHANGES;
  if (input.keyTypeChanges !== undefined) {
    const k = input.keyTypeChanges;
    if (typeof k !== 'object' || k === null || Array.isArray(k)) fail('FORMAT', 'meter profile: keyTypeChanges must be an object { "0": [...], ... }');
    const row = (t: KeyType): readonly KeyType[] => {
      const v: unknown = k[String(t)];
      if (v === undefined) return DEFAULT_KEY_TYPE_CHANGES[t];
      if (!Array.isArray(v)) fail('FORMAT', `meter profile: keyTypeChanges.${t} must be an array of key types 0..3`);
      return Object.freeze(v.map((x, i) => int(`keyTypeChanges.${t}[${i}]`, x, 0, 3) as KeyType));
    };
    keyTypeChanges = Object.freeze({ 0: row(0), 1: row(1), 2: row(2), 3: row(3) });
  }
  const profile: MeterProfile = {
    name: input.name === undefined ? 'water' : String(input.name),
    pan,
    manufacturerCode: input.manufacturerCode === undefined ? manufacturerCodeOf(pan) : int('manufacturerCode', input.manufacturerCode, 0, 9999),
    subclasses,
    tidMemoryDepth: int('tidMemoryDepth', input.tidMemoryDepth ?? 50, 1, 10_000),
    lockout,
    creditCapLitres: int('creditCapLitres', input.creditCapLitres ?? DEFAULT_CREDIT_CAP_LITRES, 0, Number.MAX_SAFE_INTEGER),
    lowCreditLitres: int('lowCreditLitres', input.lowCreditLitres ?? DEFAULT_LOW_CREDIT_LITRES, 0, Number.MAX_SAFE_INTEGER),
    keyChangeHoldSeconds: int('keyChangeHoldSeconds', input.keyChangeHoldSeconds ?? 600, 1, 86400),
    keyTypeChanges,
    historyDepth: int('historyDepth', input.historyDepth ?? 0, 0, 100_000),
  };
  return Object.freeze(profile);
}

/** Profile → plain JSON (for the state file). */
export function profileToJson(p: MeterProfile): Record<string, unknown> {
  return {
    name: p.name, pan: p.pan, manufacturerCode: p.manufacturerCode,
    subclasses: { 0: [...p.subclasses[0]], 1: [...p.subclasses[1]], 2: [...p.subclasses[2]], 3: [...p.subclasses[3]] },
    tidMemoryDepth: p.tidMemoryDepth, lockout: p.lockout ? { ...p.lockout } : null,
    creditCapLitres: p.creditCapLitres, lowCreditLitres: p.lowCreditLitres, keyChangeHoldSeconds: p.keyChangeHoldSeconds,
    keyTypeChanges: { 0: [...p.keyTypeChanges[0]], 1: [...p.keyTypeChanges[1]], 2: [...p.keyTypeChanges[2]], 3: [...p.keyTypeChanges[3]] },
    historyDepth: p.historyDepth,
  };
}
