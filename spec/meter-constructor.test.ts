import { describe, expect, it } from 'vitest';
import { refusal } from './support';
import { DecoderKey, deriveDecoderKey } from '../src/keys';
import { Meter } from '../src/meter';

// The Meter constructor's argument checks: each bad argument is a HydroSyncError with its code and
// a message naming the rule; each bound is accepted exactly at its edge. Expected values by hand.

const PAN = '600727000000000009';
const KEY = deriveDecoderKey('abababababababab949494949494949401234567', {
  supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2, keyExpiryNumber: 255, pan: PAN, baseDate: 2014, encryptionAlgorithm: '11',
});


describe('Meter constructor', () => {
  it('refuses a missing or non-object init (FORMAT), never a TypeError', () => {
    for (const bad of [null, undefined, 'meter', 7]) {
      const r = refusal(() => new Meter(bad as never));
      expect(r.code).toBe('FORMAT');
      expect(r.message).toBe('a meter needs { profile, key }');
    }
  });

  it('refuses a key that is not a DecoderKey (KEY)', () => {
    for (const key of [undefined, 'abababababababab', { pan: PAN }]) {
      const r = refusal(() => new Meter({ profile: { pan: PAN }, key: key as never }));
      expect(r.code).toBe('KEY');
      expect(r.message).toMatch(/needs its DecoderKey/);
    }
  });

  it('a key made for another MeterPAN is refused naming both PANs; a key without a PAN is taken', () => {
    const r = refusal(() => new Meter({ profile: { pan: '600727000000000181' }, key: KEY }));
    expect(r.code).toBe('KEY');
    expect(r.message).toContain('MeterPAN 600727000000000009');
    expect(r.message).toContain('(600727000000000181)');
    const bare = DecoderKey.fromHex('0123456789abcdef', { encryptionAlgorithm: '07', baseDate: 1993 });
    expect(bare.pan).toBeUndefined();
    expect(new Meter({ profile: { pan: '600727000000000181' }, key: bare }).key).toBe(bare);
    expect(new Meter({ profile: { pan: PAN }, key: KEY }).key).toBe(KEY);
  });

  it('initialTid: default 0, accepted from 0 to 16777215, anything else RANGE', () => {
    expect(new Meter({ profile: { pan: PAN, tidMemoryDepth: 3 }, key: KEY }).tidMemory.toArray()).toEqual([0, 0, 0]);
    expect(new Meter({ profile: { pan: PAN, tidMemoryDepth: 2 }, key: KEY, initialTid: 0 }).tidMemory.toArray()).toEqual([0, 0]);
    expect(new Meter({ profile: { pan: PAN, tidMemoryDepth: 2 }, key: KEY, initialTid: 16777215 }).tidMemory.toArray()).toEqual([16777215, 16777215]);
    for (const bad of [-1, 16777216, 1.5, Number.NaN]) {
      const r = refusal(() => new Meter({ profile: { pan: PAN }, key: KEY, initialTid: bad }));
      expect(r.code).toBe('RANGE');
      expect(r.message).toBe(`initialTid must be 0..16777215; got ${bad}`);
    }
  });

  it('creditLitres: default 0, accepted from 0 to the register cap, anything else RANGE', () => {
    const profile = { pan: PAN, creditCapLitres: 5000 };
    expect(new Meter({ profile, key: KEY }).creditLitres).toBe(0);
    expect(new Meter({ profile, key: KEY, creditLitres: 0 }).creditLitres).toBe(0);
    expect(new Meter({ profile, key: KEY, creditLitres: 5000 }).creditLitres).toBe(5000);
    for (const bad of [-1, 5001, 2.5, 2 ** 53]) {
      const r = refusal(() => new Meter({ profile, key: KEY, creditLitres: bad }));
      expect(r.code).toBe('RANGE');
      expect(r.message).toBe(`creditLitres must be a whole number from 0 to the register cap 5000; got ${bad}`);
    }
  });

  it('tamper is set only by true', () => {
    expect(new Meter({ profile: { pan: PAN }, key: KEY }).tamper).toBe(false);
    expect(new Meter({ profile: { pan: PAN }, key: KEY, tamper: true }).tamper).toBe(true);
    expect(new Meter({ profile: { pan: PAN }, key: KEY, tamper: 'yes' as never }).tamper).toBe(false);
  });
});
