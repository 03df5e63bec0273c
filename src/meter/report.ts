/**
 * The meter's side of meter reports (docs/reports.md): snapshot the registers and flags, take the
 * next report counter, and encode the report as the binary frame and the 20-digit report code.
 */
import { fail } from '../errors';
import { decoderKeyBytes } from '../keys/decoder-key';
import { deriveReportKey } from '../report/report-key';
import { encodeReportFrame } from '../report/frame';
import { reportCode } from '../report/report-code';
import { REPORT_COUNTER_MAX, type MeterReport } from '../report/types';
import { minutesSinceBaseDate } from './clock';
import type { Meter } from './meter';

/** A report as the meter hands it out: the content, the 50-byte frame and the 20-digit code. */
export interface MeterReportOutput {
  report: MeterReport;
  /** The binary frame (Bluetooth, gateways). */
  frame: Uint8Array;
  /** The 20-digit report code (the display). */
  code: string;
}

/**
 * Make the meter's next report at meter time `now` (seconds): increments `meter.reportCounter`.
 * The caller persists the meter before showing the report, so a counter is never shown twice.
 * RANGE when the counter is exhausted or the clock is before the key's base date.
 */
export function makeMeterReport(meter: Meter, now: number): MeterReportOutput {
  const key = meter.key;
  if (meter.reportCounter >= REPORT_COUNTER_MAX) fail('RANGE', `this meter has made ${REPORT_COUNTER_MAX} reports, the most a report counter can number`);
  const clockMinutes = minutesSinceBaseDate(now, key.baseDate);
  if (clockMinutes < 0 || clockMinutes > 0xffffffff) fail('RANGE', `the meter clock is before the key's base date (${key.baseDate}) or too far after it for a report`);
  const counter = meter.reportCounter + 1;
  const report: MeterReport = {
    pan: meter.profile.pan,
    keyRevisionNumber: key.keyRevisionNumber,
    counter,
    clockMinutes,
    creditLitres: meter.creditLitres,
    consumedLitres: meter.consumedLitres,
    lastTid: meter.tidMemory.newest,
    flags: {
      valveClosed: !meter.valveOpen,
      lowCredit: meter.lowCredit,
      tamper: meter.tamper,
      lowBattery: false, // the simulator has no battery
      keyChangePending: meter.pendingKeyChange !== null,
    },
  };
  const reportKey = deriveReportKey(decoderKeyBytes(key), meter.profile.pan, key.keyRevisionNumber);
  const out = { report, frame: encodeReportFrame(report, reportKey), code: reportCode(report, reportKey) };
  meter.reportCounter = counter;
  return out;
}
