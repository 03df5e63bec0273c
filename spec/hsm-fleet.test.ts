// Fleet key change (Hsm.keyChangeFleet): every set decodes to the planned key on the token layer,
// each meter is recorded as a single keyChange records it, refusals are audited in place, one store
// transaction per chunk (a stopped run leaves each meter fully recorded or unchanged), and the
// published C11 CTSA05-1 set comes out of the module unchanged.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '../src/codec/hex';
import { type FleetOutcome, type FleetRequest, type Hsm, type HsmStore, MemoryStore, auditHash, openHsm } from '../src/hsm';
import { AuditAppender, appendAudit, initAudit } from '../src/hsm/audit';
import { keyChangeResult } from '../src/hsm/key-change-result';
import { sha256HexOfText } from '../src/hsm/sha256-text';
import { deriveDecoderKey } from '../src/keys';
import { openSqliteStore } from '../src/node/hsm-sqlite-store';
import { decodeKeyChange } from '../src/tokens';
import { CTX, MASTER, MASTER_HEX, OP, VK02, VK04, VK04_KRN2, panOf, setup, tempDir } from './hsm-support';
import { runCapture } from './support';

const tmp = tempDir();
afterAll(() => tmp.cleanup());


const VK02_B = '0123456789abcdef';
const KEY_1 = { vendingKeyId: 'sgc201457-krn1', supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2, keyExpiryNumber: 255, baseDate: 2014, encryptionAlgorithm: '11' } as const;

async function importKey(hsm: Hsm, id: string, keyHex: string, attrs: { dkga: '02' | '04'; supplyGroupCode: string; keyRevisionNumber: number; baseDate: 1993 | 2014 | 2035; encryptionAlgorithm: '07' | '11' }) {
  await hsm.importVendingKey({ id, keyHex, vendingKeyType: 'unique', activeFrom: '2020-01-01T00:00', ...attrs }, OP);
}

/** An Hsm with `n` meters (panOf(1..n)) on the KRN 1 key and the KRN 2 key ('krn2'). */
async function fleet(n: number, store?: HsmStore) {
  const s = await setup({ meter: false, ...(store ? { store } : {}) });
  await importKey(s.hsm, 'krn2', VK04_KRN2, { dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 2, baseDate: 2014, encryptionAlgorithm: '11' });
  const pans = Array.from({ length: n }, (_, i) => panOf(i + 1));
  for (const pan of pans) await s.hsm.addMeter({ pan, customerReference: pan, supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, OP);
  return { ...s, pans };
}

const requests = (pans: string[], extra: Partial<FleetRequest> = {}, txn = 'run'): FleetRequest[] =>
  pans.map((pan) => ({ pan, newKeyRevisionNumber: 2, transactionId: `${txn}:${pan}`, ...extra }));
const sqliteStore = (name: string) => openSqliteStore(join(tmp.dir, `${name}.db`), { create: true });
const tokensOf = (o: FleetOutcome | undefined): string[] => {
  if (o === undefined || !o.ok) throw new Error(`expected tokens, got ${JSON.stringify(o)}`);
  return o.tokens;
};
const codes = (outcomes: FleetOutcome[]) => outcomes.map((o) => (o.ok ? 'ok' : o.errorCode));

describe('every set installs the planned key when the meter decodes it', () => {
  /** Run one change for meters registered with `meter`; decode each set with the meter's key derived here. */
  async function expectInstalls(meter: { vendingKeyId: string; keyHex: string; supplyGroupCode: string; baseDate: 1993 | 2014; encryptionAlgorithm: '07' | '11' },
    next: { id: string; keyHex: string; dkga: '02' | '04'; supplyGroupCode: string; keyRevisionNumber: number; baseDate: 1993 | 2014 | 2035; encryptionAlgorithm: '07' | '11' },
    extra: Partial<FleetRequest>, tokenCount: number) {
    const { hsm } = await setup({ meter: false });
    if (meter.vendingKeyId !== 'sgc201457-krn1') await importKey(hsm, meter.vendingKeyId, meter.keyHex, { dkga: meter.keyHex.length === 16 ? '02' : '04', supplyGroupCode: meter.supplyGroupCode, keyRevisionNumber: 1, baseDate: meter.baseDate, encryptionAlgorithm: meter.encryptionAlgorithm });
    await importKey(hsm, next.id, next.keyHex, next);
    const pans = [panOf(1), panOf(2), '000001000000000082'];
    for (const pan of pans) await hsm.addMeter({ pan, customerReference: pan, supplyGroupCode: meter.supplyGroupCode, keyRevisionNumber: 1, encryptionAlgorithm: meter.encryptionAlgorithm, baseDate: meter.baseDate, vendingKeyId: meter.vendingKeyId }, OP);
    const before = await Promise.all(pans.map((pan) => hsm.getMeter(pan)));
    const r = await hsm.keyChangeFleet(pans.map((pan) => ({ pan, newVendingKeyId: next.id, ...extra })), CTX);
    expect(r).toMatchObject({ issued: 3, refused: 0, unchanged: 0 });
    for (const [i, o] of r.outcomes.entries()) {
      const m = before[i]!;
      const current = deriveDecoderKey(meter.keyHex, { ...m });
      const after = await hsm.getMeter(m.pan);
      const want = deriveDecoderKey(next.keyHex, { ...after });
      const { change, newKey } = decodeKeyChange([...tokensOf(o)].reverse(), current); // the set is order-independent
      expect(change.tokenCount).toBe(tokenCount);
      expect(change.rollover).toBe(next.baseDate !== meter.baseDate);
      expect(newKey.exportHex()).toBe(want.exportHex());
      expect(newKey.attributes()).toMatchObject({ keyRevisionNumber: next.keyRevisionNumber, supplyGroupCode: next.supplyGroupCode, baseDate: next.baseDate, encryptionAlgorithm: next.encryptionAlgorithm, tariffIndex: after.tariffIndex, keyExpiryNumber: after.keyExpiryNumber });
    }
  }
  const ea11 = { vendingKeyId: 'sgc201457-krn1', keyHex: VK04, supplyGroupCode: '201457', baseDate: 2014, encryptionAlgorithm: '11' } as const;
  const ea07 = { vendingKeyId: 'd02', keyHex: VK02, supplyGroupCode: '123456', baseDate: 1993, encryptionAlgorithm: '07' } as const;

  it('4-token EA11 / DKGA04 sets (KRN 1 → 2, new vending key, TI and KEN change)', () =>
    expectInstalls(ea11, { id: 'k2', keyHex: VK04_KRN2, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 2, baseDate: 2014, encryptionAlgorithm: '11' }, { newTariffIndex: '07', newKeyExpiryNumber: 200 }, 4));
  it('2-token EA07 / DKGA02 sets (sample STA tables)', () =>
    expectInstalls(ea07, { id: 'd02-b', keyHex: VK02_B, dkga: '02', supplyGroupCode: '123456', keyRevisionNumber: 2, baseDate: 1993, encryptionAlgorithm: '07' }, {}, 2));
  it('3-token sets (3KCT) carry the new SGC', () =>
    expectInstalls(ea07, { id: 'd02-c', keyHex: VK02_B, dkga: '02', supplyGroupCode: '654321', keyRevisionNumber: 3, baseDate: 1993, encryptionAlgorithm: '07' }, { threeTokenSet: true, newTariffIndex: '12' }, 3));
  it('rollover 1993 → 2014 with RO = 1, EA07 → EA11 migration', () =>
    expectInstalls(ea07, { id: 'k14', keyHex: VK04_KRN2, dkga: '04', supplyGroupCode: '123456', keyRevisionNumber: 2, baseDate: 2014, encryptionAlgorithm: '11' }, {}, 4));
  it('rollover 2014 → 2035 with RO = 1', () =>
    expectInstalls(ea11, { id: 'k35', keyHex: VK04_KRN2, dkga: '04', supplyGroupCode: '203557', keyRevisionNumber: 6, baseDate: 2035, encryptionAlgorithm: '11' }, {}, 4));

  it('the published C11 CTSA05-1 set (STS 531-1 compliance suite: TI 01 → 02 under the same key)', async () => {
    const { hsm } = await setup();
    const r = await hsm.keyChangeFleet([{ pan: '600727000000000009', newTariffIndex: '02' }], CTX);
    expect(r.outcomes).toEqual([{ pan: '600727000000000009', ok: true, tokens: ['03854447086453451911', '02791799436242461152', '67118070329353977190', '19019128690902932218'] }]);
  });
});

describe('each meter is recorded as a single keyChange records it', () => {
  for (const kind of ['memory', 'sqlite'] as const) {
    it(`${kind}: meter on the new key, one audit record, a sealed record that keyChange reissues`, async () => {
      const { hsm, pans, store } = await fleet(3, kind === 'sqlite' ? sqliteStore('record') : undefined);
      await hsm.vend({ ...CTX, pan: pans[0]!, litres: 1000 });
      const lastTid = (await hsm.getMeter(pans[0]!)).lastTid;
      const before = (await hsm.auditRecords()).length;
      const r = await hsm.keyChangeFleet(requests(pans, { newKeyExpiryNumber: 7 }), { operator: 'fleet-bot', vendingPoint: 'office' });
      expect(r).toMatchObject({ issued: 3, refused: 0, unchanged: 0 });
      expect(r.outcomes.map((o) => o.pan)).toEqual(pans);
      const recs = await hsm.auditRecords({ fromSeq: before + 1 });
      expect(recs.map((x) => [x.pan, x.kind, x.outcome, x.transactionId, x.operator, x.vendingPoint])).toEqual(pans.map((p) => [p, 'keychange', 'issued', `run:${p}`, 'fleet-bot', 'office']));
      expect(recs.map((x) => x.tokenHash)).toEqual(r.outcomes.map((o) => bytesToHex(sha256(utf8ToBytes(tokensOf(o).join(','))))));
      expect(await hsm.verifyAudit()).toEqual({ ok: true, records: before + 3 });
      for (const pan of pans) expect(await hsm.getMeter(pan)).toMatchObject({ keyRevisionNumber: 2, keyExpiryNumber: 7, vendingKeyId: 'krn2' });
      expect((await hsm.getMeter(pans[0]!)).lastTid).toBe(lastTid); // no rollover: the TID memory stays
      // The same request under the same id is reissued, exactly as keyChangeResult makes it.
      const req = { ...CTX, pan: pans[1]!, newKeyRevisionNumber: 2, newKeyExpiryNumber: 7, transactionId: `run:${pans[1]}` };
      const re = await hsm.keyChange(req);
      const expected = keyChangeResult(`run:${pans[1]}`, pans[1]!, tokensOf(r.outcomes[1]), KEY_1, { ...KEY_1, vendingKeyId: 'krn2', keyRevisionNumber: 2, keyExpiryNumber: 7 }, false, recs[1]!.at);
      expect(re).toEqual({ ...expected.issued, reissued: true });
      expect((await hsm.auditRecords()).at(-1)).toMatchObject({ outcome: 'reissued', amount: expected.auditAmount, tokenHash: recs[1]!.tokenHash });
      await expect(hsm.keyChange({ ...req, newKeyExpiryNumber: 8 })).rejects.toThrow(/already used/);
      if (kind === 'memory') expect((store as MemoryStore).snapshot().transactions.find((t) => t.id === `run:${pans[0]}`)!.sealed.length / 2).toBeLessThan(400);
      await hsm.close();
    });
  }

  it('a rollover clears the TID memory, as a single key change does', async () => {
    const { hsm, pans } = await fleet(1);
    await importKey(hsm, 'k35', VK04_KRN2, { dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 3, baseDate: 2035, encryptionAlgorithm: '11' });
    await hsm.vend({ ...CTX, pan: pans[0]!, litres: 1000 });
    const r = await hsm.keyChangeFleet([{ pan: pans[0]!, newVendingKeyId: 'k35' }], CTX);
    expect(r.issued).toBe(1);
    expect(await hsm.getMeter(pans[0]!)).toMatchObject({ baseDate: 2035, lastTid: null });
  });

  it('no key material and no token in clear in the SQLite file', async () => {
    const path = join(tmp.dir, 'clear.db');
    const { hsm, pans } = await fleet(2, openSqliteStore(path, { create: true }));
    const r = await hsm.keyChangeFleet(requests(pans), CTX);
    await hsm.close();
    const bytes = Buffer.concat([path, `${path}-wal`].filter((p) => existsSync(p)).map((p) => readFileSync(p)));
    for (const o of r.outcomes) for (const t of tokensOf(o)) expect(bytes.includes(Buffer.from(t))).toBe(false);
    for (const hex of [VK04, VK04_KRN2]) expect(bytes.includes(Buffer.from(hex, 'hex'))).toBe(false);
  });
});

describe('refusals are audited in place and never stop the run', () => {
  it('unknown meters, bad PANs, duplicates, used ids and bad fields; the others are issued', async () => {
    const { hsm, pans } = await fleet(7);
    await hsm.keyChange({ ...CTX, pan: pans[3]!, newKeyExpiryNumber: 100, transactionId: 'taken' });
    const reqs: FleetRequest[] = [
      { pan: pans[0]!, newKeyRevisionNumber: 2, transactionId: 'same' },
      { pan: panOf(99), newKeyRevisionNumber: 2 },
      { pan: '600727000000000001', newKeyRevisionNumber: 2 },
      { pan: pans[1]!, newKeyRevisionNumber: 2, transactionId: 'same' },
      { pan: pans[0]!, newKeyRevisionNumber: 2 },
      { pan: pans[3]!, newKeyRevisionNumber: 2, transactionId: 'taken' },
      { pan: pans[4]!, newKeyRevisionNumber: 5 },
      // Not plain values: resolved on their own, never given another request's plan.
      { pan: pans[5]!, newKeyRevisionNumber: Number.NaN },
      { pan: pans[6]!, newKeyRevisionNumber: '2' as unknown as number },
      { pan: pans[2]!, newKeyRevisionNumber: 2 },
      null as unknown as FleetRequest,
    ];
    const before = (await hsm.auditRecords()).length;
    const r = await hsm.keyChangeFleet(reqs, CTX, { chunkSize: 3 });
    expect(codes(r.outcomes)).toEqual(['ok', 'NOT_FOUND', 'CHECK_DIGIT', 'CONFLICT', 'CONFLICT', 'CONFLICT', 'NOT_FOUND', 'KEY', 'KEY', 'ok', 'FORMAT']);
    expect(r).toMatchObject({ issued: 2, refused: 9, unchanged: 0 });
    expect(r.outcomes[3]).toMatchObject({ message: expect.stringMatching(/appears twice/) });
    expect(r.outcomes[5]).toMatchObject({ message: expect.stringMatching(/already used/) });
    const recs = await hsm.auditRecords({ fromSeq: before + 1 });
    expect(recs.map((x) => [x.pan, x.outcome, x.errorCode])).toEqual(r.outcomes.map((o) => [o.pan || null, o.ok ? 'issued' : 'refused', o.ok ? null : o.errorCode]));
    expect(recs.filter((x) => x.outcome === 'refused').every((x) => x.tokenHash === null && x.amount === null)).toBe(true);
    for (const p of [pans[1], pans[4], pans[5], pans[6]]) expect((await hsm.getMeter(p!)).keyRevisionNumber).toBe(1);
    expect((await hsm.verifyAudit()).ok).toBe(true);
  });

  it('bad arguments reject before anything is recorded', async () => {
    const { hsm, pans } = await fleet(1);
    const before = (await hsm.auditRecords()).length;
    await expect(hsm.keyChangeFleet('x' as unknown as FleetRequest[], CTX)).rejects.toMatchObject({ code: 'FORMAT' });
    await expect(hsm.keyChangeFleet(requests(pans), { operator: '', vendingPoint: 'x' })).rejects.toMatchObject({ code: 'FORMAT' });
    await expect(hsm.keyChangeFleet(requests(pans), CTX, { chunkSize: 0 })).rejects.toMatchObject({ code: 'USAGE' });
    expect((await hsm.auditRecords()).length).toBe(before);
    await hsm.close();
    await expect(hsm.keyChangeFleet(requests(pans), CTX)).rejects.toMatchObject({ code: 'STORE' });
  });
});

describe('one store transaction per chunk', () => {
  /** Each meter is fully recorded (new key, sealed record, one audit record) or untouched. */
  async function expectAllOrNothing(hsm: Hsm, store: HsmStore, pans: string[], recorded: number) {
    for (const [i, pan] of pans.entries()) {
      const done = i < recorded;
      expect((await hsm.getMeter(pan)).keyRevisionNumber).toBe(done ? 2 : 1);
      expect((await store.transaction((tx) => tx.getTransaction(`run:${pan}`))) !== undefined).toBe(done);
      expect((await hsm.auditRecords()).filter((x) => x.pan === pan && x.kind === 'keychange').length).toBe(done ? 1 : 0);
    }
    expect((await hsm.verifyAudit()).ok).toBe(true);
  }

  it('an abort between chunks: the promise rejects with its reason; recorded chunks stay, the rest is unchanged', async () => {
    const { hsm, pans, store } = await fleet(9, sqliteStore('abort'));
    const abort = new AbortController();
    const seen: number[] = [];
    const run = hsm.keyChangeFleet(requests(pans), CTX, {
      chunkSize: 4, signal: abort.signal,
      onProgress: (p) => { seen.push(p.done); expect(p.total).toBe(9); if (p.done === 4) abort.abort(new Error('stop')); },
    });
    await expect(run).rejects.toThrow('stop');
    expect(seen).toEqual([4]);
    await expectAllOrNothing(hsm, store, pans, 4);
    await hsm.close();
  });

  it('a store failure in the middle of a chunk rolls that chunk back whole; a new run completes it', async () => {
    // A store whose insertTransaction fails once, for meter 6 (a disk that fills up mid-chunk).
    let failures = 1;
    const inner = new MemoryStore();
    const flaky: HsmStore = {
      kind: 'memory',
      close: () => inner.close(),
      transaction: (fn, options) => inner.transaction((tx) => fn({
        ...tx,
        insertTransaction: async (row) => {
          if (row.kind === 'keychange' && row.id.endsWith(panOf(6)) && failures-- > 0) throw new Error('disk full');
          return tx.insertTransaction(row);
        },
      }), options),
    };
    const { hsm, pans, store } = await fleet(9, flaky);
    const chunks: string[][] = [];
    await expect(hsm.keyChangeFleet(requests(pans), CTX, { chunkSize: 4, onProgress: (p) => chunks.push(p.outcomes.map((o) => o.pan)) })).rejects.toThrow('disk full');
    expect(chunks).toEqual([pans.slice(0, 4)]);
    await expectAllOrNothing(hsm, store, pans, 4);
    const again = await hsm.keyChangeFleet(requests(pans), CTX, { chunkSize: 4 });
    expect(codes(again.outcomes)).toEqual([...Array(4).fill('UNCHANGED'), ...Array(5).fill('ok')]);
    await expectAllOrNothing(hsm, store, pans, 9);
  });

  it('an altered audit head stops the run (AUDIT) before anything is written', async () => {
    const { hsm, pans, store } = await fleet(1);
    await store.transaction(async (tx) => tx.setMeta('audit_head', (await tx.getMeta('audit_head'))!.replace(/"seq":\d+/, '"seq":1')));
    await expect(hsm.keyChangeFleet(requests(pans), CTX)).rejects.toMatchObject({ code: 'AUDIT' });
    expect((await hsm.getMeter(pans[0]!)).keyRevisionNumber).toBe(1);
  });

  it('each chunk reads its meters inside its transaction: changes between chunks are respected', async () => {
    const { hsm, pans } = await fleet(4, sqliteStore('between'));
    let tid: number | null = null;
    const r = await hsm.keyChangeFleet(requests(pans), CTX, {
      chunkSize: 2,
      onProgress: async (p) => {
        if (p.done !== 2) return;
        tid = (await hsm.vend({ ...CTX, pan: pans[2]!, litres: 1000 })).tid ?? null;
        await hsm.keyChange({ ...CTX, pan: pans[3]!, newKeyRevisionNumber: 2 });
      },
    });
    expect(codes(r.outcomes)).toEqual(['ok', 'ok', 'ok', 'UNCHANGED']);
    expect(await hsm.getMeter(pans[2]!)).toMatchObject({ keyRevisionNumber: 2, lastTid: tid });
    await hsm.close();
  });

  it('yields to the event loop between chunks', async () => {
    const { hsm, pans } = await fleet(4);
    const order: string[] = [];
    await hsm.keyChangeFleet(requests(pans), CTX, {
      chunkSize: 2,
      onProgress: (p) => { order.push(`chunk ${p.done}`); if (p.done === 2) setImmediate(() => order.push('immediate')); },
    });
    expect(order).toEqual(['chunk 2', 'immediate', 'chunk 4']);
  });
});

describe('audit appends in bulk', () => {
  it('AuditAppender writes the same records and head as appendAudit once per record', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.record({
      operator: fc.string({ minLength: 1, maxLength: 10 }), pan: fc.option(fc.stringMatching(/^\d{18}$/)), kind: fc.constantFrom('keychange', 'vend'),
      outcome: fc.constantFrom('issued', 'refused') as fc.Arbitrary<'issued' | 'refused'>, amount: fc.option(fc.string({ maxLength: 20 })), tid: fc.option(fc.nat()),
    }), { maxLength: 8 }), async (entries) => {
      const key = new Uint8Array(32).fill(3);
      const a = new MemoryStore();
      const b = new MemoryStore();
      for (const s of [a, b]) await s.transaction((tx) => initAudit(tx, key));
      const full = entries.map((e, i) => ({ ...e, at: `2026-12-01T00:00:0${i % 10}.000Z`, vendingPoint: 'vp', transactionId: `t${i}`, errorCode: null, tokenHash: null }));
      await a.transaction(async (tx) => { for (const e of full) await appendAudit(tx, key, 'main', e); });
      await b.transaction(async (tx) => {
        const appender = await AuditAppender.open(tx, key, 'main');
        for (const e of full) await appender.append(e);
        await appender.finish();
      });
      expect((await b.transaction((tx) => tx.readAudit()))).toEqual((await a.transaction((tx) => tx.readAudit())));
      expect((await b.transaction((tx) => tx.getMeta('audit_head')))).toBe((await a.transaction((tx) => tx.getMeta('audit_head'))));
      for (const r of (await b.transaction((tx) => tx.readAudit()))) expect(auditHash(r)).toBe(r.hash);
    }), { numRuns: 50 });
  });

  it('sha256HexOfText is SHA-256 of the UTF-8 text', async () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), (t) => {
      expect(sha256HexOfText(t)).toBe(bytesToHex(sha256(utf8ToBytes(t))));
    }), { numRuns: 200 });
  });
});

describe('hsm key-change --fleet (CLI), more meters than a chunk', () => {
  it('records every meter, outcomes in file order; an existing --out file stops it before anything is recorded', async () => {
    const path = join(tmp.dir, 'cli.db');
    const { hsm, pans } = await fleet(2100, openSqliteStore(path, { create: true }));
    const auditBefore = (await hsm.auditRecords()).length;
    await hsm.close();
    const csv = join(tmp.dir, 'fleet.csv');
    writeFileSync(csv, `pan\n${[...pans].reverse().join('\n')}\n`);
    const out = join(tmp.dir, 'fleet-out.csv');
    writeFileSync(out, 'keep me\n');
    const env = { HYDROSYNC_MASTER_KEY: MASTER_HEX, HYDROSYNC_OPERATOR: 'fleet-bot' };
    const args = ['hsm', 'key-change', '--store', path, '--fleet', csv, '--new-krn', '2', '--out', out, '--txn', 'F', '--quiet'];
    const refused = await runCapture(args, { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already exists; give --force/);
    expect(readFileSync(out, 'utf8')).toBe('keep me\n');
    const ok = await runCapture([...args, '--force'], { env });
    expect(ok.code, ok.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(lines.map((l) => l[0])).toEqual([...pans].reverse());
    expect(lines.every((l) => l[1] === 'true' && l.slice(4).every((t) => /^\d{20}$/.test(t)))).toBe(true);
    const check = await openHsm({ store: openSqliteStore(path), masterKey: MASTER, clock: () => new Date('2026-12-01T03:00:00Z') });
    try {
      expect(await check.verifyAudit()).toEqual({ ok: true, records: auditBefore + 2100 });
      expect((await check.auditRecords({ fromSeq: auditBefore + 1 })).map((r) => r.pan)).toEqual([...pans].reverse());
      expect((await check.listMeters()).every((m) => m.keyRevisionNumber === 2)).toBe(true);
      const last = lines.at(-1)!;
      expect(await check.keyChange({ ...CTX, pan: last[0]!, newKeyRevisionNumber: 2, transactionId: `F:${last[0]}` })).toMatchObject({ reissued: true, tokens: last.slice(4) });
    } finally {
      await check.close();
    }
  });
});
