import { describe, expect, it } from 'vitest';
import { nextTid } from '../src/hsm/tid-allocator';
import { errorCode } from './support';

// Vending-side TID allocation (reference §5.3): max(TID(now), last + 1), skipping the reserved
// minute 00:01 (TID ≡ 1 mod 1440), never past the 24-bit maximum 16 777 215 (2^24 − 1).

describe('nextTid', () => {
  it('a meter never sold to takes TID(now)', () => {
    expect(nextTid(null, 0)).toBe(0);
    expect(nextTid(null, 6793050)).toBe(6793050);
  });
  it('TID(now) when it is after the last TID; last + 1 when the clock is at or behind it', () => {
    expect(nextTid(100, 101)).toBe(101);
    expect(nextTid(100, 150)).toBe(150);
    expect(nextTid(100, 100)).toBe(101);
    expect(nextTid(100, 99)).toBe(101);
    expect(nextTid(100, 0)).toBe(101);
  });
  it('skips the reserved minute 00:01 of every day (1, 1441, 2881 …) to 00:02', () => {
    expect(nextTid(1440, 0)).toBe(1442); // last + 1 = 1441 is reserved
    expect(nextTid(null, 2881)).toBe(2882); // 2 · 1440 + 1
    expect(nextTid(0, 0)).toBe(2);
    expect(nextTid(1439, 1440)).toBe(1440);
    expect(nextTid(1441, 0)).toBe(1442);
    expect(nextTid(1442, 0)).toBe(1443);
  });
  it('the last TID under a base date is 16 777 215; after it, TID (a rollover key change is needed)', () => {
    expect(nextTid(16777214, 0)).toBe(16777215);
    expect(nextTid(null, 16777215)).toBe(16777215);
    expect(nextTid(16777000, 16777215)).toBe(16777215);
    expect(errorCode(() => nextTid(16777215, 0))).toBe('TID');
    expect(errorCode(() => nextTid(16777215, 16777215))).toBe('TID');
    expect(errorCode(() => nextTid(null, 16777216))).toBe('TID');
    expect(() => nextTid(16777215, 0)).toThrow(/16777215.*rollover/);
  });
});
