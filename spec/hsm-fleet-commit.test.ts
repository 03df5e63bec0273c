// Fleet key change, end to end in the security module: prepare (bulk reads, one resolution per
// profile), the engine's independent check (verify option, marks), commit (compare-and-set of the
// registry, compact sealed reissue records, one audit head write per transaction), chunked commits
// and what a stopped run leaves behind.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { deriveDecoderKey, generateKeyChange } from '../src';
import { bytesToHex } from '../src/codec/hex';
import { type FleetOutcome, type HsmStore, type KeyChangeRequest, MemoryStore, auditHash, openHsm } from '../src/hsm';
import { AuditAppender, appendAudit, initAudit } from '../src/hsm/audit';
import { Core } from '../src/hsm/core';
import { keyChangeBatch } from '../src/hsm/fleet';
import { verifiedMark } from '../src/hsm/fleet/verified';
import { FleetSetVerifier, keyChangeSetMismatch } from '../src/hsm/fleet/verify';
import { keyChangeResult } from '../src/hsm/key-change-result';
import { sealText, unseal } from '../src/hsm/seal';
import { sha256HexOfText } from '../src/hsm/sha256-text';
import { VendingKey } from '../src/keys/vending-key';
import { runFleetKeyChange } from '../src/node/fleet-runner';
import { openSqliteStore } from '../src/node/hsm-sqlite-store';
import { nativeFleetCrypto } from '../src/node/native-crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { CTX, MASTER, MASTER_HEX, OP, VK04, VK04_KRN2, panOf, setup, tempDir } from './hsm-support';
import { runCapture } from './support';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const built = existsSync(join(__dirname, '..', 'dist', 'fleet-worker.js'));

type Hsm = ReturnType<typeof setup>['hsm'];
const importKrn2 = (hsm: Hsm) => hsm.importVendingKey({
  id: 'krn2', keyHex: VK04_KRN2, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 2, vendingKeyType: 'unique',
  baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00',
}, OP);

/** An Hsm with `n` meters (panOf(1..n)) on KRN 1 and the KRN 2 key. */
function fleet(n: number, store?: HsmStore) {
  const s = setup({ meter: false, ...(store ? { store } : {}) });
  importKrn2(s.hsm);
  const pans: string[] = [];
  for (let i = 1; i <= n; i++) {
    const pan = panOf(i);
    pans.push(pan);
    s.hsm.addMeter({ pan, customerReference: `C${i}`, supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, OP);
  }
  return { ...s, pans };
}

const requests = (pans: string[], extra: Partial<KeyChangeRequest> = {}, txn = 'run'): KeyChangeRequest[] =>
  pans.map((pan) => ({ ...CTX, pan, newKeyRevisionNumber: 2, transactionId: `${txn}:${pan}`, ...extra }));

const sqliteStore = (name: string) => openSqliteStore(join(tmp.dir, `${name}.db`), { create: true });

describe('prepare', () => {
  it('resolves once per profile, and never lends one request\'s plan to another', () => {
    const { hsm, pans } = fleet(4);
    // 2: KRN 2; 3: KRN 5 (no such key: NOT_FOUND); 4: KRN 5 again (right after a refused one); 1: a KEN change.
    const reqs = [
      ...requests([pans[1]!]), ...requests([pans[2]!, pans[3]!], { newKeyRevisionNumber: 5 }),
      ...requests([pans[0]!], { newKeyRevisionNumber: undefined, newKeyExpiryNumber: 200 }),
    ];
    const plan = hsm.prepareFleetKeyChange(reqs);
    expect(plan.refused.map((r) => [r.pan, r.ok ? '' : r.errorCode])).toEqual([[pans[2], 'NOT_FOUND'], [pans[3], 'NOT_FOUND']]);
    expect(plan.items.map((i) => [i.pan, i.next.keyRevisionNumber, i.next.keyExpiryNumber])).toEqual([[pans[1], 2, 255], [pans[0], 1, 200]]);
    // Items of one profile share their (frozen) key parameters.
    const two = hsm.prepareFleetKeyChange(requests([pans[2]!, pans[3]!], {}, 'two'));
    expect(two.items[0]!.current).toBe(two.items[1]!.current);
    expect(Object.isFrozen(two.items[0]!.next)).toBe(true);
  });

  it('a field that is not a plain value is resolved on its own (and refused), never memoised', () => {
    const { hsm, pans } = fleet(3);
    const reqs = [
      ...requests([pans[0]!]),
      { ...requests([pans[1]!])[0]!, newKeyRevisionNumber: Number.NaN },
      { ...requests([pans[2]!])[0]!, newKeyRevisionNumber: '2' as unknown as number },
    ];
    const plan = hsm.prepareFleetKeyChange(reqs);
    expect(plan.items.map((i) => i.pan)).toEqual([pans[0]]);
    expect(plan.refused.map((r) => (r.ok ? '' : r.errorCode))).toEqual(['KEY', 'KEY']);
  });

  it('a transaction id used twice in one fleet, or already recorded, is refused (CONFLICT)', () => {
    const { hsm, pans } = fleet(3);
    hsm.keyChange({ ...CTX, pan: pans[2]!, newKeyExpiryNumber: 100, transactionId: 'taken' });
    const plan = hsm.prepareFleetKeyChange([
      { ...CTX, pan: pans[0]!, newKeyRevisionNumber: 2, transactionId: 'same' },
      { ...CTX, pan: pans[1]!, newKeyRevisionNumber: 2, transactionId: 'same' },
      { ...CTX, pan: pans[2]!, newKeyRevisionNumber: 2, transactionId: 'taken' },
    ]);
    expect(plan.items.map((i) => i.pan)).toEqual([pans[0]]);
    expect(plan.refused.map((r) => [r.pan, r.ok ? '' : r.errorCode, r.ok ? '' : r.message])).toEqual([
      [pans[1], 'CONFLICT', expect.stringMatching(/appears twice/)],
      [pans[2], 'CONFLICT', expect.stringMatching(/already used/)],
    ]);
  });

  it('the request fingerprint is the single key change\'s: the set is reissued by keyChange with its id', () => {
    const { hsm, pans } = fleet(1, sqliteStore('fingerprint'));
    const plan = hsm.prepareFleetKeyChange(requests(pans, { newKeyExpiryNumber: 7, newTariffIndex: '03' }));
    const made = keyChangeBatch(plan.items, plan.vendingKeys);
    expect(hsm.commitFleetKeyChange(made, CTX)).toMatchObject({ committed: 1, refused: 0 });
    const again = hsm.keyChange({ ...CTX, pan: pans[0]!, newKeyRevisionNumber: 2, newKeyExpiryNumber: 7, newTariffIndex: '03', transactionId: `run:${pans[0]}` });
    expect(again.reissued).toBe(true);
    expect(again.tokens).toEqual(made[0]!.ok ? made[0]!.tokens : []);
    // Another request under the same id is a CONFLICT, as for any transaction.
    expect(() => hsm.keyChange({ ...CTX, pan: pans[0]!, newKeyRevisionNumber: 2, transactionId: `run:${pans[0]}` })).toThrow(/already used/);
  });
});

describe('the engine\'s independent check (verify)', () => {
  const keys = new Map([['k1', Uint8Array.from(Buffer.from(VK04, 'hex'))], ['k2', Uint8Array.from(Buffer.from(VK04_KRN2, 'hex'))]]);
  const cur = { dkga: '04' as const, vendingKeyId: 'k1', supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2 as const, keyExpiryNumber: 255, baseDate: 2014 as const, encryptionAlgorithm: '11' as const };
  const profile = { current: cur, next: { ...cur, vendingKeyId: 'k2', keyRevisionNumber: 2 }, rollover: false, threeTokenSet: false };
  const items = [1, 2, 3].map((n) => ({ pan: panOf(n), ...profile }));

  it('marks every set it checked; the sets are those of the unverified run', () => {
    const plain = keyChangeBatch(items, keys);
    const checked = keyChangeBatch(items, keys, { verify: true });
    expect(checked).toEqual(plain);
    for (const o of checked) {
      expect(verifiedMark(o)).toMatchObject({ pan: o.pan, tokenHash: sha256HexOfText(o.ok ? o.tokens.join(',') : '') });
    }
    expect(plain.every((o) => verifiedMark(o) === undefined)).toBe(true);
    // A copy carries no mark.
    expect(verifiedMark({ ...checked[0]! })).toBeUndefined();
  });

  it('refuses a set that does not carry exactly the planned key, whichever field is wrong', () => {
    const vk1 = VendingKey.fromBytes(keys.get('k1')!);
    const vk2 = VendingKey.fromBytes(keys.get('k2')!);
    const verifier = new FleetSetVerifier(profile, items[0]!.pan, { vendingKey: vk1, bytes: keys.get('k1')! }, { vendingKey: vk2, bytes: keys.get('k2')! }, {});
    const pan = items[0]!.pan;
    const current = deriveDecoderKey(VK04, { ...cur, pan });
    const good = generateKeyChange(current, deriveDecoderKey(VK04_KRN2, { ...profile.next, pan }));
    expect(() => verifier.check(pan, good)).not.toThrow();
    const wrong = [
      generateKeyChange(current, deriveDecoderKey(VK04, { ...profile.next, pan })), // other key bits
      generateKeyChange(current, deriveDecoderKey(VK04_KRN2, { ...profile.next, pan, keyExpiryNumber: 254 })), // KEN
      generateKeyChange(current, deriveDecoderKey(VK04_KRN2, { ...profile.next, pan, tariffIndex: '02' })), // TI
      generateKeyChange(deriveDecoderKey(VK04_KRN2, { ...cur, pan }), deriveDecoderKey(VK04_KRN2, { ...profile.next, pan })), // other current key
      good.slice(0, 3), // a token short
      [good[1]!, good[0]!, good[2]!, good[2]!], // a section twice
    ];
    for (const tokens of wrong) expect(() => verifier.check(pan, tokens)).toThrow(/does not carry the planned new key/);
    const newBits = deriveDecoderKey(VK04_KRN2, { ...profile.next, pan }).exportBytes();
    expect(keyChangeSetMismatch(wrong[1]!, current, newBits, { ...profile.next, rollover: false, threeTokenSet: false })).toBe('it carries KEN 254');
  });

  it.skipIf(!built)('on worker threads: outcomes are marked in the main thread, bound to the checked tokens', async () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ pan: panOf(i + 1), ...profile }));
    const got = await runFleetKeyChange(many, keys, { workers: 2, chunkSize: 64, inThreadBelow: 0, verify: true });
    expect(got).toEqual(keyChangeBatch(many, keys));
    for (const o of got) expect(verifiedMark(o)?.tokenHash).toBe(sha256HexOfText(o.ok ? o.tokens.join(',') : ''));
  });
});

describe('commit', () => {
  for (const kind of ['memory', 'sqlite'] as const) {
    it(`${kind}: verified sets are recorded with one audit record each; reissue returns the same result as a single key change`, () => {
      const { hsm, pans, store } = fleet(3, kind === 'sqlite' ? sqliteStore('commit') : undefined);
      const plan = hsm.prepareFleetKeyChange(requests(pans));
      const made = keyChangeBatch(plan.items, plan.vendingKeys, { verify: true });
      const before = hsm.auditRecords().length;
      const derived = vi.spyOn(Core.prototype, 'decoderKey');
      expect(hsm.commitFleetKeyChange(made, CTX)).toEqual({ committed: 3, refused: 0, refusals: [] });
      expect(derived).not.toHaveBeenCalled(); // the marks vouch for the sets: commit does not decode them again
      derived.mockRestore();
      const recs = hsm.auditRecords({ fromSeq: before + 1 });
      expect(recs.map((r) => [r.pan, r.outcome, r.transactionId])).toEqual(pans.map((p) => [p, 'issued', `run:${p}`]));
      expect(recs.map((r) => r.tokenHash)).toEqual(made.map((o) => sha256HexOfText(o.ok ? o.tokens.join(',') : '')));
      expect(hsm.verifyAudit()).toEqual({ ok: true, records: before + 3 });
      for (const pan of pans) expect(hsm.getMeter(pan)).toMatchObject({ keyRevisionNumber: 2, vendingKeyId: 'krn2' });
      // The compact sealed record expands into exactly what keyChangeResult makes.
      const re = hsm.keyChange({ ...CTX, pan: pans[1]!, newKeyRevisionNumber: 2, transactionId: `run:${pans[1]}` });
      const tokens = made[1]!.ok ? made[1]!.tokens : [];
      const at = recs[1]!.at;
      const from = { vendingKeyId: 'sgc201457-krn1', supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2, keyExpiryNumber: 255, baseDate: 2014, encryptionAlgorithm: '11' } as const;
      const expected = keyChangeResult(`run:${pans[1]}`, pans[1]!, tokens, from, { ...from, vendingKeyId: 'krn2', keyRevisionNumber: 2 }, false, at);
      expect(re).toEqual({ ...expected.issued, reissued: true });
      expect(hsm.auditRecords().at(-1)).toMatchObject({ outcome: 'reissued', amount: expected.auditAmount, tokenHash: recs[1]!.tokenHash });
      // The stored row stays small (no overflow page in the WITHOUT ROWID table).
      if (kind === 'memory') {
        const tx = (store as MemoryStore).snapshot().transactions.find((t) => t.id === `run:${pans[0]}`)!;
        expect(tx.sealed.length / 2).toBeLessThan(400);
      }
      hsm.close();
    });
  }

  it('an unmarked, copied or edited outcome is decoded by commit itself', () => {
    const { hsm, pans } = fleet(3);
    const plan = hsm.prepareFleetKeyChange(requests(pans));
    const made = keyChangeBatch(plan.items, plan.vendingKeys, { verify: true });
    const good = made[0]!;
    const copy = { ...made[1]! };
    const other = made[0]!.ok ? made[0]!.tokens : [];
    const third = made[2]!;
    if (third.ok) third.tokens = [...other]; // a marked outcome edited afterwards: meter 1's set for meter 3
    const derived = vi.spyOn(Core.prototype, 'decoderKey');
    const r = hsm.commitFleetKeyChange([good, copy, third], CTX);
    expect(derived).toHaveBeenCalledTimes(4); // current and new key, for the copy and the edited outcome
    derived.mockRestore();
    expect(r).toMatchObject({ committed: 2, refused: 1 });
    expect(r.refusals).toEqual([{ pan: pans[2], ok: false, errorCode: 'KEY_CHANGE', message: expect.stringMatching(/does not carry the planned new key/) }]);
    expect(hsm.getMeter(pans[2]!).keyRevisionNumber).toBe(1);
    // An unmarked outcome of another caller's making is checked the same way.
    const plan2 = hsm.prepareFleetKeyChange(requests([pans[2]!], {}, 'again'));
    const edited: FleetOutcome = { pan: pans[2]!, ok: true, tokens: other };
    expect(hsm.commitFleetKeyChange([edited], CTX).refusals.map((x) => (x.ok ? '' : x.errorCode))).toEqual(['KEY_CHANGE']);
    expect(plan2.items).toHaveLength(1);
  });

  it('a mark for another plan is not used (the plan changed between the run and commit)', () => {
    const { hsm, pans } = fleet(1);
    const first = hsm.prepareFleetKeyChange(requests(pans, { newKeyExpiryNumber: 9 }, 'a'));
    const made = keyChangeBatch(first.items, first.vendingKeys, { verify: true });
    // Prepared again with another KEN: the marked set (KEN 9) is not the plan any more.
    hsm.prepareFleetKeyChange(requests(pans, { newKeyExpiryNumber: 8 }, 'b'));
    const r = hsm.commitFleetKeyChange(made, CTX);
    expect(r.refusals.map((x) => (x.ok ? '' : x.errorCode))).toEqual(['KEY_CHANGE']);
  });

  it('sqlite: compare-and-set: a meter whose key changed is refused; a vend in between keeps its TID', () => {
    const { hsm, pans } = fleet(2, sqliteStore('cas'));
    const plan = hsm.prepareFleetKeyChange(requests(pans));
    const made = keyChangeBatch(plan.items, plan.vendingKeys, { verify: true });
    const vended = hsm.vend({ ...CTX, pan: pans[0]!, litres: 1000 });
    hsm.keyChange({ ...CTX, pan: pans[1]!, newKeyExpiryNumber: 200 });
    const r = hsm.commitFleetKeyChange(made, CTX);
    expect(r.refusals.map((x) => [x.pan, x.ok ? '' : x.errorCode])).toEqual([[pans[1], 'CONFLICT']]);
    expect(hsm.getMeter(pans[0]!)).toMatchObject({ keyRevisionNumber: 2, lastTid: vended.tid });
    expect(hsm.getMeter(pans[1]!)).toMatchObject({ keyRevisionNumber: 1, keyExpiryNumber: 200 });
    expect(hsm.verifyAudit().ok).toBe(true);
    hsm.close();
  });

  it('the same outcome twice in one commit: the second is refused, nothing is recorded twice', () => {
    const { hsm, pans } = fleet(1);
    const plan = hsm.prepareFleetKeyChange(requests(pans));
    const made = keyChangeBatch(plan.items, plan.vendingKeys, { verify: true });
    const r = hsm.commitFleetKeyChange([made[0]!, made[0]!], CTX);
    expect(r).toMatchObject({ committed: 1, refused: 1 });
    expect(r.refusals[0]).toMatchObject({ errorCode: 'NOT_FOUND' });
  });

  it('a commit that fails part-way is rolled back whole and can be retried with the same outcomes', () => {
    class FlakyStore extends MemoryStore {
      failures = 1;
      override insertTransaction(row: Parameters<MemoryStore['insertTransaction']>[0]): void {
        if (row.kind === 'keychange' && row.id.endsWith(panOf(2)) && this.failures-- > 0) throw new Error('disk full');
        super.insertTransaction(row);
      }
    }
    const { hsm, pans, store } = fleet(2, new FlakyStore());
    const plan = hsm.prepareFleetKeyChange(requests(pans));
    const made = keyChangeBatch(plan.items, plan.vendingKeys, { verify: true });
    const audit = hsm.auditRecords().length;
    expect(() => hsm.commitFleetKeyChange(made, CTX)).toThrow('disk full');
    expect(pans.map((p) => hsm.getMeter(p).keyRevisionNumber)).toEqual([1, 1]);
    expect(store.getTransaction(`run:${pans[0]}`)).toBeUndefined();
    expect(hsm.auditRecords().length).toBe(audit);
    expect(hsm.commitFleetKeyChange(made, CTX)).toMatchObject({ committed: 2, refused: 0 });
    expect(hsm.verifyAudit().ok).toBe(true);
  });

  it('an altered audit head stops the commit (AUDIT) before anything is written', () => {
    const { hsm, pans, store } = fleet(1);
    const plan = hsm.prepareFleetKeyChange(requests(pans));
    const made = keyChangeBatch(plan.items, plan.vendingKeys, { verify: true });
    const head = store.getMeta('audit_head')!;
    store.setMeta('audit_head', head.replace(/"seq":\d+/, '"seq":1'));
    expect(() => hsm.commitFleetKeyChange(made, CTX)).toThrow(/audit log head/);
    expect(hsm.getMeter(pans[0]!).keyRevisionNumber).toBe(1);
  });
});

describe('chunked commits (one transaction per chunk)', () => {
  it('a run stopped between chunks leaves each meter either fully recorded or unchanged', async () => {
    const { hsm, pans, store } = fleet(9, sqliteStore('chunks'));
    const plan = hsm.prepareFleetKeyChange(requests(pans));
    const recorded: FleetOutcome[] = [];
    const run = runFleetKeyChange(plan.items, plan.vendingKeys, {
      workers: 0, chunkSize: 4, verify: true,
      onOutcomes: (chunk, from) => {
        if (from === 4) throw new Error('power cut'); // the second chunk is never recorded
        hsm.commitFleetKeyChange(chunk, CTX);
        recorded.push(...chunk);
      },
    });
    await expect(run).rejects.toThrow('power cut');
    expect(recorded.map((o) => o.pan)).toEqual(pans.slice(0, 4));
    for (const [i, pan] of pans.entries()) {
      const done = i < 4;
      expect(hsm.getMeter(pan).keyRevisionNumber).toBe(done ? 2 : 1);
      expect(store.getTransaction(`run:${pan}`) !== undefined).toBe(done);
      expect(hsm.auditRecords().filter((r) => r.pan === pan && r.kind === 'keychange').length).toBe(done ? 1 : 0);
    }
    expect(hsm.verifyAudit().ok).toBe(true);
    hsm.close();
  });

  it('chunks arrive in input order on worker threads too', async () => {
    if (!built) return;
    const { hsm, pans } = fleet(40);
    const plan = hsm.prepareFleetKeyChange(requests(pans));
    const froms: number[] = [];
    let committed = 0;
    await runFleetKeyChange(plan.items, plan.vendingKeys, {
      workers: 2, chunkSize: 5, inThreadBelow: 0, verify: true,
      onOutcomes: (chunk, from) => { froms.push(from); committed += hsm.commitFleetKeyChange(chunk, CTX).committed; },
    });
    expect(froms).toEqual([0, 5, 10, 15, 20, 25, 30, 35]);
    expect(committed).toBe(40);
    const recs = hsm.auditRecords().filter((r) => r.kind === 'keychange');
    expect(recs.map((r) => r.pan)).toEqual(pans);
    expect(hsm.verifyAudit().ok).toBe(true);
  });
});

describe('audit appends in bulk', () => {
  it('AuditAppender writes the same records and head as appendAudit once per record', () => {
    fc.assert(fc.property(fc.array(fc.record({
      operator: fc.string({ minLength: 1, maxLength: 10 }), pan: fc.option(fc.stringMatching(/^\d{18}$/)), kind: fc.constantFrom('keychange', 'vend'),
      outcome: fc.constantFrom('issued', 'refused') as fc.Arbitrary<'issued' | 'refused'>, amount: fc.option(fc.string({ maxLength: 20 })), tid: fc.option(fc.nat()),
    }), { maxLength: 8 }), (entries) => {
      const key = new Uint8Array(32).fill(3);
      const a = new MemoryStore();
      const b = new MemoryStore();
      for (const s of [a, b]) s.transaction(() => initAudit(s, key));
      const full = entries.map((e, i) => ({ ...e, at: `2026-12-01T00:00:0${i % 10}.000Z`, vendingPoint: 'vp', transactionId: `t${i}`, errorCode: null, tokenHash: null }));
      a.transaction(() => { for (const e of full) appendAudit(a, key, e); });
      b.transaction(() => {
        const appender = new AuditAppender(b, key, (t) => bytesToHex(sha256(utf8ToBytes(t))));
        for (const e of full) appender.append(e);
        appender.finish();
      });
      expect(b.readAudit()).toEqual(a.readAudit());
      expect(b.getMeta('audit_head')).toBe(a.getMeta('audit_head'));
      for (const r of b.readAudit()) expect(auditHash(r)).toBe(r.hash);
    }), { numRuns: 50 });
  });

  it('sha256HexOfText is SHA-256 of the UTF-8 text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), (t) => {
      expect(sha256HexOfText(t)).toBe(bytesToHex(sha256(utf8ToBytes(t))));
    }), { numRuns: 200 });
  });
});

describe('native primitives (SQLite store)', () => {
  const native = nativeFleetCrypto();
  it('are available here and give the portable results byte for byte', () => {
    expect(native).not.toBeNull();
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 24, maxLength: 24 }),
      fc.stringMatching(/^[A-Za-z0-9._:-]{1,100}$/), fc.string({ unit: 'grapheme', maxLength: 600 }), (key, nonce, id, text) => {
        const json = JSON.stringify(text);
        const got = native!.sealText(key, id, json, nonce);
        expect(bytesToHex(got)).toBe(bytesToHex(sealText(key, id, json, nonce)));
        expect(unseal<string>(key, id, got)).toBe(text);
        expect(native!.sha256Hex(text)).toBe(sha256HexOfText(text));
      }), { numRuns: 100 });
  });
});

describe('the fleet in the SQLite file', () => {
  it('no key material and no token in clear', () => {
    const path = join(tmp.dir, 'clear.db');
    const { hsm, pans } = fleet(2, openSqliteStore(path, { create: true }));
    const plan = hsm.prepareFleetKeyChange(requests(pans));
    const made = keyChangeBatch(plan.items, plan.vendingKeys, { verify: true });
    hsm.commitFleetKeyChange(made, CTX);
    hsm.close();
    const bytes = Buffer.concat([path, `${path}-wal`].filter((p) => existsSync(p)).map((p) => readFileSync(p)));
    for (const o of made) for (const t of o.ok ? o.tokens : []) expect(bytes.includes(Buffer.from(t))).toBe(false);
    for (const hex of [VK04, VK04_KRN2]) expect(bytes.includes(Buffer.from(hex, 'hex'))).toBe(false);
  });
});

describe('hsm keychange --fleet (CLI), above the in-thread size', () => {
  it('records every meter chunk by chunk, outcomes in file order; an existing --out file stops it before anything is recorded', async () => {
    const path = join(tmp.dir, 'cli.db');
    const { hsm, pans } = fleet(2100, openSqliteStore(path, { create: true }));
    const auditBefore = hsm.auditRecords().length;
    hsm.close();
    const csv = join(tmp.dir, 'fleet.csv');
    writeFileSync(csv, `pan\n${[...pans].reverse().join('\n')}\n`);
    const out = join(tmp.dir, 'fleet-out.csv');
    writeFileSync(out, 'keep me\n');
    const env = { HYDROSYNC_MASTER_KEY: MASTER_HEX, HYDROSYNC_OPERATOR: 'fleet-bot' };
    const args = ['hsm', 'keychange', '--store', path, '--fleet', csv, '--new-krn', '2', '--out', out, '--txn', 'F', '--quiet'];
    const refused = await runCapture(args, { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already exists; give --force/);
    expect(readFileSync(out, 'utf8')).toBe('keep me\n');
    const ok = await runCapture([...args, '--force'], { env });
    expect(ok.code, ok.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(lines.map((l) => l[0])).toEqual([...pans].reverse());
    expect(lines.every((l) => l[1] === 'true' && l.slice(4).every((t) => /^\d{20}$/.test(t)))).toBe(true);
    const check = openHsm({ store: openSqliteStore(path), masterKey: MASTER, clock: () => new Date('2026-12-01T03:00:00Z') });
    try {
      expect(check.verifyAudit()).toEqual({ ok: true, records: auditBefore + 2100 });
      expect(check.auditRecords({ fromSeq: auditBefore + 1 }).map((r) => r.pan)).toEqual([...pans].reverse());
      expect(check.listMeters().every((m) => m.keyRevisionNumber === 2)).toBe(true);
      const last = lines.at(-1)!;
      const re = check.keyChange({ ...CTX, pan: last[0]!, newKeyRevisionNumber: 2, transactionId: `F:${last[0]}` });
      expect(re).toMatchObject({ reissued: true, tokens: last.slice(4) });
    } finally {
      check.close();
    }
  });
});
