import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deriveDecoderKey } from '../src/keys';
import { generateKeyChange, generateToken } from '../src/tokens';
import { decodeTransferAmount } from '../src/codec';
import { Meter, isMeterResultCode, meterFromState, meterToState } from '../src/meter';

// Property tests for the meter application process (issue #3 §5).

const PAN = '600727000000000009';
const VK = 'abababababababab949494949494949401234567';
const params = { supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2 as const, keyExpiryNumber: 255, pan: PAN, baseDate: 2014 as const, encryptionAlgorithm: '11' as const };
const KEY = deriveDecoderKey(VK, params);
const BASE_TID = 100_000;

interface Issued { token: string; tid: number; litres: number }

/** Distinct-TID water tokens (amount field up to 2000 = 200 m³, never the reserved minute). */
const tokens = fc.uniqueArray(
  fc.record({ offset: fc.integer({ min: 0, max: 5000 }), amount: fc.integer({ min: 0, max: 2000 }), rnd: fc.integer({ min: 0, max: 15 }) }),
  { minLength: 1, maxLength: 40, selector: (t) => t.offset },
).map((list) => list
  .filter((t) => (BASE_TID + t.offset) % 1440 !== 1)
  .map((t): Issued => {
    const tid = BASE_TID + t.offset;
    return { token: generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: t.rnd, tid, amount: t.amount } }, KEY), tid, litres: decodeTransferAmount(t.amount) * 100 };
  }));

/** An entry order over the tokens, with repeats (replays). */
const entries = tokens.chain((ts) => fc.tuple(fc.constant(ts), fc.array(fc.integer({ min: 0, max: Math.max(0, ts.length - 1) }), { minLength: 1, maxLength: 80 }), fc.integer({ min: 1, max: 12 })));

describe('meter properties', () => {
  it('any sequence of valid tokens in any order, with replays: each is credited at most once and the credit is the sum of the accepted ones', () => {
    fc.assert(fc.property(entries, ([ts, order, depth]) => {
      const m = new Meter({ profile: { pan: PAN, lockout: null, tidMemoryDepth: depth }, key: KEY, initialTid: BASE_TID - 1 });
      const accepted = new Set<number>();
      let sum = 0;
      for (const i of order) {
        const t = ts[i]!;
        const r = m.enter(t.token, 0);
        if (r.result === 'ACCEPT') {
          expect(accepted.has(t.tid)).toBe(false);
          accepted.add(t.tid);
          sum += t.litres;
        } else {
          expect(['OLD', 'USED']).toContain(r.result);
          // Used exactly when it is still stored; otherwise it is below every stored TID.
          if (r.result === 'OLD') expect(t.tid).toBeLessThan(m.tidMemory.oldest);
        }
        expect(m.creditLitres).toBe(sum);
      }
      // Every token entered once was either accepted or is now Old/Used: replay never succeeds.
      for (const t of ts) if (accepted.has(t.tid)) expect(['OLD', 'USED']).toContain(m.enter(t.token, 0).result);
    }), { numRuns: 150 });
  });

  it('any token below the oldest stored TID is Old', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 0xfffff0 }), fc.integer({ min: 1, max: 1_000_000 }), (oldest, below) => {
      const tid = Math.max(0, oldest - below);
      if (tid % 1440 === 1) return;
      const m = new Meter({ profile: { pan: PAN, lockout: null, tidMemoryDepth: 5 }, key: KEY, initialTid: oldest });
      const token = generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: 1, tid, amount: 1 } }, KEY);
      expect(m.enter(token, 0).result).toBe('OLD');
    }), { numRuns: 200 });
  });

  it('a key-change set completes in any order: KCT_1, KCT_2…, then ACCEPT with the new key', () => {
    const sets = [
      { cur: KEY, next: deriveDecoderKey(VK, { ...params, keyRevisionNumber: 2, keyExpiryNumber: 9, tariffIndex: '07' }) },
      { cur: KEY, next: deriveDecoderKey(VK, { ...params, keyRevisionNumber: 3, baseDate: 2035 }), rollover: true },
    ];
    const k64 = deriveDecoderKey('abababababababab', { ...params, baseDate: 1993, encryptionAlgorithm: '07', dkga: '02' } as never);
    const k64next = deriveDecoderKey('abababababababab', { ...params, baseDate: 1993, encryptionAlgorithm: '07', keyRevisionNumber: 4, supplyGroupCode: '999999', dkga: '02' } as never);
    const all = [
      ...sets.map((s) => ({ cur: s.cur, next: s.next, tokens: generateKeyChange(s.cur, s.next, { rollover: s.rollover ?? false }) })),
      { cur: k64, next: k64next, tokens: generateKeyChange(k64, k64next) },
      { cur: k64, next: k64next, tokens: generateKeyChange(k64, k64next, { threeTokenSet: true }) },
    ];
    fc.assert(fc.property(fc.constantFrom(...all), fc.integer({ min: 0, max: 1000 }), (set, seed) => {
      const order = [...set.tokens];
      for (let i = order.length - 1, s = seed; i > 0; i--, s = (s * 31 + 7) % 1009) {
        const j = s % (i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const m = new Meter({ profile: { pan: PAN, lockout: null }, key: set.cur, initialTid: 1000 });
      const results = order.map((t) => m.enter(t, 0).result);
      expect(results).toEqual(['KCT_1', ...Array(order.length - 2).fill('KCT_2'), 'ACCEPT']);
      expect(m.key.keyRevisionNumber).toBe(set.next.keyRevisionNumber);
      expect(m.key.baseDate).toBe(set.next.baseDate);
      // The installed key is the new key: a token made with it is accepted.
      const t = generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: 2, tid: 5000, amount: 1 } }, set.next);
      expect(m.enter(t, 0).result).toBe('ACCEPT');
    }), { numRuns: 60 });
  });

  it('nothing crashes on random input: every entry gives a result code, and a rejected one changes nothing but the lockout counter', () => {
    const digits = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.stringMatching(/^[0-9]{20}$/),
      fc.bigInt({ min: 0n, max: (1n << 66n) - 1n }).map((v) => v.toString().padStart(20, '0')),
    );
    fc.assert(fc.property(fc.array(digits, { minLength: 1, maxLength: 20 }), (inputs) => {
      const m = new Meter({ profile: { pan: PAN }, key: KEY, initialTid: 1000 });
      for (const [i, s] of inputs.entries()) {
        const before = meterToState(m);
        const r = m.enter(s, i * 100);
        expect(isMeterResultCode(r.result)).toBe(true);
        if (r.result !== 'ACCEPT' && r.result !== 'KCT_1' && r.result !== 'KCT_2') {
          const after = meterToState(m);
          expect({ ...after, lockout: null, clock: null }).toEqual({ ...before, lockout: null, clock: null });
        }
      }
      // And the state still round-trips.
      expect(meterToState(meterFromState(meterToState(m)))).toEqual(meterToState(m));
    }), { numRuns: 200 });
  });
});
