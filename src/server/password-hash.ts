/**
 * Slow salted hashes of secrets people or programs present (API keys, passwords):
 * `scrypt$N$r$p$salt$hash` — scrypt (node:crypto) with N = 2^15, r = 8, p = 1 (32 MiB, tens of
 * milliseconds), a 16-byte random salt and a 32-byte output, compared in constant time. The
 * parameters are stored with each hash, so stronger ones can be chosen later without breaking old
 * hashes.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost parameters of new hashes. */
export const SCRYPT_PARAMETERS = { N: 2 ** 15, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;

function scryptHash(secret: string, salt: Buffer, N: number, r: number, p: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, length, { N, r, p, maxmem: 128 * N * r * 2 }, (e, out) => (e ? reject(e) : resolve(out)));
  });
}

/** The stored form of `secret`: `scrypt$N$r$p$salt$hash` (base64url salt and hash). */
export async function hashSecret(secret: string): Promise<string> {
  const { N, r, p, keyLength, saltLength } = SCRYPT_PARAMETERS;
  const salt = randomBytes(saltLength);
  const hash = await scryptHash(secret, salt, N, r, p, keyLength);
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** A hash of a random secret, to check against when there is no row (so an unknown name costs as much as a known one). */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashSecret(randomBytes(16).toString('hex'));
  return decoy;
}

/** Whether `presented` is the secret whose hash `stored` holds (constant-time comparison); false for a malformed hash. */
export async function secretMatches(presented: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || N > 2 ** 20 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length < 16) return false;
  const actual = await scryptHash(presented, salt, N, r, p, expected.length);
  return timingSafeEqual(actual, expected);
}
