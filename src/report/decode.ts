/** Throwing conveniences over the non-throwing report checks. */
import { HydroSyncError } from '../errors';
import { verifyReportFrame } from './frame';
import { readReportCode } from './report-code';
import type { ReportKey } from './report-key';
import type { MeterReport, ReportCodeContent, ReportResult } from './types';

function unwrap<T>(r: ReportResult<T>): T {
  if (!r.ok) throw new HydroSyncError(r.code, r.message);
  return r.value;
}

/**
 * verifyReportFrame, throwing on failure.
 * @param frame - the 50-byte frame
 * @param key - the meter's report key (deriveReportKey)
 * @throws HydroSyncError `FORMAT`, `RANGE`, `KEY`, `MAC` (see verifyReportFrame)
 * @example
 * ```ts
 * const report = decodeReportFrame(bytes, key); // report.counter, report.creditLitres, …
 * ```
 */
export function decodeReportFrame(frame: Uint8Array, key: ReportKey): MeterReport {
  return unwrap(verifyReportFrame(frame, key));
}

/**
 * readReportCode, throwing on failure.
 * @param code - 20 digits (spaces and dashes ignored)
 * @param key - the meter's report key (deriveReportKey)
 * @param lastCounter - the highest counter accepted from this meter so far (0 if none)
 * @throws HydroSyncError `FORMAT`, `FUNCTION`, `RANGE`, `KEY`, `MAC` (see readReportCode)
 * @example
 * ```ts
 * const { creditLitres, counter } = decodeReportCode('4512 0963 3915 8274 5903', key, 0);
 * ```
 */
export function decodeReportCode(code: string, key: ReportKey, lastCounter = 0): ReportCodeContent {
  return unwrap(readReportCode(code, key, lastCounter));
}
