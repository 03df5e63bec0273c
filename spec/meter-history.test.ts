import { describe, expect, it } from 'vitest';
import { deriveDecoderKey } from '../src/keys';
import { Meter } from '../src/meter';
import { oracleToken } from './token-oracle';

// The meter's history (profile historyDepth > 0): one record per token entry, consumption, tamper
// and power cycle, each with the meter time and the credit after it; only the newest
// historyDepth records are kept; with depth 0 nothing is kept. Expected records written by hand.

const PAN = '600727000000000009';
const KEY = deriveDecoderKey('abababababababab949494949494949401234567', {
  supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2, keyExpiryNumber: 255, pan: PAN, baseDate: 2014, encryptionAlgorithm: '11',
});
/** A water credit token of `tenths` units (100 L each) with TID `tid`, built by the test oracle. */
const water = (tid: number, tenths: number) => oracleToken(0, [[1, 60, 4], [1, 56, 4], [tid, 32, 24], [tenths, 16, 16]], { cipher: KEY.cipher });
const meter = (historyDepth: number) => new Meter({ profile: { pan: PAN, historyDepth, lockout: null }, key: KEY, initialTid: 1000 });

describe('meter history', () => {
  it('records token, consume, tamper and power-cycle events with time and credit', () => {
    const m = meter(10);
    const t = water(5000, 3); // 300 L
    m.enter(t, 100);
    m.enter(t, 110); // replay: USED, no litres
    expect(m.consume(120, 200)).toBe(120);
    m.consume(500); // at the last time seen: only 180 L are left
    m.raiseTamper(300);
    m.powerCycle(400);
    expect(m.history).toEqual([
      { at: 100, event: 'token', token: t, result: 'ACCEPT', litres: 300, creditLitres: 300 },
      { at: 110, event: 'token', token: t, result: 'USED', creditLitres: 300 },
      { at: 200, event: 'consume', litres: 120, creditLitres: 180 },
      { at: 200, event: 'consume', litres: 180, creditLitres: 0 },
      { at: 300, event: 'tamper', creditLitres: 0 },
      { at: 400, event: 'power-cycle', creditLitres: 0 },
    ]);
  });

  it('keeps only the newest historyDepth records', () => {
    const m = meter(2);
    m.enter(water(5001, 1), 10);
    m.consume(30, 20);
    m.raiseTamper(30);
    m.powerCycle(40);
    expect(m.history).toEqual([
      { at: 30, event: 'tamper', creditLitres: 70 },
      { at: 40, event: 'power-cycle', creditLitres: 70 },
    ]);
    m.consume(5, 50);
    expect(m.history).toEqual([
      { at: 40, event: 'power-cycle', creditLitres: 70 },
      { at: 50, event: 'consume', litres: 5, creditLitres: 65 },
    ]);
  });

  it('with depth 0 keeps nothing, while the events still take effect', () => {
    const m = meter(0);
    expect(m.enter(water(5002, 2), 10).result).toBe('ACCEPT');
    m.consume(50, 20);
    m.raiseTamper(30);
    m.powerCycle(40);
    expect(m.history).toEqual([]);
    expect(m).toMatchObject({ creditLitres: 150, consumedLitres: 50, tamper: true, clock: 40 });
  });

  it('an event without a time takes the last time seen; before any time it is a FORMAT error', () => {
    const m = meter(5);
    expect(() => m.raiseTamper()).toThrow(/meter clock has not been set/);
    expect(() => m.powerCycle()).toThrow(/meter clock has not been set/);
    m.powerCycle(70);
    m.raiseTamper();
    expect(m.history).toEqual([
      { at: 70, event: 'power-cycle', creditLitres: 0 },
      { at: 70, event: 'tamper', creditLitres: 0 },
    ]);
  });
});
