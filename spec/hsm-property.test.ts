import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeToken, deriveDecoderKey, tidFromInstant } from '../src';
import { MemoryStore, initHsm, openHsm } from '../src/hsm';
import { nextTid } from '../src/hsm/tid-allocator';
import { CTX, MASTER, OP, VK04, panOf } from './hsm-support';

const START = Date.parse('2026-11-30T16:58:00Z'); // 23:58 WIB: runs cross local midnight and 00:01
const PANS = [panOf(1), panOf(2), panOf(3)];

describe('property: TIDs per meter', () => {
  it('random vends at random, often equal, sometimes earlier times: TIDs strictly increase per meter, never 00:01, never before the clock', async () => {
    const step = fc.record({
      meter: fc.integer({ min: 0, max: 2 }),
      // 0: same instant; small steps within a minute; whole minutes; now and then back in time.
      dtMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 59_000 }), fc.integer({ min: 1, max: 5 }).map((m) => m * 60_000), fc.integer({ min: -600_000, max: -1 })),
    });
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
      let t = START;
      const clock = () => new Date(t);
      const store = new MemoryStore();
      await initHsm(store, MASTER, {}, clock());
      const hsm = await openHsm({ store, masterKey: MASTER, clock });
      await hsm.importVendingKey({ id: 'k', keyHex: VK04, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 1, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00' }, OP);
      for (const pan of PANS) await hsm.addMeter({ pan, customerReference: pan, supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, OP);
      const last = new Map<string, number>();
      const lastToken = new Map<string, string>();
      for (const s of steps) {
        t += s.dtMs;
        const pan = PANS[s.meter]!;
        const r = await hsm.vend({ ...CTX, pan, litres: 100 });
        const tid = r.tid!;
        expect(tid % 1440).not.toBe(1);
        expect(tid).toBeGreaterThanOrEqual(tidFromInstant(clock(), 420, 2014));
        if (last.has(pan)) expect(tid).toBeGreaterThan(last.get(pan)!);
        last.set(pan, tid);
        lastToken.set(pan, r.tokens[0]!);
        expect((await hsm.getMeter(pan)).lastTid).toBe(tid);
      }
      // The tokens carry those TIDs (the last token of each meter, decoded with its own key).
      for (const pan of last.keys()) {
        const key = deriveDecoderKey(VK04, { keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, pan, baseDate: 2014, encryptionAlgorithm: '11' });
        expect(decodeToken(lastToken.get(pan)!, key).fields).toMatchObject({ tid: last.get(pan) });
      }
      expect((await hsm.verifyAudit()).ok).toBe(true);
    }), { numRuns: 60 });
  });

  it('nextTid: max(TID(now), last + 1), skipping ≡ 1 mod 1440', async () => {
    fc.assert(fc.property(fc.option(fc.integer({ min: 0, max: 16_000_000 }), { nil: null }), fc.integer({ min: 0, max: 16_000_000 }), (last, nowTid) => {
      const now = nowTid % 1440 === 1 ? nowTid + 1 : nowTid; // what tidFromInstant gives
      const t = nextTid(last, now);
      expect(t % 1440).not.toBe(1);
      expect(t).toBeGreaterThanOrEqual(now);
      if (last !== null) expect(t).toBeGreaterThan(last);
      const plain = Math.max(now, last === null ? now : last + 1);
      expect(t - plain).toBe(plain % 1440 === 1 ? 1 : 0);
    }), { numRuns: 2000 });
  });
});
