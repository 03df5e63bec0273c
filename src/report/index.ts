/**
 * Meter reports (docs/reports.md): the way back from the meter. A report key derived from the
 * decoder key, a 50-byte authenticated binary frame, a 20-digit report code, and the counter rule.
 */
export type { MeterReport, ReportFlags, ReportCodeContent, ReportRejectCode, ReportResult } from './types';
export { REPORT_COUNTER_MAX } from './types';
export { deriveReportKey, reportKeyMaterial, REPORT_KEY_SALT, type ReportKey } from './report-key';
export { encodeReportFrame, verifyReportFrame, peekReportFrame, REPORT_FRAME_BYTES, REPORT_FRAME_VERSION } from './frame';
export { reportCode, readReportCode, REPORT_CODE_CLASS } from './report-code';
export { checkReportCounter, NO_REPORT_YET, FRAME_REPLAY_WINDOW, CODE_REPLAY_WINDOW, type ReportCounterState } from './replay-window';
export { decodeReportFrame, decodeReportCode } from './decode';
