// STA (EA07) table sets: IEC 62055-41 §6.5.4 (Tables 44/51). Tables are data, injected at run time.
// Only the IEC *sample* tables ship with the library. The production tables are licensed by the
// STS Association: never add them to this repository.
import { fail } from '../errors';

/** A validated, immutable STA table set. */
export interface StaTables {
  readonly name: string;
  /** true only for the IEC sample tables (not for production use). */
  readonly sample: boolean;
  /** Encryption substitution table 1 (key-nibble MSB = 0): a permutation of 0..15. */
  readonly substitution1: readonly number[];
  /** Encryption substitution table 2 (key-nibble MSB = 1): a permutation of 0..15. */
  readonly substitution2: readonly number[];
  /** Encryption permutation: dest bit = permutation[source bit], LSB = bit 0; a permutation of 0..63. */
  readonly permutation: readonly number[];
}

/**
 * The `format` of an STA tables file (`hydrosync-sta-tables/1`).
 */
export const STA_TABLES_FORMAT = 'hydrosync-sta-tables/1';

// IEC 62055-41 sample tables (reference Appendix A.1). SAMPLE, NOT FOR PRODUCTION.
const SAMPLE_S1 = [12, 10, 8, 4, 3, 15, 0, 2, 14, 1, 5, 13, 6, 9, 7, 11];
const SAMPLE_S2 = [6, 9, 7, 4, 3, 10, 12, 14, 2, 13, 1, 15, 0, 11, 8, 5];
const SAMPLE_P = [
  29, 27, 34, 9, 16, 62, 55, 2, 40, 49, 38, 25, 33, 61, 30, 23,
  1, 41, 21, 57, 42, 15, 5, 58, 19, 53, 22, 17, 48, 28, 24, 39,
  3, 60, 36, 14, 11, 52, 54, 12, 31, 51, 10, 26, 0, 45, 37, 43,
  44, 6, 59, 4, 7, 35, 56, 50, 13, 18, 32, 47, 46, 63, 20, 8,
];

/** Checked STA table sets (so a set is validated once, however often it is used). */
const checked = new WeakSet<object>();

function freeze(name: string, sample: boolean, s1: number[], s2: number[], p: number[]): StaTables {
  const t: StaTables = Object.freeze({
    name,
    sample,
    substitution1: Object.freeze(s1),
    substitution2: Object.freeze(s2),
    permutation: Object.freeze(p),
  });
  checked.add(t);
  return t;
}

/** The IEC 62055-41 sample STA tables (Appendix A.1): for tests and demos only, NOT for production. */
export const STA_SAMPLE_TABLES: StaTables = /* @__PURE__ */ freeze(
  'sample',
  true,
  SAMPLE_S1.slice(),
  SAMPLE_S2.slice(),
  SAMPLE_P.slice(),
);

/** A copy of `value` if it is an array of `size` distinct integers 0..size−1, else fail('TABLES'). */
function permutationOf(value: unknown, field: string, size: number): number[] {
  if (!Array.isArray(value)) fail('TABLES', `STA tables: "${field}" must be an array of ${size} integers`);
  if (value.length !== size)
    fail('TABLES', `STA tables: "${field}" has ${value.length} entries, expected ${size}`);
  const seenAt = new Array<number>(size).fill(-1);
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    const v: unknown = value[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= size)
      fail('TABLES', `STA tables: "${field}"[${i}] is ${typeof v === 'number' ? v : JSON.stringify(v)}, expected an integer 0..${size - 1}`);
    if (seenAt[v] >= 0)
      fail(
        'TABLES',
        `STA tables: "${field}" is not a permutation of 0..${size - 1}: ${v} appears at index ${seenAt[v]} and ${i}`,
      );
    seenAt[v] = i;
    out.push(v);
  }
  return out;
}

/** Inverse of a permutation: inv[p[i]] = i. */
export function invertPermutation(p: readonly number[]): number[] {
  const inv = new Array<number>(p.length);
  for (let i = 0; i < p.length; i++) inv[p[i]] = i;
  return inv;
}

function sameEntries(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** An optional decryption table must equal the inverse implied by §6.1.2 (IEC Table 51). */
function checkImplied(json: Record<string, unknown>, field: string, size: number, implied: number[], rule: string) {
  if (json[field] === undefined) return;
  const given = permutationOf(json[field], field, size);
  const at = given.findIndex((v, i) => v !== implied[i]);
  if (at >= 0)
    fail(
      'TABLES',
      `STA tables: "${field}" is inconsistent with the encryption tables (must be ${rule}): ` +
        `entry ${at} is ${given[at]}, expected ${implied[at]}`,
    );
}

const KNOWN_FIELDS = new Set([
  'format', 'name', 'description', 'provenance', 'substitution1', 'substitution2', 'permutation',
  'decryptionSubstitution1', 'decryptionSubstitution2', 'decryptionPermutation',
]);

/**
 * Validate a parsed JSON object into StaTables.
 * Format: {"format":"hydrosync-sta-tables/1","name":"…","substitution1":[16],"substitution2":[16],
 * "permutation":[64]}, optionally "description"/"provenance" (strings) and "decryptionSubstitution1",
 * "decryptionSubstitution2", "decryptionPermutation", which must equal S2⁻¹, S1⁻¹ and P⁻¹ (§6.1.2).
 * @param json - the parsed JSON
 * @throws HydroSyncError `TABLES` with a precise message for anything malformed.
 */
export function parseStaTables(json: unknown): StaTables {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    fail('TABLES', 'STA tables: expected a JSON object');
  const o = json as Record<string, unknown>;
  if (o.format !== STA_TABLES_FORMAT)
    fail('TABLES', `STA tables: unknown format ${JSON.stringify(o.format)}, expected "${STA_TABLES_FORMAT}"`);
  for (const key of Object.keys(o))
    if (!KNOWN_FIELDS.has(key)) fail('TABLES', `STA tables: unknown field "${key}"`);
  if (typeof o.name !== 'string' || o.name.trim() === '')
    fail('TABLES', 'STA tables: "name" must be a non-empty string');
  for (const key of ['description', 'provenance'])
    if (o[key] !== undefined && typeof o[key] !== 'string') fail('TABLES', `STA tables: "${key}" must be a string`);
  const s1 = permutationOf(o.substitution1, 'substitution1', 16);
  const s2 = permutationOf(o.substitution2, 'substitution2', 16);
  const p = permutationOf(o.permutation, 'permutation', 64);
  checkImplied(o, 'decryptionSubstitution1', 16, invertPermutation(s2), 'the inverse of substitution2');
  checkImplied(o, 'decryptionSubstitution2', 16, invertPermutation(s1), 'the inverse of substitution1');
  checkImplied(o, 'decryptionPermutation', 64, invertPermutation(p), 'the inverse of permutation');
  const isSample = sameEntries(s1, SAMPLE_S1) && sameEntries(s2, SAMPLE_S2) && sameEntries(p, SAMPLE_P);
  if (o.name === 'sample' && !isSample)
    fail('TABLES', 'STA tables: the name "sample" is reserved for the IEC 62055-41 sample tables');
  return freeze(o.name, isSample, s1, s2, p);
}

/**
 * Make sure `t` is a valid table set (objects made by this module pass at once; a hand-built
 * object is checked field by field). Throws HydroSyncError('TABLES').
 */
export function assertStaTables(t: StaTables): void {
  if (typeof t === 'object' && t !== null && checked.has(t)) return;
  if (typeof t !== 'object' || t === null) fail('TABLES', 'STA tables: expected a StaTables object');
  permutationOf(t.substitution1, 'substitution1', 16);
  permutationOf(t.substitution2, 'substitution2', 16);
  permutationOf(t.permutation, 'permutation', 64);
}
