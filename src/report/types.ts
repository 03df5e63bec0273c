/**
 * The meter report model (docs/reports.md): what a meter tells the vending side about itself.
 * Everything is an integer; litres are whole litres, the clock is in minutes.
 */
import type { HydroSyncErrorCode } from '../errors';

/** Conditions the meter flags in a report. */
export interface ReportFlags {
  /** The valve is closed (no credit, or closed by the meter). */
  valveClosed: boolean;
  /** Credit is at or below the meter profile's low-credit level. */
  lowCredit: boolean;
  /** The tamper flag is set (cleared only by a ClearTamper token). */
  tamper: boolean;
  /** The battery is low. */
  lowBattery: boolean;
  /** Key-change tokens are held, waiting for the rest of the set. */
  keyChangePending: boolean;
}

/** A full meter report, as the binary frame carries it. */
export interface MeterReport {
  /** The 18-digit MeterPAN. */
  pan: string;
  /** The KeyRevisionNumber (1..9) of the decoder key the report key was derived from. */
  keyRevisionNumber: number;
  /** Report counter 1..2^32 − 1: increases by one with every report the meter makes, never repeats. */
  counter: number;
  /** Meter clock: whole minutes since the key's base date (a TID-style count), 0..2^32 − 1. */
  clockMinutes: number;
  /** Water credit remaining, litres (0..2^48 − 1). */
  creditLitres: number;
  /** Cumulative consumption, litres (0..2^48 − 1). */
  consumedLitres: number;
  /** TID of the newest token in the meter's TID memory (0..2^24 − 1). */
  lastTid: number;
  flags: ReportFlags;
}

/** What a 20-digit report code carries (66 bits: no PAN, clock, consumption or TID). */
export interface ReportCodeContent {
  /** The full report counter, reconstructed from its low 10 bits and the last counter accepted. */
  counter: number;
  /** Credit remaining, litres, rounded down to `creditStepLitres` (1, 10, 100 or 1000 L). */
  creditLitres: number;
  /** The resolution the credit was encoded with: the true credit is below creditLitres + creditStepLitres. */
  creditStepLitres: number;
  flags: ReportFlags;
}

/** The codes a report check can fail with (a subset of HydroSyncErrorCode). */
export type ReportRejectCode = Extract<HydroSyncErrorCode, 'FORMAT' | 'FUNCTION' | 'RANGE' | 'KEY' | 'MAC' | 'OLD' | 'USED'>;

/** The result of a non-throwing report check: the value, or a stable code and a message a person can act on. */
export type ReportResult<T> = { ok: true; value: T } | { ok: false; code: ReportRejectCode; message: string };

/** Helpers to build results. */
export function accepted<T>(value: T): ReportResult<T> {
  return { ok: true, value };
}

export function rejected<T>(code: ReportRejectCode, message: string): ReportResult<T> {
  return { ok: false, code, message };
}

/** Largest report counter (32 bits). */
export const REPORT_COUNTER_MAX = 0xffffffff;
/** Largest litres value in the binary frame (48 bits). */
export const REPORT_LITRES_MAX = 2 ** 48 - 1;
