/**
 * SHA-256 (lowercase hex) of a text's UTF-8 bytes, for the many small hashes of a fleet run (audit
 * record hashes, token hashes): the same value as
 * bytesToHex(sha256(utf8ToBytes(text))), without a new hasher, byte array and hex string per call.
 * Synchronous and single-threaded, so one scratch state is enough.
 */
import { sha256 } from '@noble/hashes/sha2.js';

interface Utf8Encoder {
  encodeInto(text: string, into: Uint8Array): { read: number; written: number };
}
// TextEncoder is global in browsers and Node; the core is typed without DOM or Node types.
const encoder = new (globalThis as unknown as { TextEncoder: new () => Utf8Encoder }).TextEncoder();
const initial = sha256.create();
const scratch = initial.clone();
const digest = new Uint8Array(32);
let bytes = new Uint8Array(2048);
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function sha256HexOfText(text: string): string {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  if (bytes.length < text.length * 3) bytes = new Uint8Array(text.length * 3);
  const { written } = encoder.encodeInto(text, bytes);
  const h = initial._cloneInto(scratch);
  h.update(bytes.subarray(0, written));
  h.digestInto(digest);
  let hex = '';
  for (let i = 0; i < 32; i++) hex += HEX[digest[i]!]!;
  return hex;
}
