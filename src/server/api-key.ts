/**
 * API keys for agents and admins: `hsk_<id>_<secret>`, where id is 12 random hex digits (the
 * public lookup id, so verification reads one row and never scans) and secret is 32 random bytes
 * (base64url, 43 characters). The key is shown once; the store keeps only
 * `scrypt$N$r$p$salt$hash`: scrypt (node:crypto) with N = 2^15, r = 8, p = 1 (32 MiB, tens of
 * milliseconds), a 16-byte random salt and a 32-byte output, compared in constant time.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { HydroSyncError } from '../errors';
import type { ApiKeyRole, ApiKeyRow } from './store/server-store';

/** scrypt cost parameters of new hashes (the parameters are stored with each hash). */
export const API_KEY_SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;

const KEY = /^hsk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const VENDING_POINT = /^[A-Za-z0-9._-]{1,40}$/;

/** The rule a vending point name follows (it becomes part of transaction ids). */
export const VENDING_POINT_RULE = '1 to 40 characters from A-Z a-z 0-9 . _ -';

function scryptHash(secret: string, salt: Buffer, N: number, r: number, p: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, length, { N, r, p, maxmem: 128 * N * r * 2 }, (e, out) => (e ? reject(e) : resolve(out)));
  });
}

/** The lookup id of a presented key, or undefined when it is not shaped like one of ours. */
export function apiKeyId(presented: string): string | undefined {
  return KEY.exec(presented)?.[1];
}

/** A new key and the row to store (the key itself is returned once and never stored). */
export async function createApiKey(input: { role: ApiKeyRole; vendingPoint: string; label?: string }, now: Date): Promise<{ key: string; row: ApiKeyRow }> {
  if (input.role !== 'agent' && input.role !== 'admin') throw new HydroSyncError('FORMAT', 'role must be agent or admin');
  if (typeof input.vendingPoint !== 'string' || !VENDING_POINT.test(input.vendingPoint)) {
    throw new HydroSyncError('FORMAT', `the vending point must be ${VENDING_POINT_RULE}`);
  }
  const label = input.label ?? '';
  if (typeof label !== 'string' || label.length > 100 || /[\u0000-\u001f\u007f]/.test(label)) {
    throw new HydroSyncError('FORMAT', 'the label must be at most 100 printable characters');
  }
  const id = randomBytes(6).toString('hex');
  const key = `hsk_${id}_${randomBytes(32).toString('base64url')}`;
  const salt = randomBytes(API_KEY_SCRYPT.saltLength);
  const { N, r, p, keyLength } = API_KEY_SCRYPT;
  const hash = await scryptHash(key, salt, N, r, p, keyLength);
  return {
    key,
    row: {
      id, hash: `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`,
      role: input.role, vendingPoint: input.vendingPoint, label, createdAt: now.toISOString(), revokedAt: null,
    },
  };
}

/** Whether `presented` is the key whose hash the row holds (constant-time comparison). */
export async function apiKeyMatches(presented: string, row: ApiKeyRow): Promise<boolean> {
  const parts = row.hash.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  const actual = await scryptHash(presented, salt, N, r, p, expected.length);
  return timingSafeEqual(actual, expected);
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
