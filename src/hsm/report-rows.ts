/** The security module's stored meter reports (docs/reports.md): one row per accepted report, and the counter state per meter. */

/** An accepted meter report as the store keeps it. */
export interface ReportRow {
  pan: string;
  /** The report counter (unique per meter). */
  counter: number;
  /** When the module accepted it (ISO 8601 UTC). */
  receivedAt: string;
  /** How it arrived: the binary frame, or the 20-digit report code. */
  form: 'frame' | 'code';
  keyRevisionNumber: number;
  /** Credit remaining, litres (a code's credit is rounded down to creditStepLitres). */
  creditLitres: number;
  creditStepLitres: number;
  /** Frames only (null for codes): cumulative consumption, meter clock (minutes since the base date), last TID. */
  consumedLitres: number | null;
  clockMinutes: number | null;
  lastTid: number | null;
  /** The 5 flag bits (bit 0 valve closed, 1 low credit, 2 tamper, 3 low battery, 4 key change pending). */
  flags: number;
}

/** Per meter: the highest report counter accepted and the 32-bit mask of those just below it (see src/report/replay-window.ts). */
export interface ReportStateRow {
  last: number;
  seen: number;
}
