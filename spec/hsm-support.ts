// Shared set-up for the security-module specs (spec/hsm-*.test.ts).
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { luhnCheckDigit, makeMeterPan } from '../src/codec';
import { type Hsm, type HsmConfig, type HsmStore, MemoryStore, initHsm, openHsm, parseMasterKey } from '../src/hsm';

export const MASTER_HEX = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
export const OTHER_MASTER_HEX = 'f'.repeat(64);
export const MASTER = parseMasterKey(MASTER_HEX);
/** The public STS compliance vending keys (reference §7.2, §7.5): test use only. */
export const VK04 = 'abababababababab949494949494949401234567';
export const VK02 = 'abababababababab';
/** A second 160-bit key for key changes (made up for the tests). */
export const VK04_KRN2 = '0123456789abcdef0123456789abcdef01234567';
export const PAN = '600727000000000009';
export const PAN2 = '600727111111111153';
/** A valid MeterPAN for meter number n (IIN 600727, DRN = 10-digit serial + Luhn digit). */
export function panOf(n: number): string {
  const serial = String(n).padStart(10, '0');
  return makeMeterPan('600727', serial + luhnCheckDigit(serial));
}
export const OP = { operator: 'alice' };
export const CTX = { operator: 'alice', vendingPoint: 'till-1' };

/** A settable clock: starts at 2026-12-01 02:30 UTC = 09:30 WIB. */
export function makeClock(start = '2026-12-01T02:30:00Z') {
  let t = new Date(start).getTime();
  const clock = () => new Date(t);
  return {
    clock,
    set: (iso: string) => { t = new Date(iso).getTime(); },
    advance: (ms: number) => { t += ms; },
  };
}

let storeFactory: () => Promise<HsmStore> = async () => new MemoryStore();
/**
 * The store setup() makes when none is given (default: a MemoryStore). The suites that run the
 * security-module specs on SQLite and PostgreSQL (spec/hsm-on-*.test.ts) set it.
 */
export function useStoreFactory(f: () => Promise<HsmStore>): void {
  storeFactory = f;
}

/** An initialised Hsm with the DKGA04 EA11 key (SGC 201457, KRN 1, BD 2014) and one meter. */
export async function setup(options: { store?: HsmStore; config?: Partial<HsmConfig>; start?: string; meter?: boolean } = {}) {
  const store = options.store ?? await storeFactory();
  const c = makeClock(options.start);
  await initHsm(store, MASTER, options.config ?? {}, c.clock());
  const hsm = await openHsm({ store, masterKey: MASTER, clock: c.clock });
  await hsm.importVendingKey({
    id: 'sgc201457-krn1', keyHex: VK04, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 1, vendingKeyType: 'unique',
    baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00',
  }, OP);
  if (options.meter !== false) {
    await hsm.addMeter({ pan: PAN, customerReference: 'CUST-1', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, OP);
  }
  return { hsm, store, ...c };
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'hydrosync-hsm-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export type { Hsm };

/** Version 4's forms of a transaction id (16 bytes for a lowercase UUID) and a time (integer ms) → text. */
const v4Id = (v: unknown) => {
  if (!Buffer.isBuffer(v)) return v;
  const h = v.toString('hex');
  return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join('-');
};
const v4At = (v: unknown) => (typeof v === 'number' ? new Date(v).toISOString() : v);

/** A version 4 SQLite store → version 3 (separate transactions table, ids and times as text, the audit's time index). */
function downgradeSqliteStoreTo3(db: InstanceType<typeof Database>): void {
  db.exec(`BEGIN;
    CREATE TABLE audit_v3 (
      id INTEGER PRIMARY KEY, chain TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, operator TEXT NOT NULL,
      vending_point TEXT NOT NULL, transaction_id TEXT NOT NULL, pan TEXT, kind TEXT NOT NULL,
      outcome TEXT NOT NULL, error_code TEXT, amount TEXT, tid INTEGER, token_hash BLOB,
      prev_hash BLOB NOT NULL, hash BLOB NOT NULL, UNIQUE (chain, seq));
    CREATE TABLE transactions_v3 (id TEXT PRIMARY KEY, fingerprint BLOB NOT NULL, kind TEXT NOT NULL, pan TEXT, at TEXT NOT NULL, sealed BLOB NOT NULL) WITHOUT ROWID;`);
  const audit = db.prepare(`INSERT INTO audit_v3 (id, chain, seq, at, operator, vending_point, transaction_id, pan, kind, outcome, error_code, amount, tid,
    token_hash, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
  const tx = db.prepare('INSERT INTO transactions_v3 (id, fingerprint, kind, pan, at, sealed) VALUES (?,?,?,?,?,?)');
  for (const r of db.prepare('SELECT * FROM audit ORDER BY id').all() as Record<string, unknown>[]) {
    if (r.chain !== null) {
      audit.run(r.id, r.chain, r.seq, v4At(r.at), r.operator, r.vending_point, v4Id(r.transaction_id), r.pan, r.kind, r.outcome, r.error_code,
        r.amount, r.tid, r.token_hash, r.prev_hash, r.hash);
    }
    if (r.sealed !== null) tx.run(v4Id(r.transaction_id), r.fingerprint, r.kind, r.pan, v4At(r.at), r.sealed);
  }
  db.exec(`DROP TABLE audit; ALTER TABLE audit_v3 RENAME TO audit; ALTER TABLE transactions_v3 RENAME TO transactions;
    CREATE INDEX audit_by_time ON audit (at, chain, id); CREATE INDEX transactions_by_pan ON transactions (pan, at);
    PRAGMA user_version = 3; COMMIT;`);
}

/**
 * Turn a current SQLite store back into one as hydrosync wrote it at schema version 3 (a
 * transactions table of its own, ids and times as text), 2 (also one audit chain, seq as the key,
 * no index on transactions) or 1 (also without the report tables), to test migrations. The
 * content (records, hashes, head, transactions) is kept.
 */
export function downgradeSqliteStore(path: string, version: 1 | 2 | 3): void {
  const db = new Database(path);
  downgradeSqliteStoreTo3(db);
  if (version === 3) {
    db.close();
    return;
  }
  db.exec(`BEGIN;
    CREATE TABLE audit_v2 (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, operator TEXT NOT NULL, vending_point TEXT NOT NULL,
      transaction_id TEXT NOT NULL, pan TEXT, kind TEXT NOT NULL, outcome TEXT NOT NULL, error_code TEXT, amount TEXT, tid INTEGER,
      token_hash TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
    INSERT INTO audit_v2 SELECT seq, at, operator, vending_point, transaction_id, pan, kind, outcome, error_code, amount, tid, token_hash, prev_hash, hash FROM audit ORDER BY id;
    DROP TABLE audit; ALTER TABLE audit_v2 RENAME TO audit; DROP INDEX transactions_by_pan;
    ${version === 1 ? 'DROP TABLE report_state; DROP TABLE reports;' : ''}
    PRAGMA user_version = ${version}; COMMIT;`);
  db.close();
}
