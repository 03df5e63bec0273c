/**
 * Sign-in with username and password, with failures counted per username and per address: after
 * `maxFailuresPerUser` (default 5) failures for one username, or `maxFailuresPerAddress` (default
 * 20) from one address, within `lockMinutes` (default 15), that username or address is locked for
 * `lockMinutes` (429 with Retry-After, also for the right password). An unknown username is
 * counted and locked like a known one and costs the same scrypt, so the answers never reveal
 * whether a username exists. Log lines name the username and address, never the password.
 */
import type { FastifyBaseLogger } from 'fastify';
import { normalizeUsername } from './accounts';
import { decoyHash, secretMatches } from './password-hash';
import { HttpProblem } from './problem';
import type { ServerStore, UserRow } from './store/server-store';

export interface SignInLimits {
  maxFailuresPerUser: number;
  maxFailuresPerAddress: number;
  lockMinutes: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { maxFailuresPerUser: 5, maxFailuresPerAddress: 20, lockMinutes: 15 };

/** The throttle keys of an attempt: what is counted and locked. */
export function throttleKeys(subject: string, address: string): { subject: string; address: string } {
  return { subject, address: `address:${address}` };
}

/** Refuse (429) while either key is locked. */
export async function assertNotLocked(store: ServerStore, keys: string[], now: Date, log: FastifyBaseLogger, what: Record<string, string>): Promise<void> {
  for (const key of keys) {
    const f = await store.getSignInFailures(key);
    if (f?.lockedUntil != null && Date.parse(f.lockedUntil) > now.getTime()) {
      const seconds = Math.ceil((Date.parse(f.lockedUntil) - now.getTime()) / 1000);
      log.warn({ ...what, lockedUntil: f.lockedUntil }, 'sign-in refused: locked');
      throw new HttpProblem(429, 'TOO_MANY_REQUESTS', `too many failed attempts; try again in ${Math.ceil(seconds / 60)} minute(s)`, { headers: { 'retry-after': String(seconds) } });
    }
  }
}

/** Count one failure under each key, locking a key that reached its limit. */
export async function countFailure(store: ServerStore, keys: { key: string; max: number }[], now: Date, limits: SignInLimits): Promise<void> {
  const windowStart = new Date(now.getTime() - limits.lockMinutes * 60_000).toISOString();
  for (const { key, max } of keys) {
    const f = await store.countSignInFailure(key, now.toISOString(), windowStart);
    if (f.failures >= max) await store.lockSignIn(key, new Date(now.getTime() + limits.lockMinutes * 60_000).toISOString());
  }
}

/**
 * The account whose username and password these are.
 * @throws HttpProblem 429 while the username or the address is locked; 401 for a wrong username or password (the same answer for both).
 */
export async function signIn(
  deps: { store: ServerStore; limits: SignInLimits; log: FastifyBaseLogger },
  attempt: { username: string; password: string; address: string }, now: Date,
): Promise<UserRow> {
  const username = normalizeUsername(attempt.username);
  const keys = throttleKeys(`user:${username}`, attempt.address);
  const what = { username, address: attempt.address };
  await assertNotLocked(deps.store, [keys.subject, keys.address], now, deps.log, what);
  const user = await deps.store.getUser(username);
  const ok = user !== undefined ? await secretMatches(attempt.password, user.passwordHash) : (await secretMatches(attempt.password, await decoyHash()), false);
  if (!ok || user === undefined) {
    await countFailure(deps.store, [{ key: keys.subject, max: deps.limits.maxFailuresPerUser }, { key: keys.address, max: deps.limits.maxFailuresPerAddress }], now, deps.limits);
    deps.log.warn(what, 'sign-in refused: wrong username or password');
    throw new HttpProblem(401, 'UNAUTHORIZED', 'the username or password is wrong', { field: 'body.password' });
  }
  await deps.store.clearSignInFailures(keys.subject);
  return user;
}
