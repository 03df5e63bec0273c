/**
 * Website accounts: usernames, the password rule, account rows (the password only as a slow
 * salted hash, password-hash.ts), and invitation codes (shown once; stored as their SHA-256 — a
 * code is 160 random bits, so a fast hash is enough, unlike a password).
 */
import { createHash, randomBytes } from 'node:crypto';
import { HttpProblem } from './problem';
import { hashSecret } from './password-hash';
import type { ServerStore, UserRole, UserRow } from './store/server-store';

/** Usernames: 3 to 32 characters from a-z 0-9 . _ -, starting with a letter or digit (sign-in lowers the case of what is typed). */
export const USERNAME_PATTERN = '^[a-z0-9][a-z0-9._-]{2,31}$';
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 128;
/** The rule a password follows, as the answers name it. */
export const PASSWORD_RULE = `${PASSWORD_MIN} to ${PASSWORD_MAX} characters, not the username`;

/** What is typed as a username, in the form accounts are kept under. */
export function normalizeUsername(typed: string): string {
  return typed.trim().toLowerCase();
}

/**
 * Refuse a password that breaks the rule (400 FORMAT naming `field` and the rule).
 * Length is counted in characters (code points).
 */
export function checkPassword(password: string, username: string, field = 'body.password'): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN) throw new HttpProblem(400, 'FORMAT', `${field} must have at least ${PASSWORD_MIN} characters (${PASSWORD_RULE})`, { field, rule: 'minLength' });
  if (length > PASSWORD_MAX) throw new HttpProblem(400, 'FORMAT', `${field} must have at most ${PASSWORD_MAX} characters`, { field, rule: 'maxLength' });
  if (password.toLowerCase().includes(username)) throw new HttpProblem(400, 'FORMAT', `${field} must not contain the username`, { field, rule: 'notUsername' });
}

/** A new account row (the password checked and hashed). */
export async function accountRow(input: { username: string; password: string; role: UserRole; customerNumber: string | null; createdBy: string }, now: Date): Promise<UserRow> {
  const username = normalizeUsername(input.username);
  if (!new RegExp(USERNAME_PATTERN).test(username)) {
    throw new HttpProblem(400, 'FORMAT', 'the username must be 3 to 32 characters from a-z 0-9 . _ -, starting with a letter or digit', { field: 'body.username', rule: 'pattern' });
  }
  checkPassword(input.password, username);
  return {
    username, role: input.role, customerNumber: input.customerNumber, passwordHash: await hashSecret(input.password),
    createdAt: now.toISOString(), createdBy: input.createdBy,
  };
}

/**
 * Create an admin user (the operation of `hydrosync serve user create --role admin` and of
 * `POST /v1/users`). CONFLICT for a taken username; FORMAT for a username or password that breaks the rule.
 */
export async function createAdminUser(store: ServerStore, input: { username: string; password: string; createdBy: string }, now: Date): Promise<UserRow> {
  const row = await accountRow({ ...input, role: 'admin', customerNumber: null }, now);
  await store.insertUser(row);
  return row;
}

/** A new invitation code: `inv_` and 32 base64url characters (160 random bits). */
export function newInvitationCode(): string {
  return `inv_${randomBytes(24).toString('base64url')}`;
}

/** What the store keeps of an invitation code. */
export function invitationHash(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}
