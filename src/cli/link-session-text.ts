/** Text and JSON for `hydrosync link …`: upload results, the report read over the link, radio figures. */
import { bytesToHex } from '../codec/hex';
import { groupToken } from '../codec/token-digits';
import type { LinkSessionResult } from '../link/simulation';
import { METER_RESULTS } from '../meter/results';
import { litresToCubicMetres } from '../meter/status';
import { peekReportFrame } from '../report/frame';
import type { MeterLanguage } from './meter-options';
import { volumeText } from './meter-text';

type Upload = LinkSessionResult['uploads'][number];

/** Whether an upload ended with the token taken by the meter. */
export function uploadApplied(u: Upload): boolean {
  return !('error' in u) && u.applied;
}

/** One line for one upload. */
export function uploadLine(token: string, u: Upload, lang: MeterLanguage): string {
  if ('error' in u) return `${groupToken(token)}  ${u.error.code}  ${u.error.message}`;
  const how = `message ${u.messageId}${u.attempts > 1 ? `, ${u.attempts} connections` : ''}`;
  return `${groupToken(token)}  ${u.result}  ${METER_RESULTS[u.result][lang]}  +${u.litres ?? 0} L  credit ${volumeText(u.creditLitres)}  (${how})`;
}

/** The JSON of one upload. */
export function uploadJson(token: string, u: Upload, lang: MeterLanguage): Record<string, unknown> {
  if ('error' in u) return { token, error: u.error };
  return {
    token, result: u.result, status: u.status, applied: u.applied, message: METER_RESULTS[u.result][lang], tid: u.tid, litres: u.litres ?? 0,
    creditLitres: u.creditLitres, creditCubicMetres: litresToCubicMetres(u.creditLitres), messageId: u.messageId, attempts: u.attempts,
  };
}

/** The report part: frame hex and what it says (read without its tag: the security module checks that). */
export function reportJson(r: LinkSessionResult['report']): Record<string, unknown> | null {
  if (r === null) return null;
  if ('error' in r) return { error: r.error };
  const peek = peekReportFrame(r.frame);
  return {
    frame: bytesToHex(r.frame), messageId: r.messageId, attempts: r.attempts,
    ...(peek.ok ? { counter: peek.value.counter, creditLitres: peek.value.creditLitres, creditCubicMetres: litresToCubicMetres(peek.value.creditLitres), lastTid: peek.value.lastTid } : {}),
  };
}

/** Lines for the report part. */
export function reportLines(r: LinkSessionResult['report']): string[] {
  if (r === null) return [];
  if ('error' in r) return [`Report: ${r.error.code}  ${r.error.message}`];
  const peek = peekReportFrame(r.frame);
  const what = peek.ok ? `report ${peek.value.counter}: remaining ${volumeText(peek.value.creditLitres)}` : 'a report';
  return [`Report over the link: ${what}`, `Frame: ${bytesToHex(r.frame)}`];
}

/** The radio figures line. */
export function radioLine(s: LinkSessionResult, mtu: number): string {
  return `Radio (MTU ${mtu}): ${s.radio.frames} link frames, ${s.radio.pdus} ATT PDUs, ${s.radio.attBytes} ATT bytes, ${(s.elapsedMs / 1000).toFixed(2)} s of simulated air time`;
}
