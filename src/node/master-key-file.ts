import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { HydroSyncError } from '../errors';
import { ioReason } from './json-file';
import { checkKeyHex } from '../keys/key-hex';
import { writeSecretFile } from './secret-file';

/** The `format` of a JSON master key file. */
const MASTER_KEY_FILE_FORMAT = 'hydrosync-master-key/1';

/** Environment variables for the master key: the key itself (hex) or a file holding it. */
export const MASTER_KEY_ENV = 'HYDROSYNC_MASTER_KEY';
export const MASTER_KEY_FILE_ENV = 'HYDROSYNC_MASTER_KEY_FILE';

/** A master key read from a file or the environment: the hex (secret) and where it came from. */
export interface MasterKeyText {
  /** 64 lowercase hex digits (AES-256). Secret: never print it. */
  hex: string;
  source: string;
  /** Set when the file can be read by its group or by others (mode & 0o077). */
  exposedMode?: number;
}

/**
 * Read a master key file: 64 hex digits (whitespace around them allowed), or JSON
 * `{"format":"hydrosync-master-key/1","masterKey":"…64 hex digits…"}`. Never quotes the content.
 */
export function readMasterKeyFile(path: string): MasterKeyText {
  const source = `master key file ${path}`;
  let text: string;
  let mode: number;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new HydroSyncError('MASTER_KEY', `cannot read ${source}: ${ioReason(e)}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const t = text.trim();
  let hex: string;
  if (t.startsWith('{')) {
    let o: unknown;
    try {
      o = JSON.parse(t);
    } catch {
      throw new HydroSyncError('MASTER_KEY', `${source} is neither 64 hex digits nor valid JSON`);
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) {
      throw new HydroSyncError('MASTER_KEY', `${source} must hold a JSON object {"format":"${MASTER_KEY_FILE_FORMAT}","masterKey":"…"}`);
    }
    const r = o as Record<string, unknown>;
    if (r.format !== MASTER_KEY_FILE_FORMAT) {
      throw new HydroSyncError('MASTER_KEY', `${source} must have "format":"${MASTER_KEY_FILE_FORMAT}"`);
    }
    const unknown = Object.keys(r).filter((k) => !['format', 'masterKey', 'description', 'createdAt'].includes(k));
    if (unknown.length > 0) {
      throw new HydroSyncError('MASTER_KEY', `${source} has ${unknown.length === 1 ? 'an unknown field' : 'unknown fields'}; known fields: format, masterKey, description, createdAt`);
    }
    hex = checkKeyHex(r.masterKey, 'master', source);
  } else {
    if (t === '') throw new HydroSyncError('MASTER_KEY', `${source} is empty; it must hold the 64 hex digits of the master key`);
    hex = checkKeyHex(t, 'master', source);
  }
  const exposed = mode & 0o077;
  return { hex, source, ...(exposed !== 0 ? { exposedMode: mode & 0o777 } : {}) };
}

/** The JSON content of a master key file holding `hex`. */
export function masterKeyFileContent(hex: string, now: Date): Record<string, string> {
  return {
    format: MASTER_KEY_FILE_FORMAT,
    description: 'HydroSync security module master key: it wraps every vending key in the store. Keep it secret and backed up; without it the store is useless.',
    createdAt: now.toISOString(),
    masterKey: hex,
  };
}

/**
 * Generate a new random master key (256 bits from the OS CSPRNG) and write it to `path` as JSON,
 * mode 0600. Refuses to replace an existing file. Returns the key's hex (secret).
 */
export function generateMasterKeyFile(path: string, now: Date = new Date()): string {
  const hex = randomBytes(32).toString('hex');
  writeSecretFile(path, masterKeyFileContent(hex, now), { force: false, what: 'master key file' });
  return hex;
}
