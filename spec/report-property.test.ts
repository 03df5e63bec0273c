import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CODE_REPLAY_WINDOW, FRAME_REPLAY_WINDOW, NO_REPORT_YET, checkReportCounter, deriveReportKey, encodeReportFrame,
  peekReportFrame, readReportCode, reportCode, verifyReportFrame, type MeterReport, type ReportCounterState,
} from '../src/report';
import { bytes } from './support';

// Property tests for the meter report encodings and the counter rule (issue #11).

const PAN = '600727000000000009';
const KEY = deriveReportKey(bytes('0123456789abcdeffedcba9876543210'), PAN, 1);
const CODES = ['FORMAT', 'FUNCTION', 'RANGE', 'KEY', 'MAC', 'OLD', 'USED'];

const flags = fc.record({ valveClosed: fc.boolean(), lowCredit: fc.boolean(), tamper: fc.boolean(), lowBattery: fc.boolean(), keyChangePending: fc.boolean() });
const reports: fc.Arbitrary<MeterReport> = fc.record({
  pan: fc.constant(PAN),
  keyRevisionNumber: fc.constant(1),
  counter: fc.integer({ min: 1, max: 0xffffffff }),
  clockMinutes: fc.integer({ min: 0, max: 0xffffffff }),
  creditLitres: fc.oneof(fc.integer({ min: 0, max: 2_000_000 }), fc.integer({ min: 0, max: 2 ** 48 - 1 })),
  consumedLitres: fc.integer({ min: 0, max: 2 ** 48 - 1 }),
  lastTid: fc.integer({ min: 0, max: 0xffffff }),
  flags,
});

describe('binary frame', () => {
  it('round-trips every report', () => {
    fc.assert(fc.property(reports, (r) => {
      const v = verifyReportFrame(encodeReportFrame(r, KEY), KEY);
      expect(v).toEqual({ ok: true, value: r });
    }), { numRuns: 300 });
  });

  it('rejects any single bit flip with a clear code', () => {
    fc.assert(fc.property(reports, fc.integer({ min: 0, max: 50 * 8 - 1 }), (r, bit) => {
      const f = encodeReportFrame(r, KEY);
      f[bit >> 3] ^= 1 << (bit & 7);
      const v = verifyReportFrame(f, KEY);
      expect(v.ok).toBe(false);
      if (!v.ok) expect(['FORMAT', 'RANGE', 'KEY', 'MAC']).toContain(v.code);
    }), { numRuns: 400 });
  });

  it('rejects truncated and extended frames as FORMAT', () => {
    fc.assert(fc.property(reports, fc.integer({ min: 1, max: 49 }), fc.uint8Array({ minLength: 1, maxLength: 20 }), (r, cut, extra) => {
      const f = encodeReportFrame(r, KEY);
      expect(verifyReportFrame(f.subarray(0, cut), KEY)).toMatchObject({ ok: false, code: 'FORMAT' });
      expect(verifyReportFrame(Uint8Array.from([...f, ...extra]), KEY)).toMatchObject({ ok: false, code: 'FORMAT' });
    }), { numRuns: 100 });
  });

  it('never throws and never accepts random bytes or values', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 60 }), fc.uint8Array({ minLength: 50, maxLength: 50 }).map((b) => { b[0] = 1; return b; }), fc.anything()), (input) => {
      const v = verifyReportFrame(input, KEY);
      expect(v.ok).toBe(false);
      if (!v.ok) expect(CODES).toContain(v.code);
      const p = peekReportFrame(input);
      if (!p.ok) expect(CODES).toContain(p.code);
    }), { numRuns: 500 });
  });
});

describe('report code', () => {
  const mistype = (code: string, i: number, d: number) => code.slice(0, i) + String((Number(code[i]) + d) % 10) + code.slice(i + 1);

  it('round-trips: counter rebuilt from any last counter less than 1024 behind, credit rounded down within its step', () => {
    fc.assert(fc.property(reports, fc.integer({ min: 1, max: 1024 }), (r, behind) => {
      const last = Math.max(0, r.counter - behind);
      const v = readReportCode(reportCode(r, KEY), KEY, last);
      expect(v.ok).toBe(true);
      if (!v.ok) return;
      expect(v.value.counter).toBe(r.counter);
      expect(v.value.flags).toEqual(r.flags);
      expect(v.value.creditLitres).toBeLessThanOrEqual(r.creditLitres);
      if (r.creditLitres < 1_048_575_000) expect(r.creditLitres - v.value.creditLitres).toBeLessThan(v.value.creditStepLitres);
      if (r.creditLitres < 2 ** 20) expect(v.value.creditLitres).toBe(r.creditLitres);
    }), { numRuns: 300 });
  });

  it('rejects one mistyped digit and two swapped digits (FORMAT, FUNCTION or MAC)', () => {
    fc.assert(fc.property(reports, fc.integer({ min: 0, max: 19 }), fc.integer({ min: 1, max: 9 }), (r, i, d) => {
      const code = reportCode(r, KEY);
      const v = readReportCode(mistype(code, i, d), KEY, r.counter - 1);
      expect(v.ok).toBe(false);
      if (!v.ok) expect(['FORMAT', 'FUNCTION', 'MAC']).toContain(v.code);
      const j = Math.min(i, 18);
      if (code[j] !== code[j + 1]) {
        const s = code.slice(0, j) + code[j + 1] + code[j] + code.slice(j + 2);
        const w = readReportCode(s, KEY, r.counter - 1);
        expect(w.ok).toBe(false);
        if (!w.ok) expect(['FORMAT', 'FUNCTION', 'MAC']).toContain(w.code);
      }
    }), { numRuns: 400 });
  });

  it('rejects truncated and extended codes as FORMAT', () => {
    fc.assert(fc.property(reports, fc.integer({ min: 0, max: 19 }), fc.stringMatching(/^[0-9]{1,5}$/), (r, cut, extra) => {
      const code = reportCode(r, KEY);
      expect(readReportCode(code.slice(0, cut), KEY, 0)).toMatchObject({ ok: false, code: 'FORMAT' });
      expect(readReportCode(code + extra, KEY, 0)).toMatchObject({ ok: false, code: 'FORMAT' });
    }), { numRuns: 100 });
  });

  it('never throws on random input, and random 20-digit codes are not accepted', () => {
    fc.assert(fc.property(fc.oneof(fc.stringMatching(/^[0-9]{20}$/), fc.string(), fc.anything()), fc.integer({ min: 0, max: 0xffffffff }), (input, last) => {
      const v = readReportCode(input, KEY, last);
      expect(v.ok).toBe(false);
      if (!v.ok) expect(CODES).toContain(v.code);
    }), { numRuns: 500 });
  });
});

describe('counter rule', () => {
  /** A model: the set of accepted counters. */
  it('accepts each counter at most once; frames within 32 of the highest may arrive out of order', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 120 }), { maxLength: 200 }), fc.constantFrom(FRAME_REPLAY_WINDOW, CODE_REPLAY_WINDOW, 5), (counters, window) => {
      let state: ReportCounterState = NO_REPORT_YET;
      const accepted = new Set<number>();
      let highest = 0;
      for (const c of counters) {
        const r = checkReportCounter(state, c, window);
        // A replay is USED while it is within the 32 counters remembered, OLD beyond.
        if (accepted.has(c)) expect(r).toMatchObject({ ok: false, code: highest - c <= 32 ? 'USED' : 'OLD' });
        else if (c > highest) expect(r.ok).toBe(true);
        else if (highest - c <= window) expect(r.ok).toBe(true);
        else expect(r).toMatchObject({ ok: false, code: 'OLD' });
        if (r.ok) {
          accepted.add(c);
          highest = Math.max(highest, c);
          expect(r.value.last).toBe(highest);
          state = r.value;
        }
      }
    }), { numRuns: 300 });
  });

  it('refuses counters outside 1..2^32 − 1 and bad windows as RANGE', () => {
    for (const c of [0, -1, 2 ** 32, 1.5, Number.NaN]) expect(checkReportCounter(NO_REPORT_YET, c, 32)).toMatchObject({ ok: false, code: 'RANGE' });
    expect(checkReportCounter(NO_REPORT_YET, 1, 33)).toMatchObject({ ok: false, code: 'RANGE' });
  });
});
