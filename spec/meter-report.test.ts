import { describe, expect, it } from 'vitest';
import { DEMO_KEY } from '../src/keys/demo-key';
import { tidFromWallClock } from '../src/codec/tid';
import { deriveDecoderKey } from '../src/keys/derive';
import type { KeyParameters } from '../src/keys/types';
import { decoderKeyBytes } from '../src/keys/decoder-key';
import { Meter } from '../src/meter/meter';
import { meterFromState, meterToState } from '../src/meter/state';
import { deriveReportKey, readReportCode, verifyReportFrame } from '../src/report';
import { issueCredit } from '../src/tokens/issue';
import { errorCode } from './support';

const key = deriveDecoderKey(DEMO_KEY.vendingKey, DEMO_KEY as unknown as KeyParameters);
const reportKey = deriveReportKey(decoderKeyBytes(key), DEMO_KEY.pan, key.keyRevisionNumber);

function newMeter(): Meter {
  return new Meter({ profile: { pan: DEMO_KEY.pan }, key, initialTid: tidFromWallClock('2026-11-01T00:00', key.baseDate) });
}

describe('meter.report', () => {
  it('reports credit, consumption, last TID, clock and flags; the frame and code verify under the report key', () => {
    const m = newMeter();
    const t = issueCredit(key, { litres: 5000, dateTime: '2026-12-01T09:00', rnd: 3 });
    expect(m.enter(t.token, '2026-12-01T09:05').result).toBe('ACCEPT');
    m.consume(4200, '2026-12-02T10:00');
    m.raiseTamper('2026-12-02T11:00');
    const out = m.report('2026-12-03T08:30');
    expect(out.report).toEqual({
      pan: DEMO_KEY.pan, keyRevisionNumber: key.keyRevisionNumber, counter: 1,
      clockMinutes: tidFromWallClock('2026-12-03T08:30', key.baseDate),
      creditLitres: 800, consumedLitres: 4200, lastTid: t.tid,
      flags: { valveClosed: false, lowCredit: true, tamper: true, lowBattery: false, keyChangePending: false },
    });
    expect(verifyReportFrame(out.frame, reportKey)).toEqual({ ok: true, value: out.report });
    expect(readReportCode(out.code, reportKey, 0)).toMatchObject({ ok: true, value: { counter: 1, creditLitres: 800 } });
  });

  it('takes a new counter for every report, and the counter survives the state file', () => {
    const m = newMeter();
    expect([1, 2, 3].map(() => m.report('2026-12-01T10:00').report.counter)).toEqual([1, 2, 3]);
    const again = meterFromState(JSON.parse(JSON.stringify(meterToState(m))));
    expect(again.report('2026-12-01T10:01').report.counter).toBe(4);
  });

  it('a valve closed at zero credit is flagged; a clock before the base date or no clock is refused', () => {
    const m = newMeter();
    expect(m.report('2026-12-01T10:00').report.flags.valveClosed).toBe(true);
    expect(errorCode(() => newMeter().report())).toBe('FORMAT');
    const before = newMeter();
    expect(errorCode(() => before.report('1990-01-01T00:00'))).toBe('RANGE');
    expect(before.reportCounter).toBe(0);
  });
});
