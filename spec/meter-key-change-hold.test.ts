import { describe, expect, it } from 'vitest';
import { DecoderKey } from '../src/keys';
import { generateKeyChange } from '../src/tokens';
import { Meter } from '../src/meter';

// Held key-change tokens (reference §8.4): the first section of a set is held for the profile's
// keyChangeHoldSeconds of meter clock (default 600 s), counted from the FIRST section held; at the
// time-out (600 s after, not 601) the held sections are dropped and the entered one starts a new
// set. A power cycle drops them too; a section entered twice starts a new set.

const PAN = '600727000000000009';
const attrs = { supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2 as const, keyExpiryNumber: 255, baseDate: 2014 as const, encryptionAlgorithm: '07' as const };
/** 64-bit keys: a key change is 2 tokens (sub 3, sub 4), or 3 with the SGC section (sub 8). */
const KEY = DecoderKey.fromHex('0123456789abcdef', attrs);
const NEXT = DecoderKey.fromHex('fedcba9876543210', { ...attrs, keyRevisionNumber: 2 });
const TWO = generateKeyChange(KEY, NEXT);
const THREE = generateKeyChange(KEY, DecoderKey.fromHex('fedcba9876543210', { ...attrs, keyRevisionNumber: 2, supplyGroupCode: '654321' }), { threeTokenSet: true });
const meter = (extra: Record<string, unknown> = {}) => new Meter({ profile: { pan: PAN, lockout: null, ...extra }, key: KEY, initialTid: 1000 });

describe('key-change hold time-out', () => {
  it('the default hold is 600 s: the second section at 599 s completes the set', () => {
    const m = meter();
    expect(TWO).toHaveLength(2);
    expect(m.enter(TWO[0]!, 1000).result).toBe('KCT_1');
    expect(m.pendingKeyChange).toEqual({ subclasses: [3], since: 1000 });
    expect(m.enter(TWO[1]!, 1599).result).toBe('ACCEPT');
    expect(m.key.keyRevisionNumber).toBe(2);
    expect(m.pendingKeyChange).toBeNull();
  });

  it('at exactly 600 s the held section is dropped and the entered one starts a new set', () => {
    const m = meter();
    expect(m.enter(TWO[0]!, 1000).result).toBe('KCT_1');
    expect(m.enter(TWO[1]!, 1600).result).toBe('KCT_1');
    expect(m.pendingKeyChange).toEqual({ subclasses: [4], since: 1600 });
    expect(m.key.keyRevisionNumber).toBe(1);
    // the new set completes from its own start
    expect(m.enter(TWO[0]!, 2199).result).toBe('ACCEPT');
    expect(m.key.keyRevisionNumber).toBe(2);
  });

  it('the hold is counted from the first section, not the latest', () => {
    const m = meter();
    expect(THREE).toHaveLength(3);
    expect(m.enter(THREE[0]!, 0).result).toBe('KCT_1');
    expect(m.enter(THREE[1]!, 400).result).toBe('KCT_2');
    expect(m.pendingKeyChange).toEqual({ subclasses: [3, 4], since: 0 });
    expect(m.enter(THREE[2]!, 600).result).toBe('KCT_1');
    expect(m.pendingKeyChange).toEqual({ subclasses: [8], since: 600 });
    expect(m.key.supplyGroupCode).toBe('201457');
  });

  it('a profile hold of 60 s times out at 60 s', () => {
    const m = meter({ keyChangeHoldSeconds: 60 });
    expect(m.enter(TWO[0]!, 0).result).toBe('KCT_1');
    expect(m.enter(TWO[1]!, 60).result).toBe('KCT_1');
    expect(m.enter(TWO[0]!, 119).result).toBe('ACCEPT');
  });

  it('a power cycle drops held sections', () => {
    const m = meter();
    expect(m.enter(TWO[0]!, 0).result).toBe('KCT_1');
    m.powerCycle(10);
    expect(m.pendingKeyChange).toBeNull();
    expect(m.enter(TWO[1]!, 20).result).toBe('KCT_1');
    expect(m.pendingKeyChange).toEqual({ subclasses: [4], since: 20 });
    expect(m.key.keyRevisionNumber).toBe(1);
  });

  it('a section entered twice starts a new set', () => {
    const m = meter();
    expect(m.enter(TWO[0]!, 0).result).toBe('KCT_1');
    expect(m.enter(TWO[0]!, 30).result).toBe('KCT_1');
    expect(m.pendingKeyChange).toEqual({ subclasses: [3], since: 30 });
    expect(m.enter(TWO[1]!, 40).result).toBe('ACCEPT');
  });
});
