import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { type AuditRecord, MemoryStore, openHsm } from '../src/hsm';
import { CTX, MASTER, PAN, setup } from './hsm-support';

// The audit hash chain against an oracle written here from its documented definition
// (src/hsm/audit.ts, docs/security-module.md): hash = SHA-256 of the JSON array
// ["hydrosync-audit/1", seq, at, operator, vendingPoint, transactionId, pan, kind, outcome,
//  errorCode, amount, tid, tokenHash, prevHash], prevHash of the first record 64 zeros.

const ZEROS = '0'.repeat(64);
const oracleHash = (r: Omit<AuditRecord, 'hash'>): string => bytesToHex(sha256(utf8ToBytes(JSON.stringify([
  'hydrosync-audit/1', r.seq, r.at, r.operator, r.vendingPoint, r.transactionId, r.pan, r.kind, r.outcome, r.errorCode, r.amount, r.tid, r.tokenHash, r.prevHash,
]))));

/** An HSM with a few records of every shape (issued, refused, management), and its store. */
async function logged() {
  const { hsm, store } = await setup();
  await hsm.vend({ ...CTX, pan: PAN, litres: 1000, transactionId: 't-1' });
  await hsm.vend({ ...CTX, pan: PAN, litres: 1000, transactionId: 't-1' }); // reissue
  await expect(hsm.vend({ ...CTX, pan: PAN, litres: 0 })).rejects.toThrow();
  await hsm.manage({ ...CTX, pan: PAN, action: 'clearTamper' });
  await hsm.vend({ ...CTX, pan: PAN, cubicMetres: '2.5' });
  return { hsm, store: store as MemoryStore };
}

/** Verify a copy of the store after `tamper` changed its records. */
async function verifyAfter(store: MemoryStore, tamper: (audit: AuditRecord[]) => void) {
  const snap = structuredClone(store.snapshot());
  tamper(snap.audit);
  return (await openHsm({ store: MemoryStore.fromSnapshot(snap), masterKey: MASTER })).verifyAudit();
}

describe('audit chain', () => {
  it('every record the module writes hashes and links as documented (checked by the oracle)', async () => {
    const { hsm } = await logged();
    const recs = await hsm.auditRecords();
    expect(recs.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    let prev = ZEROS;
    for (const r of recs) {
      expect(r.prevHash).toBe(prev);
      expect(r.hash).toBe(oracleHash(r));
      prev = r.hash;
    }
    expect(await hsm.verifyAudit()).toEqual({ ok: true, records: 8 });
  });

  it('an edit with every later record re-hashed and re-linked (a consistent chain) is caught by the head', async () => {
    const { store } = await logged();
    const v = verifyAfter(store, (audit) => {
      const i = audit.findIndex((r) => r.seq === 4);
      audit[i]!.amount = '999999 L';
      let prev = audit[i - 1]!.hash;
      for (let j = i; j < audit.length; j++) {
        audit[j]!.prevHash = prev;
        audit[j]!.hash = oracleHash(audit[j]!);
        prev = audit[j]!.hash;
      }
    });
    expect((await v).ok).toBe(false);
    expect((await v).firstBad).toMatchObject({ seq: 8, reason: 'edited' });
    expect((await v).firstBad!.message).toMatch(/re-chained/);
  });

  it('re-chaining from the first record on is caught the same way', async () => {
    const { store } = await logged();
    const v = verifyAfter(store, (audit) => {
      audit[0]!.operator = 'mallory';
      let prev = ZEROS;
      for (const r of audit) {
        r.prevHash = prev;
        r.hash = oracleHash(r);
        prev = r.hash;
      }
    });
    expect([(await v).ok, (await v).firstBad?.seq, (await v).firstBad?.reason]).toEqual([false, 8, 'edited']);
  });

  it('an edit of the first record whose later link was not fixed is named as record 1', async () => {
    const { store } = await logged();
    const v = verifyAfter(store, (audit) => {
      audit[0]!.operator = 'mallory';
      audit[0]!.hash = oracleHash(audit[0]!);
    });
    expect([(await v).ok, (await v).firstBad?.seq, (await v).firstBad?.reason]).toEqual([false, 1, 'edited']);
  });

  it('a first record that links to something other than 64 zeros is named', async () => {
    const { store } = await logged();
    const v = verifyAfter(store, (audit) => {
      audit[0]!.prevHash = 'f'.repeat(64);
      audit[0]!.hash = oracleHash(audit[0]!);
    });
    expect([(await v).ok, (await v).firstBad?.seq]).toEqual([false, 1]);
  });

  it('an unchanged log of an HSM opened again verifies, and appending goes on from the head', async () => {
    const { store } = await logged();
    const hsm2 = await openHsm({ store, masterKey: MASTER });
    await hsm2.vend({ ...CTX, pan: PAN, litres: 100 });
    const recs = await hsm2.auditRecords();
    expect(recs.at(-1)).toMatchObject({ seq: 9, prevHash: recs.at(-2)!.hash });
    expect(recs.at(-1)!.hash).toBe(oracleHash(recs.at(-1)!));
    expect(await hsm2.verifyAudit()).toEqual({ ok: true, records: 9 });
  });
});
