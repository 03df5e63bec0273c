/**
 * Sealed reissue records: an issued result is kept so that the same transaction id returns the
 * same tokens again. Tokens are bearer credit, so the stored copy is encrypted and authenticated
 * (XChaCha20-Poly1305, random 24-byte nonce, the transaction id as associated data) under a
 * master-key subkey: a copy of the database alone does not yield unredeemed tokens.
 *
 * The plaintext is the result's JSON, or (fleet key changes) the compact key-change form, which
 * unseal() expands into the same result (see key-change-result.ts).
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { bytesToUtf8, utf8ToBytes } from '@noble/ciphers/utils.js';
import { fail } from '../errors';
import { expandSealedValue } from './key-change-result';
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

export function seal(key: Uint8Array, id: string, value: unknown): Uint8Array {
  return sealText(key, id, JSON.stringify(value));
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
