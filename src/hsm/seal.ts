/**
 * Sealed reissue records: an issued result is kept so that the same transaction id returns the
 * same tokens again. Tokens are bearer credit, so the stored copy is encrypted and authenticated
 * (XChaCha20-Poly1305, random 24-byte nonce, the transaction id as associated data) under a
 * master-key subkey: a copy of the database alone does not yield unredeemed tokens.
 *
 * Two formats. Format 2 (sealResult, every token-issuing operation): the associated data binds the
 * whole transaction row (id, kind, PAN, time), and the plaintext is the compact result of
 * sealed-result.ts, which leaves out what the row holds (a vend: about 125 bytes sealed instead of
 * about 430). Format 1 (sealText; stores written before format 2, and fleet key changes): the
 * transaction id alone as associated data, the plaintext the result's JSON or the compact
 * key-change form, which unseal() expands into the same result (see key-change-result.ts).
 * unsealResult() reads both: a record authenticates under exactly one of the two.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { bytesToUtf8, utf8ToBytes } from '@noble/ciphers/utils.js';
import { fail } from '../errors';
import { expandSealedValue } from './key-change-result';
import { type SealedIssue, type SealedRow, compactResultText, expandResult } from './sealed-result';
import { randomBytes } from '../tokens/random';

export const SEAL_NONCE_BYTES = 24;

/**
 * Seal a JSON text. `nonce` (24 bytes, used once) may be given by callers that draw many at once;
 * default a fresh random one.
 */
export function sealText(key: Uint8Array, id: string, json: string, nonce: Uint8Array = randomBytes(SEAL_NONCE_BYTES)): Uint8Array {
  if (nonce.length !== SEAL_NONCE_BYTES) fail('USAGE', `a seal nonce is ${SEAL_NONCE_BYTES} bytes`);
  const plain = utf8ToBytes(json);
  const out = new Uint8Array(SEAL_NONCE_BYTES + plain.length + 16);
  out.set(nonce, 0);
  xchacha20poly1305(key, nonce, utf8ToBytes(id)).encrypt(plain, out.subarray(SEAL_NONCE_BYTES));
  return out;
}

const rowData = (row: SealedRow) => utf8ToBytes(JSON.stringify(['hydrosync-seal/2', row.id, row.kind, row.pan, row.at]));

/** Seal a token-issuing result for its transaction row (format 2). */
export function sealResult(key: Uint8Array, row: SealedRow, r: SealedIssue): Uint8Array {
  const nonce = randomBytes(SEAL_NONCE_BYTES);
  const plain = utf8ToBytes(compactResultText(row, r));
  const out = new Uint8Array(SEAL_NONCE_BYTES + plain.length + 16);
  out.set(nonce, 0);
  xchacha20poly1305(key, nonce, rowData(row)).encrypt(plain, out.subarray(SEAL_NONCE_BYTES));
  return out;
}

/** The result a transaction row's sealed record holds (format 2, or 1 for older records); STORE if it fails its check. */
export function unsealResult(key: Uint8Array, row: SealedRow & { sealed: Uint8Array }): SealedIssue {
  let plain: Uint8Array;
  try {
    plain = xchacha20poly1305(key, row.sealed.subarray(0, SEAL_NONCE_BYTES), rowData(row)).decrypt(row.sealed.subarray(SEAL_NONCE_BYTES));
  } catch {
    return unseal<SealedIssue>(key, row.id, row.sealed);
  }
  return expandResult(row, JSON.parse(bytesToUtf8(plain)));
}

export function unseal<T>(key: Uint8Array, id: string, sealed: Uint8Array): T {
  try {
    const nonce = sealed.subarray(0, SEAL_NONCE_BYTES);
    const plain = xchacha20poly1305(key, nonce, utf8ToBytes(id)).decrypt(sealed.subarray(SEAL_NONCE_BYTES));
    return expandSealedValue(id, JSON.parse(bytesToUtf8(plain))) as T;
  } catch {
    return fail('STORE', `the stored result of transaction ${id} fails its integrity check (the row was altered or belongs to another store); it cannot be reissued`);
  }
}
