/**
 * The binary report frame, version 1 (docs/reports.md, "Binary frame"): 50 bytes, big-endian.
 *
 *   off len field
 *    0   1  version = 0x01
 *    1   1  flags (bits 0..4, see flags.ts; bits 5..7 reserved, zero)
 *    2   8  MeterPAN, the 18 digits as an unsigned integer
 *   10   1  KeyRevisionNumber (1..9)
 *   11   4  report counter (1..2^32 − 1)
 *   15   4  meter clock, minutes since the key's base date
 *   19   6  credit remaining, litres
 *   25   6  cumulative consumption, litres
 *   31   3  TID of the newest token in the TID memory
 *   34  16  tag = HMAC-SHA-256(macKey, bytes 0..33) truncated to its first 16 bytes
 */
import { fail } from '../errors';
import { parseMeterPan } from '../codec/pan';
import { FLAGS_MASK, flagsFromBits, flagsToBits } from './flags';
import { isReportKey, reportMac, type ReportKey } from './report-key';
import { REPORT_COUNTER_MAX, REPORT_LITRES_MAX, accepted, rejected, type MeterReport, type ReportResult } from './types';

/**
 * The report frame version this library writes and reads (byte 0 of a frame).
 */
export const REPORT_FRAME_VERSION = 1;
/**
 * Length of a report frame in bytes (50).
 */
export const REPORT_FRAME_BYTES = 50;
/** Bytes covered by the tag. */
const SIGNED_BYTES = 34;
/** Tag length, bytes (128 bits). */
export const REPORT_FRAME_TAG_BYTES = 16;

function checkInt(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    fail('RANGE', `report ${name} must be a whole number from ${min} to ${max}; got ${typeof v === 'number' ? v : typeof v}`);
  }
  return v;
}

/** Check a report's fields (RANGE / FORMAT / CHECK_DIGIT); returns the canonical PAN. */
export function checkReport(r: MeterReport): string {
  if (typeof r !== 'object' || r === null) fail('FORMAT', 'a meter report must be an object');
  const pan = parseMeterPan(r.pan).pan;
  checkInt(r.keyRevisionNumber, 'keyRevisionNumber', 1, 9);
  checkInt(r.counter, 'counter', 1, REPORT_COUNTER_MAX);
  checkInt(r.clockMinutes, 'clockMinutes', 0, 0xffffffff);
  checkInt(r.creditLitres, 'creditLitres', 0, REPORT_LITRES_MAX);
  checkInt(r.consumedLitres, 'consumedLitres', 0, REPORT_LITRES_MAX);
  checkInt(r.lastTid, 'lastTid', 0, 0xffffff);
  if (typeof r.flags !== 'object' || r.flags === null) fail('FORMAT', 'report flags must be an object');
  return pan;
}

function tagOf(key: ReportKey, frame: Uint8Array): Uint8Array {
  return reportMac(key, frame.subarray(0, SIGNED_BYTES)).subarray(0, REPORT_FRAME_TAG_BYTES);
}

/**
 * Encode and authenticate a report as the 50-byte binary frame.
 * @param report - the meter's report (MeterReport)
 * @param key - the meter's report key (deriveReportKey)
 * @throws HydroSyncError `RANGE` / `FORMAT` for a field out of range; `KEY` when the key is not a
 *   report key or is for another meter or key revision.
 * @example
 * ```ts
 * const key = deriveReportKey(meter.keyBytes(), meter.profile.pan, meter.key.keyRevisionNumber);
 * const frame = encodeReportFrame(report, key); // Uint8Array(50)
 * verifyReportFrame(frame, key);                // { ok: true, value: report }
 * ```
 */
export function encodeReportFrame(report: MeterReport, key: ReportKey): Uint8Array {
  if (!isReportKey(key)) fail('KEY', 'encodeReportFrame needs a report key from deriveReportKey');
  const pan = checkReport(report);
  if (pan !== key.pan) fail('KEY', `the report key is for meter ${key.pan}, not for ${pan}`);
  if (report.keyRevisionNumber !== key.keyRevisionNumber) fail('KEY', `the report key is for key revision ${key.keyRevisionNumber}, not ${report.keyRevisionNumber}`);
  const b = new Uint8Array(REPORT_FRAME_BYTES);
  const v = new DataView(b.buffer);
  b[0] = REPORT_FRAME_VERSION;
  b[1] = flagsToBits(report.flags);
  v.setBigUint64(2, BigInt(pan));
  b[10] = report.keyRevisionNumber;
  v.setUint32(11, report.counter);
  v.setUint32(15, report.clockMinutes);
  setUint48(v, 19, report.creditLitres);
  setUint48(v, 25, report.consumedLitres);
  b[31] = report.lastTid >>> 16;
  v.setUint16(32, report.lastTid & 0xffff);
  b.set(tagOf(key, b), SIGNED_BYTES);
  return b;
}

function setUint48(v: DataView, at: number, n: number): void {
  const high = Math.floor(n / 2 ** 32);
  v.setUint16(at, high);
  v.setUint32(at + 2, n - high * 2 ** 32);
}

function getUint48(v: DataView, at: number): number {
  return v.getUint16(at) * 2 ** 32 + v.getUint32(at + 2);
}

/**
 * Read a frame's fields WITHOUT checking the tag (to find the meter and its key).
 * @param frame - the frame bytes
 * @returns `{ ok: true, value }`, or `{ ok: false, code, message }`: `FORMAT` not 50 bytes, an
 *   unknown version, reserved flag bits set, or a PAN that is not 18 digits with a valid check
 *   digit; `RANGE` KRN or counter out of range
 * @throws never: a refusal is a value.
 */
export function peekReportFrame(frame: unknown): ReportResult<MeterReport> {
  if (!(frame instanceof Uint8Array)) return rejected('FORMAT', 'a report frame must be bytes (a Uint8Array)');
  if (frame.length === 0) return rejected('FORMAT', 'the report frame is empty');
  if (frame[0] !== REPORT_FRAME_VERSION) {
    return rejected('FORMAT', `report frame version ${frame[0]} is not supported (this version of hydrosync reads version ${REPORT_FRAME_VERSION})`);
  }
  if (frame.length !== REPORT_FRAME_BYTES) {
    return rejected('FORMAT', `a version 1 report frame is ${REPORT_FRAME_BYTES} bytes; got ${frame.length} (${frame.length < REPORT_FRAME_BYTES ? 'truncated' : 'extra bytes'})`);
  }
  if ((frame[1] & ~FLAGS_MASK) !== 0) return rejected('FORMAT', 'report frame flag bits 5..7 are reserved and must be zero');
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const panValue = v.getBigUint64(2);
  if (panValue >= 10n ** 18n) return rejected('FORMAT', 'the report frame\'s MeterPAN field is not an 18-digit number');
  const panText = panValue.toString().padStart(18, '0');
  try {
    parseMeterPan(panText);
  } catch {
    return rejected('FORMAT', `the report frame's MeterPAN ${panText} has a wrong check digit`);
  }
  const krn = frame[10];
  if (krn < 1 || krn > 9) return rejected('RANGE', `the report frame's key revision ${krn} is outside 1..9`);
  const counter = v.getUint32(11);
  if (counter === 0) return rejected('RANGE', 'the report frame\'s counter is 0 (counters start at 1)');
  return accepted({
    pan: panText,
    keyRevisionNumber: krn,
    counter,
    clockMinutes: v.getUint32(15),
    creditLitres: getUint48(v, 19),
    consumedLitres: getUint48(v, 25),
    lastTid: (frame[31] << 16) | v.getUint16(32),
    flags: flagsFromBits(frame[1]),
  });
}

/**
 * Check a frame's layout, that it is for this key's meter and key revision, and its tag.
 * The counter's freshness is the caller's check (see checkReportCounter).
 * @param frame - the frame bytes
 * @param key - the meter's report key (deriveReportKey)
 * @returns `{ ok: true, value: report }`, or `{ ok: false, code, message }`: `FORMAT`, `RANGE` (see
 *   peekReportFrame), `KEY` (another meter, or made under another key revision), `MAC` (the tag does
 *   not match: altered in transit, or another key)
 * @throws never: a refusal is a value.
 * @example
 * ```ts
 * const r = verifyReportFrame(bytes, key);
 * if (!r.ok) console.log(r.code); // 'MAC': altered in transit, or another key
 * else r.value.creditLitres;
 * ```
 */
export function verifyReportFrame(frame: unknown, key: ReportKey): ReportResult<MeterReport> {
  if (!isReportKey(key)) return rejected('KEY', 'verifyReportFrame needs a report key from deriveReportKey');
  const peek = peekReportFrame(frame);
  if (!peek.ok) return peek;
  const r = peek.value;
  if (r.pan !== key.pan) return rejected('KEY', `the report is from meter ${r.pan}, not from ${key.pan}`);
  if (r.keyRevisionNumber !== key.keyRevisionNumber) {
    return rejected('KEY', `the report was made under key revision ${r.keyRevisionNumber}, but the meter's key is revision ${key.keyRevisionNumber} (a report from before or after a key change); ask for a new report`);
  }
  const tag = tagOf(key, frame as Uint8Array);
  let diff = 0;
  for (let i = 0; i < REPORT_FRAME_TAG_BYTES; i++) diff |= tag[i] ^ (frame as Uint8Array)[SIGNED_BYTES + i];
  if (diff !== 0) return rejected('MAC', 'the report frame\'s authenticator does not match: it was altered, or made with another key');
  return peek;
}
