/**
 * Website sessions: a random id in an httpOnly cookie, kept in the store only as its SHA-256, with
 * an idle and an absolute end; a new id on every sign-in (no session fixation). The CSRF token of
 * a session is an HMAC of its id (synchronizer token): the server can check it without storing it,
 * and nobody who reads the store can compute it.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServerStore, SessionRow, UserRow } from './store/server-store';

/** The session cookie's name. */
export const SESSION_COOKIE = 'hydrosync_session';
/** The header a cookie-authenticated state-changing request carries its CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

export interface SessionSettings {
  /** Signed out after this many minutes without a request (default 30). */
  idleMinutes: number;
  /** Signed out this many hours after sign-in, whatever the activity (default 12). */
  absoluteHours: number;
}

export const DEFAULT_SESSION_SETTINGS: SessionSettings = { idleMinutes: 30, absoluteHours: 12 };

/** A session's last-seen time is written at most this often (a request a second does not write a second). */
const TOUCH_EVERY_MS = 60_000;

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export function sessionIdHash(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/** The CSRF token of a session (base64url HMAC-SHA256 of a fixed label under the session id). */
export function csrfTokenOf(sessionId: string): string {
  return createHmac('sha256', sessionId).update('hydrosync csrf token').digest('base64url');
}

/** Whether `presented` is the session's CSRF token (constant time). */
export function csrfTokenMatches(sessionId: string, presented: string | undefined): boolean {
  if (typeof presented !== 'string') return false;
  const expected = Buffer.from(csrfTokenOf(sessionId));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Start a session for `user`: a new random id (32 bytes, base64url), stored as its hash. */
export async function startSession(store: ServerStore, user: UserRow, now: Date, settings: SessionSettings): Promise<{ id: string; row: SessionRow }> {
  const id = randomBytes(32).toString('base64url');
  const at = now.toISOString();
  const row: SessionRow = { idHash: sessionIdHash(id), username: user.username, createdAt: at, lastSeenAt: at, expiresAt: new Date(now.getTime() + settings.absoluteHours * 3_600_000).toISOString() };
  await store.deleteExpiredSessions(at, new Date(now.getTime() - settings.idleMinutes * 60_000).toISOString());
  await store.insertSession(row);
  return { id, row };
}

/** When an idle session ends. */
export function idleEnd(row: SessionRow, settings: SessionSettings): Date {
  return new Date(Date.parse(row.lastSeenAt) + settings.idleMinutes * 60_000);
}

/**
 * The live session and its account for a cookie value, or undefined (malformed, unknown, ended by
 * idleness or age, or an account that is gone; an ended session is removed). Touches the session.
 */
export async function resolveSession(store: ServerStore, id: string, now: Date, settings: SessionSettings): Promise<{ row: SessionRow; user: UserRow } | undefined> {
  if (!SESSION_ID.test(id)) return undefined;
  const idHash = sessionIdHash(id);
  const row = await store.getSession(idHash);
  if (row === undefined) return undefined;
  if (Date.parse(row.expiresAt) <= now.getTime() || idleEnd(row, settings).getTime() <= now.getTime()) {
    await store.deleteSession(idHash);
    return undefined;
  }
  const user = await store.getUser(row.username);
  if (user === undefined) return undefined;
  if (now.getTime() - Date.parse(row.lastSeenAt) >= TOUCH_EVERY_MS) {
    const at = now.toISOString();
    await store.touchSession(idHash, at);
    return { row: { ...row, lastSeenAt: at }, user };
  }
  return { row, user };
}
