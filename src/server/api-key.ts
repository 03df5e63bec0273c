/**
 * API keys for agents and admins: `hsk_<id>_<secret>`, where id is 12 random hex digits (the
 * public lookup id, so verification reads one row and never scans) and secret is 32 random bytes
 * (base64url, 43 characters). The key is shown once; the store keeps only its slow salted hash
 * (password-hash.ts: scrypt, compared in constant time).
 */
import { createHash, randomBytes } from 'node:crypto';
import { HydroSyncError } from '../errors';
import { hashSecret, secretMatches } from './password-hash';
import type { ApiKeyRole, ApiKeyRow } from './store/server-store';

const KEY = /^hsk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const VENDING_POINT = /^[A-Za-z0-9._-]{1,40}$/;

/** The rule a vending point name follows (it becomes part of transaction ids). */
export const VENDING_POINT_RULE = '1 to 40 characters from A-Z a-z 0-9 . _ -';

/** The lookup id of a presented key, or undefined when it is not shaped like one of ours. */
export function apiKeyId(presented: string): string | undefined {
  return KEY.exec(presented)?.[1];
}

/** A new key and the row to store (the key itself is returned once and never stored). */
export async function createApiKey(
  input: { role: ApiKeyRole; vendingPoint: string; label?: string; dailyLimitLitres?: number | null; dailyLimitRupiah?: number | null }, now: Date,
): Promise<{ key: string; row: ApiKeyRow }> {
  if (input.role !== 'agent' && input.role !== 'admin') throw new HydroSyncError('FORMAT', 'role must be agent or admin');
  if (typeof input.vendingPoint !== 'string' || !VENDING_POINT.test(input.vendingPoint)) {
    throw new HydroSyncError('FORMAT', `the vending point must be ${VENDING_POINT_RULE}`);
  }
  const label = input.label ?? '';
  if (typeof label !== 'string' || label.length > 100 || /[\u0000-\u001f\u007f]/.test(label)) {
    throw new HydroSyncError('FORMAT', 'the label must be at most 100 printable characters');
  }
  for (const name of ['dailyLimitLitres', 'dailyLimitRupiah'] as const) {
    const v = input[name];
    if (v !== undefined && v !== null && (!Number.isSafeInteger(v) || v <= 0)) throw new HydroSyncError('RANGE', `${name} must be a whole number above 0, or absent for the module's limit only`);
  }
  const id = randomBytes(6).toString('hex');
  const key = `hsk_${id}_${randomBytes(32).toString('base64url')}`;
  return {
    key,
    row: {
      id, hash: await hashSecret(key),
      role: input.role, vendingPoint: input.vendingPoint, label, createdAt: now.toISOString(), revokedAt: null,
      dailyLimitLitres: input.dailyLimitLitres ?? null, dailyLimitRupiah: input.dailyLimitRupiah ?? null,
    },
  };
}

/** Whether `presented` is the key whose hash the row holds (constant-time comparison). */
export function apiKeyMatches(presented: string, row: ApiKeyRow): Promise<boolean> {
  return secretMatches(presented, row.hash);
}

/**
 * Remembers keys already verified in this process (by the SHA-256 of the presented key, never the
 * key), so a busy agent does not pay scrypt on every request. The row is still read on every
 * request, so a revocation takes effect at once.
 */
export class VerifiedKeys {
  readonly #seen = new Map<string, string>();
  readonly #max: number;

  constructor(max = 10_000) {
    this.#max = max;
  }

  static digest(presented: string): string {
    return createHash('sha256').update(presented).digest('hex');
  }

  has(presented: string, id: string): boolean {
    return this.#seen.get(VerifiedKeys.digest(presented)) === id;
  }

  add(presented: string, id: string): void {
    if (this.#seen.size >= this.#max) this.#seen.clear();
    this.#seen.set(VerifiedKeys.digest(presented), id);
  }
}
