/**
 * Meter reports on the vending side (docs/reports.md): verify a report (frame or code) under the
 * report key derived from the meter's decoder key, apply the counter rule, store it, audit it, and
 * rate-limit report-code entry per meter. What a person wants to see is in report-summary.ts.
 */
import { HydroSyncError, fail } from '../errors';
import { hexToBytes } from '../codec/hex';
import { parseMeterPan } from '../codec/pan';
import { type DecoderKey, decoderKeyBytes } from '../keys/decoder-key';
import { deriveReportKey, type ReportKey } from '../report/report-key';
import { verifyReportFrame } from '../report/frame';
import { readReportCode } from '../report/report-code';
import { flagsFromBits, flagsToBits } from '../report/flags';
import { CODE_REPLAY_WINDOW, FRAME_REPLAY_WINDOW, NO_REPORT_YET, checkReportCounter } from '../report/replay-window';
import type { ReportCodeContent, ReportResult } from '../report/types';
import type { Core } from './core';
import type { StoreTx } from './store';
import { errorCodeOf, runAdmin } from './operation';
import { requireMeter } from './registry';
import type { ReportRow } from './report-rows';

/** Failed report codes per meter per hour (UTC) before further codes are refused with LIMIT. */
export const REPORT_CODE_FAILURES_PER_HOUR = 10;

/** A report as submitted: the meter, and either the binary frame (bytes or hex) or the 20-digit code. */
export interface ReportSubmission {
  pan: string;
  frame?: Uint8Array | string;
  code?: string;
}

/** What the module accepted: the report's counter, credit and flags, and where it came from. */
export interface AcceptedReport extends ReportCodeContent {
  pan: string;
  form: 'frame' | 'code';
  /** A frame accepted below the highest counter (within the window): it fills history, the current view is unchanged. */
  outOfOrder: boolean;
}

/** The report key of a decoder key, derived once per decoder key object (the module caches decoder keys). */
const REPORT_KEYS = new WeakMap<DecoderKey, ReportKey>();

export function reportKeyOf(dk: DecoderKey, pan: string): ReportKey {
  let k = REPORT_KEYS.get(dk);
  if (k === undefined || k.pan !== pan) {
    const bits = decoderKeyBytes(dk);
    k = deriveReportKey(bits, pan, dk.keyRevisionNumber);
    bits.fill(0);
    REPORT_KEYS.set(dk, k);
  }
  return k;
}

const failureCounter = (pan: string, now: Date) => `report-code-failures:${pan}:${now.toISOString().slice(0, 13)}`;
/** Failures that count toward the code entry limit (a guess or a mistake, not a module refusal). */
const COUNTED = new Set(['FORMAT', 'FUNCTION', 'MAC', 'OLD', 'USED', 'RANGE']);

function fromResult<T>(r: ReportResult<T>): T {
  if (!r.ok) fail(r.code, r.message);
  return r.value;
}

async function accept(core: Core, tx: StoreTx, sub: ReportSubmission, pan: string, now: Date): Promise<AcceptedReport> {
  const meter = await requireMeter(tx, pan);
  const isCode = sub.code !== undefined;
  if (isCode && (await tx.getCounter(failureCounter(pan, now))) >= REPORT_CODE_FAILURES_PER_HOUR) {
    fail('LIMIT', `${REPORT_CODE_FAILURES_PER_HOUR} report codes for meter ${pan} failed in this hour; try again next hour (or send a Bluetooth report)`);
  }
  const key = reportKeyOf(await core.meterDecoderKey(tx, meter), pan);
  const state = (await tx.getReportState(pan, { lock: true })) ?? NO_REPORT_YET;
  let row: ReportRow;
  if (isCode) {
    const c = fromResult(readReportCode(sub.code, key, state.last));
    row = { pan, counter: c.counter, receivedAt: now.toISOString(), form: 'code', keyRevisionNumber: meter.keyRevisionNumber, creditLitres: c.creditLitres,
      creditStepLitres: c.creditStepLitres, consumedLitres: null, clockMinutes: null, lastTid: null, flags: flagsToBits(c.flags) };
  } else {
    let bytes: Uint8Array;
    if (typeof sub.frame === 'string') {
      try {
        bytes = hexToBytes(sub.frame.trim());
      } catch (e) {
        throw new HydroSyncError('FORMAT', `the report frame must be hex: ${e instanceof Error ? e.message : ''}`);
      }
    } else bytes = sub.frame as Uint8Array;
    const r = fromResult(verifyReportFrame(bytes, key));
    row = { pan, counter: r.counter, receivedAt: now.toISOString(), form: 'frame', keyRevisionNumber: r.keyRevisionNumber, creditLitres: r.creditLitres,
      creditStepLitres: 1, consumedLitres: r.consumedLitres, clockMinutes: r.clockMinutes, lastTid: r.lastTid, flags: flagsToBits(r.flags) };
  }
  const next = fromResult(checkReportCounter(state, row.counter, isCode ? CODE_REPLAY_WINDOW : FRAME_REPLAY_WINDOW));
  await tx.setReportState(pan, next);
  await tx.insertReport(row);
  return { pan, form: row.form, counter: row.counter, creditLitres: row.creditLitres, creditStepLitres: row.creditStepLitres, flags: flagsFromBits(row.flags), outOfOrder: row.counter < state.last };
}

/**
 * Verify and store a meter report. Never throws: a refusal is `{ ok: false, code, message }` with
 * FORMAT, FUNCTION, RANGE, KEY, MAC, OLD, USED (the report), NOT_FOUND (unknown meter), LIMIT (too
 * many failed codes this hour), or a store error. Every outcome is audited (kind 'report').
 */
export async function verifyReport(core: Core, sub: ReportSubmission, ctx: { operator: string }): Promise<{ ok: true; value: AcceptedReport } | { ok: false; code: string; message: string }> {
  const now = core.clock();
  let pan: string | undefined;
  try {
    const value = await runAdmin(core, 'report', ctx, () => {
      if (sub === null || typeof sub !== 'object') fail('FORMAT', 'a report submission must be an object { pan, frame | code }');
      pan = parseMeterPan(sub.pan).pan;
      if ((sub.code === undefined) === (sub.frame === undefined)) fail('USAGE', 'give either the report frame or the report code');
      return { pan, amount: sub.code !== undefined ? 'code' : 'frame' };
    }, (tx) => accept(core, tx, sub, pan!, now));
    return { ok: true, value };
  } catch (e) {
    const code = errorCodeOf(e);
    if (pan !== undefined && sub.code !== undefined && COUNTED.has(code)) {
      try {
        await core.store.transaction((tx) => tx.addToCounter(failureCounter(pan!, now), 1));
      } catch {
        // the refusal stands even if the store cannot count it
      }
    }
    if (!(e instanceof HydroSyncError)) throw e;
    return { ok: false, code, message: e.message };
  }
}
