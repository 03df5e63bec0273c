/**
 * The report key (docs/reports.md, "Key derivation"): HKDF-SHA-256 (RFC 5869) over the meter's
 * decoder key, with a fixed salt naming the purpose and the MeterPAN as info:
 *
 *   OKM = HKDF-SHA-256(IKM = decoder key bytes, salt = "HydroSync report key v1", info = PAN (18 ASCII digits), L = 48)
 *   macKey = OKM[0..32)   (HMAC-SHA-256 key for both forms)
 *   codeKey = OKM[32..48) (MISTY1 key that encrypts the 20-digit report code)
 *
 * HKDF is one-way: a report key (or every report ever made) gives nothing about the decoder key,
 * so no token can be made from it. Tokens use the decoder key itself as a block-cipher key; the
 * report keys are HKDF outputs under a label no token operation uses.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { fail } from '../errors';
import { parseMeterPan } from '../codec/pan';
import { createMisty1 } from '../cipher/misty1';
import type { BlockCipher64 } from '../cipher/types';

/** The HKDF salt: names the purpose and the protocol version. */
export const REPORT_KEY_SALT = 'HydroSync report key v1';

/** A meter's report key, prepared (the MISTY1 key schedule done once). Holds key material: never log it. */
export interface ReportKey {
  /** The 18-digit MeterPAN the key belongs to. */
  readonly pan: string;
  /** The MeterPAN as an integer (as the frame and the code's MAC input carry it). */
  readonly panValue: bigint;
  /** KeyRevisionNumber of the decoder key it was derived from. */
  readonly keyRevisionNumber: number;
  /** 32-byte HMAC-SHA-256 key. */
  readonly macKey: Uint8Array;
  /** MISTY1 prepared with the 16-byte code key. */
  readonly codeCipher: BlockCipher64;
}

const ASCII = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const SALT = /* @__PURE__ */ ASCII(REPORT_KEY_SALT);

/**
 * The 48 bytes of key material (macKey ‖ codeKey). For vectors and firmware checks; prefer deriveReportKey.
 * @param decoderKey - the decoder key bits (8 or 16 bytes)
 * @param pan - the 18-digit MeterPAN
 * @throws HydroSyncError `KEY` not 8 or 16 bytes; `FORMAT` / `CHECK_DIGIT` a bad PAN.
 */
export function reportKeyMaterial(decoderKey: Uint8Array, pan: string): Uint8Array {
  if (!(decoderKey instanceof Uint8Array) || (decoderKey.length !== 8 && decoderKey.length !== 16)) {
    fail('KEY', 'the decoder key for a report key must be 8 or 16 bytes (a DES or MISTY1/STA decoder key)');
  }
  const p = parseMeterPan(pan).pan;
  return hkdf(sha256, decoderKey, SALT, ASCII(p), 48);
}

/**
 * Derive a meter's report key from its decoder key.
 * @param decoderKey the decoder key bits (8 or 16 bytes)
 * @param pan the 18-digit MeterPAN
 * @param keyRevisionNumber the decoder key's KRN (1..9), carried in every report
 * @throws HydroSyncError KEY (not 8 or 16 bytes), FORMAT / CHECK_DIGIT (bad PAN), RANGE (KRN)
 * @example
 *   const key = deriveReportKey(meter.keyBytes(), meter.profile.pan, meter.key.keyRevisionNumber);
 */
export function deriveReportKey(decoderKey: Uint8Array, pan: string, keyRevisionNumber: number): ReportKey {
  if (!Number.isSafeInteger(keyRevisionNumber) || keyRevisionNumber < 1 || keyRevisionNumber > 9) {
    fail('RANGE', `keyRevisionNumber must be 1 to 9; got ${String(keyRevisionNumber)}`);
  }
  const okm = reportKeyMaterial(decoderKey, pan);
  const p = parseMeterPan(pan).pan;
  return {
    pan: p,
    panValue: BigInt(p),
    keyRevisionNumber,
    macKey: okm.slice(0, 32),
    codeCipher: createMisty1(okm.subarray(32, 48)),
  };
}

/** Is this a ReportKey made by deriveReportKey (shape check)? */
export function isReportKey(k: unknown): k is ReportKey {
  const o = k as ReportKey;
  return typeof k === 'object' && k !== null && typeof o.pan === 'string' && typeof o.panValue === 'bigint' && o.macKey instanceof Uint8Array && o.macKey.length === 32
    && typeof o.codeCipher === 'object' && o.codeCipher !== null && typeof o.codeCipher.encrypt === 'function';
}

/** HMAC-SHA-256 with the key's inner and outer states computed once per report key (cloned per message). */
const PREPARED = new WeakMap<ReportKey, ReturnType<typeof hmac.create>>();

/** HMAC-SHA-256(macKey, message), the full 32 bytes. */
export function reportMac(key: ReportKey, message: Uint8Array): Uint8Array {
  let h = PREPARED.get(key);
  if (h === undefined) {
    h = hmac.create(sha256, key.macKey);
    PREPARED.set(key, h);
  }
  return h.clone().update(message).digest();
}
