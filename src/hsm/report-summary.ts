/**
 * What a person wants from a meter's reports: remaining m³, consumption per day, days left, last
 * seen, and alerts. Integer arithmetic throughout (litres, milliseconds, minutes).
 */
import { litresToCubicMetres } from '../meter/status';
import { flagsFromBits } from '../report/flags';
import type { ReportFlags } from '../report/types';
import type { Core } from './core';
import type { StoreTx } from './store';
import type { MeterRecord } from './types';
import type { ReportRow } from './report-rows';

/** Alerts, in a fixed order. */
export type ReportAlert =
  | 'low-credit' | 'valve-closed' | 'tamper' | 'low-battery' | 'key-change-pending'
  /** No report for longer than `silentDays`. */
  | 'silent'
  /** Credit went up between two frames while the meter's last TID did not change: credit without a token (bypass, tampering). */
  | 'credit-without-token'
  /** The meter reports a token TID above any TID this module issued to it: a token from elsewhere. */
  | 'token-not-sold';

export interface ReportSummary {
  pan: string;
  /** Reports stored (at most the last 100 are looked at). */
  reports: number;
  /** When the newest report was accepted (ISO 8601 UTC), null before the first. */
  lastSeen: string | null;
  counter: number | null;
  creditLitres: number | null;
  creditCubicMetres: string | null;
  /** The true credit is below creditLitres + creditStepLitres (1 for frames). */
  creditStepLitres: number | null;
  flags: ReportFlags | null;
  /** Average consumption, litres per day (frames: consumption over meter clock; codes: credit drop over time), null if unknown. */
  consumptionLitresPerDay: number | null;
  /** ⌊credit / consumption per day⌋, null if unknown or no consumption. */
  daysLeft: number | null;
  alerts: ReportAlert[];
}

/** The flags that raise an alert, in alert order. */
const FLAG_ALERTS = [
  ['lowCredit', 'low-credit'], ['valveClosed', 'valve-closed'], ['tamper', 'tamper'], ['lowBattery', 'low-battery'], ['keyChangePending', 'key-change-pending'],
] as const satisfies readonly (readonly [keyof ReportFlags, ReportAlert])[];
const DAY_MS = 86_400_000;

function perDay(rows: ReportRow[]): number | null {
  const frames = rows.filter((r) => r.consumedLitres !== null && r.clockMinutes !== null);
  if (frames.length >= 2) {
    const [a, b] = [frames[frames.length - 1]!, frames[0]!];
    const minutes = b.clockMinutes! - a.clockMinutes!;
    if (minutes > 0 && b.consumedLitres! >= a.consumedLitres!) return Math.floor(((b.consumedLitres! - a.consumedLitres!) * 1440) / minutes);
  }
  // Codes: the credit drop between the two newest reports, over the time between them (no purchase in between).
  if (rows.length >= 2) {
    const [b, a] = [rows[0]!, rows[1]!];
    const ms = Date.parse(b.receivedAt) - Date.parse(a.receivedAt);
    if (ms > 0 && b.creditLitres <= a.creditLitres) return Math.floor(((a.creditLitres - b.creditLitres) * DAY_MS) / ms);
  }
  return null;
}

export async function reportSummary(core: Core, tx: StoreTx, meter: MeterRecord, options: { silentDays?: number } = {}): Promise<ReportSummary> {
  const pan = meter.pan;
  const rows = await tx.listReports(pan, 100);
  const now = core.clock();
  const newest = rows[0];
  if (newest === undefined) {
    return { pan, reports: 0, lastSeen: null, counter: null, creditLitres: null, creditCubicMetres: null, creditStepLitres: null, flags: null,
      consumptionLitresPerDay: null, daysLeft: null, alerts: [] };
  }
  const flags = flagsFromBits(newest.flags);
  const daily = perDay(rows);
  const alerts: ReportAlert[] = FLAG_ALERTS.filter(([flag]) => flags[flag]).map(([, alert]) => alert);
  const silentDays = options.silentDays ?? 7;
  if (now.getTime() - Date.parse(newest.receivedAt) > silentDays * DAY_MS) alerts.push('silent');
  const frames = rows.filter((r) => r.lastTid !== null);
  if (frames.length >= 2) {
    const [b, a] = [frames[0]!, frames[1]!];
    if (b.lastTid === a.lastTid && b.creditLitres + b.consumedLitres! > a.creditLitres + a.consumedLitres!) alerts.push('credit-without-token');
  }
  if (newest.lastTid !== null && meter.lastTid !== null && newest.lastTid > meter.lastTid) alerts.push('token-not-sold');
  return {
    pan, reports: rows.length, lastSeen: newest.receivedAt, counter: newest.counter, creditLitres: newest.creditLitres,
    creditCubicMetres: litresToCubicMetres(newest.creditLitres), creditStepLitres: newest.creditStepLitres, flags,
    consumptionLitresPerDay: daily, daysLeft: daily !== null && daily > 0 ? Math.floor(newest.creditLitres / daily) : null, alerts,
  };
}
