import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  BASE_DATES,
  TID_MAX,
  parseWallClock,
  formatWallClock,
  tidFromWallClock,
  tidFromInstant,
  wallClockFromTid,
  isReservedTid,
  parseBaseDate,
  isKeyExpired,
} from '../src/codec/index';
import { baseDateCode } from '../src/codec/tid';
import type { BaseDate, WallClock } from '../src/codec/index';
import { errorCode } from './support';

/**
 * dev-tid.json (shared/vectors), embedded. Provenance: STS Association TID page examples (meter made
 * 2020-01-01 08:00: 14 200 320 with base 1993, 3 155 520 with base 2014) and the TIDs of the first
 * N02 and C07 compliance tokens; the 00:01 case is the reserved-minute rule of C07 CTSA09 (a token
 * requested at 00:01 carries the TID of 00:02).
 */
const TID_VECTORS: [id: string, dateTime: string, baseDate: BaseDate, expected: number][] = [
  ['tid-n02-ctsa01-1', '2004-03-01T13:55', 1993, 5871715],
  ['tid-c07-ctsa01-1', '2014-03-01T13:00', 2014, 85740],
  ['tid-reserved-minute', '2026-07-29T00:01', 2014, 6612482],
  ['tid-stsa-1993', '2020-01-01T08:00', 1993, 14200320],
  ['tid-stsa-2014', '2020-01-01T08:00', 2014, 3155520],
];

const wc = (year: number, month: number, day: number, hour: number, minute: number): WallClock => ({
  year,
  month,
  day,
  hour,
  minute,
});

describe('TID (sts-reference §5)', () => {
  for (const [id, dateTime, baseDate, expected] of TID_VECTORS) {
    it(`vector ${id}: ${dateTime} base ${baseDate} → ${expected}`, () => {
      expect(tidFromWallClock(dateTime, baseDate)).toBe(expected);
      expect(tidFromWallClock(parseWallClock(dateTime), baseDate)).toBe(expected);
    });
  }

  it('§9.2 N04 CTSA01: 2004-03-01 13:05 → 5871665; C11 CTSA01-1: 2014-03-01 13:00 → 0x014EEC', () => {
    expect(tidFromWallClock('2004-03-01 13:05', 1993)).toBe(5871665);
    expect(tidFromWallClock('2014-03-01T13:00', 2014)).toBe(0x014eec);
  });

  it('§12: STSA TID page example 0xC02A55 is 2016-12-11 15:49 from base date 1993', () => {
    expect(wallClockFromTid(0xc02a55, 1993)).toEqual(wc(2016, 12, 11, 15, 49));
    expect(tidFromWallClock('2016-12-11T15:49', 1993)).toBe(0xc02a55);
  });

  it('seconds are truncated', () => {
    expect(tidFromWallClock('2014-03-01T13:00:59', 2014)).toBe(85740);
    expect(tidFromWallClock({ ...wc(2014, 3, 1, 13, 0), second: 59 }, 2014)).toBe(85740);
  });

  it('§5.2 rollover: TID 0xFFFFFF is 24 November 20:15, 31 years on; the next minute is a TID error', () => {
    const cases: [BaseDate, string, string, RegExp][] = [
      [1993, '2024-11-24T20:15', '2024-11-24T20:16', /past the TID rollover of base date 1993 \(2024-11-24 20:15\); use base date 2014/],
      [2014, '2045-11-24T20:15', '2045-11-24T20:16', /rollover of base date 2014 \(2045-11-24 20:15\); use base date 2035/],
      [2035, '2066-11-24T20:15', '2066-11-24T20:16', /rollover of base date 2035 \(2066-11-24 20:15\)/],
    ];
    for (const [base, last, next, message] of cases) {
      expect(tidFromWallClock(last, base)).toBe(TID_MAX);
      expect(formatWallClock(wallClockFromTid(TID_MAX, base))).toBe(last);
      expect(errorCode(() => tidFromWallClock(next, base))).toBe('TID');
      expect(() => tidFromWallClock(next, base)).toThrow(message);
    }
  });

  it('before the base date is a TID error; the base date itself is TID 0', () => {
    expect(() => tidFromWallClock('2013-12-31T23:59', 2014)).toThrow(
      '2013-12-31T23:59 is before the base date 2014-01-01 00:00',
    );
    expect(errorCode(() => tidFromWallClock('1992-12-31T23:59', 1993))).toBe('TID');
    expect(tidFromWallClock('2014-01-01T00:00', 2014)).toBe(0);
    expect(tidFromWallClock('2035-01-01T00:00', 2035)).toBe(0);
  });

  it('§5.2: consecutive base dates are 11 044 800 minutes apart', () => {
    expect(tidFromWallClock('2014-01-01T00:00', 1993)).toBe(11044800);
    expect(tidFromWallClock('2035-01-01T00:00', 2014)).toBe(11044800);
  });

  it('§5.3 reserved minute: 00:01 → the TID of 00:02, unless reservedMinute is keep', () => {
    const at0001 = tidFromWallClock('2026-07-29T00:01', 2014, { reservedMinute: 'keep' });
    expect(at0001).toBe(6612481);
    expect(isReservedTid(at0001)).toBe(true);
    expect(tidFromWallClock('2026-07-29T00:01', 2014)).toBe(6612482);
    expect(tidFromWallClock('2026-07-29T00:01', 2014, { reservedMinute: 'skip' })).toBe(6612482);
    expect(tidFromWallClock('2026-07-29T00:02', 2014)).toBe(6612482);
    expect(tidFromWallClock('2026-07-29T00:00', 2014)).toBe(6612480);
    expect(tidFromWallClock('2004-03-29T00:01', 1993)).toBe(tidFromWallClock('2004-03-29T00:02', 1993)); // N02 CTSA09
    expect(tidFromWallClock('2014-01-01T00:01', 2014)).toBe(2);
    expect(isReservedTid(1)).toBe(true);
    expect(isReservedTid(2)).toBe(false);
    expect(isReservedTid(1441)).toBe(true);
    expect(errorCode(() => isReservedTid(-1))).toBe('RANGE');
    expect(errorCode(() => tidFromWallClock('2026-07-29T00:01', 2014, { reservedMinute: 'drop' as 'keep' }))).toBe('FORMAT');
  });

  it('tidFromInstant uses the given UTC offset, never the host zone', () => {
    const wib = 420;
    expect(tidFromInstant(new Date(Date.UTC(2014, 2, 1, 6, 0, 59)), wib, 2014)).toBe(85740); // 13:00 WIB
    expect(tidFromInstant(new Date('2014-03-01T05:00:00Z'), 480, 2014)).toBe(85740); // 13:00 WITA
    expect(tidFromInstant(new Date('2014-03-01T04:00:00Z'), 540, 2014)).toBe(85740); // 13:00 WIT
    expect(tidFromInstant(new Date('2014-03-01T18:00:00Z'), -300, 2014)).toBe(85740); // 13:00 UTC−5
    expect(tidFromInstant(new Date('2014-03-01T13:00:00Z'), 0, 2014)).toBe(85740);
    // the local date differs from the UTC date
    expect(tidFromInstant(new Date('2014-02-28T17:00:00Z'), wib, 2014)).toBe(tidFromWallClock('2014-03-01T00:00', 2014));
    // reserved minute in local time: 2026-07-29 00:01 WIB
    expect(tidFromInstant(new Date('2026-07-28T17:01:30Z'), wib, 2014)).toBe(6612482);
    expect(tidFromInstant(new Date('2026-07-28T17:01:30Z'), wib, 2014, { reservedMinute: 'keep' })).toBe(6612481);
    // rollover in local time: 20:15 WIB is the last minute, 20:16 WIB is past it
    expect(tidFromInstant(new Date('2024-11-24T13:15:59Z'), wib, 1993)).toBe(TID_MAX);
    expect(() => tidFromInstant(new Date('2024-11-24T13:16:00Z'), wib, 1993)).toThrow(/2024-11-24T20:16 is past/);
    expect(errorCode(() => tidFromInstant(new Date(0), wib, 1993))).toBe('TID');
    expect(errorCode(() => tidFromInstant(new Date(-8.64e15), wib, 1993))).toBe('TID');
    expect(errorCode(() => tidFromInstant(new Date(8.64e15), wib, 1993))).toBe('TID');
    expect(errorCode(() => tidFromInstant(new Date(NaN), wib, 2014))).toBe('FORMAT');
    expect(errorCode(() => tidFromInstant('2014-03-01' as unknown as Date, wib, 2014))).toBe('FORMAT');
    expect(errorCode(() => tidFromInstant(new Date(), 420.5, 2014))).toBe('RANGE');
    expect(errorCode(() => tidFromInstant(new Date(), 24 * 60, 2014))).toBe('RANGE');
    expect(errorCode(() => tidFromInstant(new Date(), '420' as unknown as number, 2014))).toBe('FORMAT');
  });

  it('§5.5 KEN: expired when TID >> 16 exceeds the KEN; 255 never expires', () => {
    expect(isKeyExpired(0xffff, 0)).toBe(false);
    expect(isKeyExpired(0x10000, 0)).toBe(true);
    expect(isKeyExpired(TID_MAX, 254)).toBe(true);
    expect(isKeyExpired(TID_MAX, 255)).toBe(false);
    // §5.5/§12: for BD 1993 the boundary of KEN 0xAA is 2014-04-23 09:35 / 09:36
    expect(isKeyExpired(tidFromWallClock('2014-04-23T09:35', 1993), 0xaa)).toBe(false);
    expect(isKeyExpired(tidFromWallClock('2014-04-23T09:36', 1993), 0xaa)).toBe(true);
    // CS CTSA16: KEN 85 on 2032-10-27 with BD 2014 gives TID >> 16 = 151 > 85
    const tid = tidFromWallClock('2032-10-27T12:00', 2014);
    expect(tid >>> 16).toBe(151);
    expect(isKeyExpired(tid, 85)).toBe(true);
    expect(isKeyExpired(tid, 151)).toBe(false);
    for (const [t, k] of [[-1, 0], [TID_MAX + 1, 0], [0.5, 0], [0, -1], [0, 256], [0, 1.5], [0, '1']]) {
      expect(errorCode(() => isKeyExpired(t as number, k as number))).toBe('RANGE');
    }
  });

  it('TID ↔ wall clock round trip, and agreement with Date.UTC, for every base date', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: TID_MAX }), fc.constantFrom(...BASE_DATES), (tid, base) => {
        const w = wallClockFromTid(tid, base);
        expect(tidFromWallClock(w, base, { reservedMinute: 'keep' })).toBe(tid);
        expect(tidFromWallClock(formatWallClock(w), base)).toBe(isReservedTid(tid) ? tid + 1 : tid);
        const minutes = (Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - Date.UTC(base, 0, 1)) / 60000;
        expect(minutes).toBe(tid);
        expect(parseWallClock(formatWallClock(w))).toEqual(w);
      }),
      { numRuns: 5000 },
    );
  });

  it('tidFromInstant agrees with tidFromWallClock of the shifted clock', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1993, 0, 2), max: Date.UTC(2024, 10, 23) }),
        fc.integer({ min: -720, max: 840 }),
        (ms, offset) => {
          const local = new Date(ms + offset * 60000);
          const w = wc(local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate(), local.getUTCHours(), local.getUTCMinutes());
          expect(tidFromInstant(new Date(ms), offset, 1993)).toBe(tidFromWallClock(w, 1993));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('wall clock', () => {
  it('parses the accepted forms', () => {
    expect(parseWallClock('2014-03-01T13:00')).toEqual(wc(2014, 3, 1, 13, 0));
    expect(parseWallClock('2014-03-01 13:00')).toEqual(wc(2014, 3, 1, 13, 0));
    expect(parseWallClock('2014-03-01T13:00:42')).toEqual({ ...wc(2014, 3, 1, 13, 0), second: 42 });
    expect(parseWallClock('2024-02-29T23:59')).toEqual(wc(2024, 2, 29, 23, 59));
    expect(parseWallClock('2000-02-29T00:00')).toEqual(wc(2000, 2, 29, 0, 0));
    expect(formatWallClock({ ...wc(2014, 3, 1, 9, 5), second: 30 })).toBe('2014-03-01T09:05');
  });

  it('rejects malformed text and impossible dates with FORMAT', () => {
    for (const t of [
      '2023-02-29T00:00',
      '1900-02-29T00:00',
      '2014-04-31T00:00',
      '2014-13-01T00:00',
      '2014-00-01T00:00',
      '2014-03-01T24:00',
      '2014-03-01T13:60',
      '2014-03-01T13:00:60',
      '2014-3-1T13:00',
      '2014-03-01',
      '2014-03-01T13:00Z',
      '2014-03-01T13:00+07:00',
      '',
      '0000-01-01T00:00',
    ]) {
      expect(errorCode(() => parseWallClock(t))).toBe('FORMAT');
    }
    expect(() => parseWallClock('2023-02-29T00:00')).toThrow(/day must be a whole number from 1 to 28 \(2023-02 has 28 days\)/);
    expect(errorCode(() => parseWallClock(20140301 as unknown as string))).toBe('FORMAT');
    expect(errorCode(() => formatWallClock(wc(2014, 2, 30, 0, 0)))).toBe('FORMAT');
    expect(errorCode(() => tidFromWallClock({ year: '2014' } as unknown as WallClock, 2014))).toBe('FORMAT');
    expect(errorCode(() => tidFromWallClock(null as unknown as WallClock, 2014))).toBe('FORMAT');
  });

  it('arbitrary input never throws anything but HydroSyncError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$/), fc.anything()), fc.anything(), (t, b) => {
        for (const f of [
          () => parseWallClock(t as string),
          () => tidFromWallClock(t as string, 2014),
          () => tidFromWallClock('2020-01-01T00:00', b as BaseDate),
          () => tidFromWallClock('2020-01-01T00:00', 2014, b as { reservedMinute: 'keep' }),
          () => parseBaseDate(t),
          () => wallClockFromTid(t as number, 2014),
        ]) {
          errorCode(f); // rethrows anything that is not a HydroSyncError
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('base dates', () => {
  it('parseBaseDate accepts years and two-digit codes', () => {
    expect(BASE_DATES).toEqual([1993, 2014, 2035]);
    for (const [input, expected] of [
      [1993, 1993], ['1993', 1993], [93, 1993], ['93', 1993],
      [2014, 2014], ['2014', 2014], [14, 2014], ['14', 2014],
      [2035, 2035], ['2035', 2035], [35, 2035], ['35', 2035], [' 14 ', 2014],
    ] as const) {
      expect(parseBaseDate(input)).toBe(expected);
    }
    for (const bad of [1994, '94', 0, '', null, undefined, {}, '2014-01-01', 14.5]) {
      expect(errorCode(() => parseBaseDate(bad))).toBe('FORMAT');
    }
  });

  it('baseDateCode', () => {
    expect(baseDateCode(1993)).toBe('93');
    expect(baseDateCode(2014)).toBe('14');
    expect(baseDateCode(2035)).toBe('35');
    expect(errorCode(() => baseDateCode(14 as BaseDate))).toBe('FORMAT');
  });

  it('functions taking a BaseDate reject anything else with FORMAT', () => {
    expect(errorCode(() => tidFromWallClock('2020-01-01T00:00', 14 as BaseDate))).toBe('FORMAT');
    expect(errorCode(() => wallClockFromTid(0, '2014' as unknown as BaseDate))).toBe('FORMAT');
    expect(errorCode(() => wallClockFromTid(TID_MAX + 1, 2014))).toBe('RANGE');
  });
});
