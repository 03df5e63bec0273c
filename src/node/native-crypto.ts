/**
 * OpenSSL (node:crypto) versions of the two primitives a fleet run spends most of its recording
 * time in: SHA-256 of a text (audit record hashes, token hashes, request fingerprints) and the
 * XChaCha20-Poly1305 seal of a reissue record. Same algorithms, byte for byte the same results as
 * the core's portable versions (@noble). openSqliteStore installs them in the core (FleetCrypto in
 * src/hsm/fleet-support.ts), only after they reproduced the portable versions on a known input.
 * Keys are only passed through, never kept.
 */
import { createCipheriv, hash } from 'node:crypto';
import { hchacha, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { type FleetCrypto, installFleetCrypto } from '../hsm/fleet-support';
import { sealText } from '../hsm/seal';
import { sha256HexOfText } from '../hsm/sha256-text';

const NONCE = 24;
const TAG = 16;
// "expand 32-byte k" (RFC 8439 §2.3).
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

/** Little-endian 32-bit words of bytes[0 .. 4n) into `out`. */
function words(bytes: Uint8Array, out: Uint32Array): Uint32Array {
  for (let i = 0, j = 0; i < out.length; i++, j += 4) {
    out[i] = (bytes[j]! | (bytes[j + 1]! << 8) | (bytes[j + 2]! << 16) | (bytes[j + 3]! << 24)) >>> 0;
  }
  return out;
}

// Scratch state (synchronous use only), wiped after each seal.
const keyWords = new Uint32Array(8);
const nonceWords = new Uint32Array(4);
const sub = new Uint32Array(8);
const subkey = new Uint8Array(32);
const iv = new Uint8Array(12);

/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha §2.3): the subkey HChaCha20(key, nonce[0..16]),
 * then the IETF ChaCha20-Poly1305 AEAD (RFC 8439) with nonce 0⁴ ‖ nonce[16..24]. Output as
 * sealText(): nonce ‖ ciphertext ‖ tag.
 */
function sealNative(key: Uint8Array, id: string, json: string, nonce: Uint8Array): Uint8Array {
  if (key.length !== 32 || nonce.length !== NONCE) throw new Error('XChaCha20-Poly1305 takes a 32-byte key and a 24-byte nonce');
  hchacha(SIGMA, words(key, keyWords), words(nonce, nonceWords), sub);
  for (let i = 0, j = 0; i < 8; i++, j += 4) {
    const w = sub[i]!;
    subkey[j] = w & 0xff; subkey[j + 1] = (w >>> 8) & 0xff; subkey[j + 2] = (w >>> 16) & 0xff; subkey[j + 3] = w >>> 24;
  }
  iv.set(nonce.subarray(16, NONCE), 4);
  const plain = Buffer.from(json, 'utf8');
  let cipher;
  try {
    cipher = createCipheriv('chacha20-poly1305', subkey, iv, { authTagLength: TAG });
  } finally {
    keyWords.fill(0);
    sub.fill(0);
    subkey.fill(0);
  }
  cipher.setAAD(Buffer.from(id, 'utf8'), { plaintextLength: plain.length });
  const out = new Uint8Array(NONCE + plain.length + TAG);
  out.set(nonce, 0);
  out.set(cipher.update(plain), NONCE);
  cipher.final();
  out.set(cipher.getAuthTag(), NONCE + plain.length);
  return out;
}

function sha256Native(text: string): string {
  return hash('sha256', text, 'hex');
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The native primitives, or null when they do not reproduce the portable ones here (then the core uses its own). */
function probe(): FleetCrypto | null {
  try {
    const key = Uint8Array.from({ length: 32 }, (_, i) => (i * 29 + 7) & 0xff);
    const nonce = Uint8Array.from({ length: NONCE }, (_, i) => (i * 53 + 1) & 0xff);
    const text = '{"probe":"hydrosync ✓ fleet","n":[1,2,3]}';
    if (!same(sealNative(key, 'probe:1', text, nonce), sealText(key, 'probe:1', text, nonce))) return null;
    const opened = xchacha20poly1305(key, nonce, Buffer.from('probe:1')).decrypt(sealNative(key, 'probe:1', text, nonce).subarray(NONCE));
    if (Buffer.from(opened).toString('utf8') !== text) return null;
    if (sha256Native(text) !== sha256HexOfText(text)) return null;
    return {
      sha256Hex: sha256Native,
      sealText: (k, id, json, n) => sealNative(k, id, json, n),
    };
  } catch {
    return null;
  }
}

let probed: FleetCrypto | null | undefined;

/** The native fleet primitives (probed once per process), or null. */
export function nativeFleetCrypto(): FleetCrypto | null {
  if (probed === undefined) probed = probe();
  return probed;
}

/** Install them in the core (once; nothing changes if they are not available). */
export function installNativeFleetCrypto(): void {
  if (probed !== undefined) return;
  const c = nativeFleetCrypto();
  if (c !== null) installFleetCrypto(c);
}
