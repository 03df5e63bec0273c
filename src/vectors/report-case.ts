/**
 * The `report` vector case (vectors/README.md): a meter report's key, binary frame and 20-digit
 * code, and what a verifier says about a given frame or code.
 *
 *   { key, report, expected: { reportKey?, frame, code } }            encode (checked both ways)
 *   { key, frame, state?, expected: { report } | { error } }          verify a frame (window 32)
 *   { key, code, lastCounter, seen?, expected: { counter, creditLitres, creditStepLitres, flags } | { error } }
 * `key` is a key object (with `pan`, `keyRevisionNumber`) or `{ decoderKey, pan, keyRevisionNumber }`.
 */
import { HydroSyncError, fail } from '../errors';
import { bytesToHex, hexToBytes } from '../codec/hex';
import { decoderKeyBytes } from '../keys/decoder-key';
import type { StaTables } from '../cipher/sta-tables';
import { deriveReportKey, reportKeyMaterial, type ReportKey } from '../report/report-key';
import { encodeReportFrame, verifyReportFrame } from '../report/frame';
import { readReportCode, reportCode } from '../report/report-code';
import { CODE_REPLAY_WINDOW, FRAME_REPLAY_WINDOW, checkReportCounter } from '../report/replay-window';
import type { MeterReport, ReportResult } from '../report/types';
import { keyFromObject } from './key-object';

type Case = Record<string, unknown>;

function same(what: string, got: unknown, want: unknown): void {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  if (g !== w) fail('VECTOR', `${what}: got ${g}, expected ${w}`);
}

function unwrap<T>(r: ReportResult<T>): T {
  if (!r.ok) throw new HydroSyncError(r.code, r.message);
  return r.value;
}

/** Compare only the fields the expected object lists (flags field by field). */
function sameFields(what: string, got: Record<string, unknown>, want: unknown): void {
  if (want === null || typeof want !== 'object') fail('VECTOR', `${what}: expected must be an object`);
  for (const [k, v] of Object.entries(want as Record<string, unknown>)) {
    if (!(k in got)) fail('VECTOR', `${what}: unknown field ${k}`);
    if (k === 'flags') sameFields(`${what} flags`, got.flags as Record<string, unknown>, v);
    else same(`${what} ${k}`, got[k], v);
  }
}

function keyOf(c: Case, tables: StaTables | undefined): { key: ReportKey; material: Uint8Array } {
  const k = c.key as Record<string, unknown> | undefined;
  const dk = keyFromObject(k, undefined, tables);
  const pan = typeof k?.pan === 'string' ? k.pan : fail('VECTOR', 'a report case key needs pan');
  const bytes = decoderKeyBytes(dk);
  return { key: deriveReportKey(bytes, pan, dk.keyRevisionNumber), material: reportKeyMaterial(bytes, pan) };
}

function counterState(v: unknown): { last: number; seen: number } {
  if (v === undefined) return { last: 0, seen: 0 };
  const s = v as { last?: unknown; seen?: unknown };
  if (typeof s?.last !== 'number' || typeof s.seen !== 'number') fail('VECTOR', 'state must be { last, seen } (numbers)');
  return { last: s.last, seen: s.seen };
}

export function runReportCase(c: Case, tables?: StaTables): void {
  const { key, material } = keyOf(c, tables);
  const expected = c.expected as Record<string, unknown>;
  if (c.report !== undefined) {
    const report = c.report as MeterReport;
    if (expected.reportKey !== undefined) same('report key', bytesToHex(material), String(expected.reportKey).toLowerCase());
    const frame = encodeReportFrame(report, key);
    same('frame', bytesToHex(frame), String(expected.frame).toLowerCase());
    const digits = reportCode(report, key);
    same('code', digits, String(expected.code).replace(/[\s-]/g, ''));
    sameFields('frame decodes to', unwrap(verifyReportFrame(frame, key)) as unknown as Record<string, unknown>, report);
    const content = unwrap(readReportCode(digits, key, report.counter - 1));
    same('code counter', content.counter, report.counter);
    same('code flags', content.flags, report.flags);
    if (!(content.creditLitres <= report.creditLitres && report.creditLitres - content.creditLitres < content.creditStepLitres) && report.creditLitres < 1_048_575_000) {
      fail('VECTOR', `code credit ${content.creditLitres} (step ${content.creditStepLitres}) does not round ${report.creditLitres} down`);
    }
    return;
  }
  if (typeof c.frame === 'string') {
    const report = unwrap(verifyReportFrame(hexToBytes(c.frame), key));
    unwrap(checkReportCounter(counterState(c.state), report.counter, FRAME_REPLAY_WINDOW));
    sameFields('report', report as unknown as Record<string, unknown>, expected.report);
    return;
  }
  if (typeof c.code === 'string') {
    const last = typeof c.lastCounter === 'number' ? c.lastCounter : fail('VECTOR', 'a code case needs lastCounter');
    const content = unwrap(readReportCode(c.code, key, last));
    unwrap(checkReportCounter({ last, seen: typeof c.seen === 'number' ? c.seen : 0 }, content.counter, CODE_REPLAY_WINDOW));
    sameFields('code', content as unknown as Record<string, unknown>, expected);
    return;
  }
  fail('VECTOR', 'a report case needs report, frame or code');
}
