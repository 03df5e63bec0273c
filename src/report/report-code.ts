/**
 * The 20-digit report code (docs/reports.md, "Report code"): a meter report a person can read off
 * the display and type into the website, like a token in reverse.
 *
 * 64-bit plaintext P, most significant bit first:
 *   bits 63..42  credit field (22 bits: exponent 2 ‖ mantissa 20, see credit-field.ts)
 *   bits 41..37  flags (5 bits)
 *   bits 36..27  report counter, low 10 bits
 *   bits 26..0   tag: the first 27 bits of HMAC-SHA-256(macKey, M), where M (18 bytes) is
 *                0xC1 ‖ PAN (8 bytes, as in the frame) ‖ KRN (1) ‖ full counter (4) ‖ credit field (3) ‖ flags (1)
 * E = MISTY1(codeKey, P); the code is E with class 3 transposed in exactly as a token's class
 * (IEC 62055-41 §1.3), written as 20 decimal digits (§1.4). Class 3 is reserved for tokens, so a
 * meter refuses a report code typed into its keypad (FUNCTION) before decrypting anything, and a
 * website tells a report code from a token by its class.
 *
 * The verifier knows the last counter it accepted (L) and rebuilds the full counter from its low
 * 10 bits as the one value in L+1 .. L+1024; if that tag fails it tries the one value in
 * L−1023 .. L, so a replayed code is told apart (the caller's counter check says OLD or USED).
 */
import { HydroSyncError, fail } from '../errors';
import { formatToken, parseToken } from '../codec/token-digits';
import { decodeCreditField, encodeCreditField } from './credit-field';
import { flagsFromBits, flagsToBits } from './flags';
import { checkReport } from './frame';
import { isReportKey, reportMac, type ReportKey } from './report-key';
import { REPORT_COUNTER_MAX, accepted, rejected, type MeterReport, type ReportCodeContent, type ReportResult } from './types';

/** The class a report code carries (reserved for tokens, §1.3). */
export const REPORT_CODE_CLASS = 3;
/** Counter bits carried in the code. */
export const REPORT_CODE_COUNTER_BITS = 10;
/** Tag bits in the code. */
export const REPORT_CODE_TAG_BITS = 27;
/** Domain byte that starts the code's MAC input (the binary frame's MAC input starts with its version, 0x01). */
const CODE_DOMAIN = 0xc1;
const COUNTER_SPAN = 1 << REPORT_CODE_COUNTER_BITS;
const COUNTER_MASK = COUNTER_SPAN - 1;

/** The 27-bit tag over (PAN, KRN, full counter, credit field, flags). */
function codeTag(key: ReportKey, counter: number, credit: number, flags: number): number {
  const m = new Uint8Array(18);
  const v = new DataView(m.buffer);
  m[0] = CODE_DOMAIN;
  v.setBigUint64(1, key.panValue);
  m[9] = key.keyRevisionNumber;
  v.setUint32(10, counter);
  m[14] = credit >>> 16;
  v.setUint16(15, credit & 0xffff);
  m[17] = flags;
  const h = reportMac(key, m);
  return ((h[0] << 19) | (h[1] << 11) | (h[2] << 3) | (h[3] >>> 5)) >>> 0;
}

/**
 * The 20-digit report code of a report (credit, flags, counter, authenticator; encrypted).
 * @param report - the meter's report
 * @param key - the meter's report key (deriveReportKey)
 * @throws HydroSyncError `RANGE` / `FORMAT` (a field out of range), `KEY` (key for another meter or key revision)
 * @example
 * ```ts
 * reportCode(report, key); // '45120963391582745903'
 * ```
 */
export function reportCode(report: MeterReport, key: ReportKey): string {
  if (!isReportKey(key)) fail('KEY', 'reportCode needs a report key from deriveReportKey');
  const pan = checkReport(report);
  if (pan !== key.pan) fail('KEY', `the report key is for meter ${key.pan}, not for ${pan}`);
  if (report.keyRevisionNumber !== key.keyRevisionNumber) fail('KEY', `the report key is for key revision ${key.keyRevisionNumber}, not ${report.keyRevisionNumber}`);
  const credit = encodeCreditField(report.creditLitres);
  const flags = flagsToBits(report.flags);
  const low = report.counter & COUNTER_MASK;
  const tag = codeTag(key, report.counter, credit, flags);
  const block = new Uint32Array(2);
  block[0] = ((credit << 10) | (flags << 5) | (low >>> 5)) >>> 0;
  block[1] = (((low & 31) << 27) | tag) >>> 0;
  key.codeCipher.encrypt(block);
  return formatToken(REPORT_CODE_CLASS, block[0], block[1]);
}

/**
 * Read and authenticate a report code. Never throws.
 * @param code 20 digits (spaces and dashes ignored)
 * @param key the meter's report key
 * @param lastCounter the highest counter accepted from this meter so far (0 if none)
 * @returns the content with the full counter; a counter ≤ lastCounter means a replayed or stale
 *   code (the caller's counter check rejects it as OLD or USED).
 *   Codes: FORMAT (not 20 digits, above 2^66 − 1), FUNCTION (a token, not a report code),
 *   MAC (mistyped, another meter, another key, or more than 1024 reports since the last accepted).
 * @throws never: a refusal is a value.
 */
export function readReportCode(code: unknown, key: ReportKey, lastCounter: number): ReportResult<ReportCodeContent> {
  if (!isReportKey(key)) return rejected('KEY', 'readReportCode needs a report key from deriveReportKey');
  if (typeof lastCounter !== 'number' || !Number.isSafeInteger(lastCounter) || lastCounter < 0 || lastCounter > REPORT_COUNTER_MAX) {
    return rejected('RANGE', `lastCounter must be a whole number from 0 to ${REPORT_COUNTER_MAX}`);
  }
  if (typeof code !== 'string') return rejected('FORMAT', 'a report code must be a string of 20 digits');
  const block = new Uint32Array(2);
  let cls: number;
  try {
    cls = parseToken(code, block);
  } catch (e) {
    if (e instanceof HydroSyncError) return rejected('FORMAT', e.message.replace(/^token/, 'report code'));
    throw e;
  }
  if (cls !== REPORT_CODE_CLASS) {
    return rejected('FUNCTION', `this is a class ${cls} token, not a report code: enter it on the meter's keypad (or check the code for a typing error)`);
  }
  key.codeCipher.decrypt(block);
  const credit = block[0] >>> 10;
  const flags = (block[0] >>> 5) & 31;
  const low = ((block[0] & 31) << 5) | (block[1] >>> 27);
  const tag = block[1] & 0x7ffffff;
  // The one counter in L+1 .. L+1024 with these low bits, then the one in L−1023 .. L.
  const ahead = lastCounter + 1 + ((low - (lastCounter + 1)) & COUNTER_MASK);
  for (const counter of [ahead, ahead - COUNTER_SPAN]) {
    if (counter < 1 || counter > REPORT_COUNTER_MAX) continue;
    if (codeTag(key, counter, credit, flags) === tag) {
      const c = decodeCreditField(credit);
      return accepted({ counter, creditLitres: c.litres, creditStepLitres: c.step, flags: flagsFromBits(flags) });
    }
  }
  return rejected('MAC', 'the report code does not check out: a digit is mistyped or two are swapped, it is from another meter or an old key, or the meter made more than 1024 reports since the last one accepted (then send a Bluetooth report)');
}
