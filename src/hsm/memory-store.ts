/**
 * In-memory HsmStore for tests and browsers. Transactions run one at a time (queued) and keep an
 * undo log: a throw inside transaction() undoes every change made in it. `snapshot()` / `MemoryStore.fromSnapshot()` give
 * a plain JSON-able copy, so a browser app can persist the store (e.g. in IndexedDB).
 */
import { fail } from '../errors';
import { bytesToHex, hexToBytes } from '../codec/hex';
import type { HsmStore, StoreTx, TransactionRow, VendingKeyRow } from './store';
import type { ReportRow, ReportStateRow } from './report-rows';
import type { AuditRecord, MeterRecord } from './types';

/**
 * The `format` of a MemoryStore snapshot (`hydrosync-hsm-memory/1`).
 */
export const MEMORY_SNAPSHOT_FORMAT = 'hydrosync-hsm-memory/1';

/** A MemoryStore's content as plain data (binary fields as hex). */
export interface MemorySnapshot {
  format: typeof MEMORY_SNAPSHOT_FORMAT;
  meta: Record<string, string>;
  vendingKeys: (Omit<VendingKeyRow, 'wrapped'> & { wrapped: string })[];
  meters: MeterRecord[];
  transactions: (Omit<TransactionRow, 'sealed'> & { sealed: string })[];
  counters: Record<string, number>;
  audit: AuditRecord[];
  /** Meter reports (absent in snapshots made before reports). */
  reportState?: Record<string, ReportStateRow>;
  reports?: ReportRow[];
}

const copyKey = (r: VendingKeyRow): VendingKeyRow => ({ ...r, wrapped: Uint8Array.from(r.wrapped) });
const copyMeter = (m: MeterRecord): MeterRecord => (m.monthToDate ? { ...m, monthToDate: { ...m.monthToDate } } : { ...m });
const copyTx = (r: TransactionRow): TransactionRow => ({ ...r, sealed: Uint8Array.from(r.sealed) });

/**
 * An HsmStore in memory (tests, browsers, short-lived tools); `snapshot()` and
 * MemoryStore.fromSnapshot carry its content across runs.
 * @example
 * ```ts
 * const store = new MemoryStore();
 * await initHsm(store, masterKey);
 * const hsm = await openHsm({ store, masterKey });
 * ```
 */
export class MemoryStore implements HsmStore {
  readonly kind = 'memory';
  readonly #data = new MemoryData();
  #queue: Promise<unknown> = Promise.resolve();

  transaction<T>(fn: (tx: StoreTx) => Promise<T>, _options?: { readOnly?: boolean }): Promise<T> {
    const data = this.#data;
    const run = async (): Promise<T> => {
      data.open();
      const undo: (() => void)[] = [];
      data.undo = undo;
      let live = true;
      try {
        return await fn(txOf(data, () => live));
      } catch (e) {
        for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
        throw e;
      } finally {
        live = false;
        data.undo = null;
      }
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    this.#data.closed = true;
  }

  snapshot(): MemorySnapshot {
    return this.#data.snapshot();
  }

  /**
   * A store holding a snapshot's content.
   * @param s - a snapshot from `store.snapshot()` (format MEMORY_SNAPSHOT_FORMAT)
   * @throws HydroSyncError `STORE` if it is not a MemoryStore snapshot.
   */
  static fromSnapshot(s: MemorySnapshot): MemoryStore {
    const store = new MemoryStore();
    store.#data.load(s);
    return store;
  }
}

/** A StoreTx over the data, usable only while its transaction runs and the store is open. */
function txOf(d: MemoryData, live: () => boolean): StoreTx {
  const call = <A extends unknown[], R>(f: (...a: A) => R) => async (...a: A): Promise<R> => {
    if (!live()) fail('STORE', 'this store transaction has ended; use the tx of a running transaction');
    d.open();
    return f.apply(d, a);
  };
  return {
    getMeta: call(d.getMeta), setMeta: call(d.setMeta), listMeta: call(d.listMeta),
    getVendingKey: call(d.getVendingKey), listVendingKeys: call(d.listVendingKeys), insertVendingKey: call(d.insertVendingKey),
    getMeter: call(d.getMeter), listMeters: call(d.listMeters), insertMeter: call(d.insertMeter), updateMeter: call(d.updateMeter),
    getTransaction: call(d.getTransaction), insertTransaction: call(d.insertTransaction), listTransactions: call(d.listTransactions),
    getCounter: call(d.getCounter), addToCounter: call(d.addToCounter),
    getReportState: call(d.getReportState), setReportState: call(d.setReportState), insertReport: call(d.insertReport), listReports: call(d.listReports),
    appendAudit: call(d.appendAudit), readAudit: call(d.readAudit),
  };
}

/** The rows, with an undo log while a transaction runs. */
class MemoryData {
  readonly #meta = new Map<string, string>();
  readonly #keys = new Map<string, VendingKeyRow>();
  readonly #meters = new Map<string, MeterRecord>();
  readonly #transactions = new Map<string, TransactionRow>();
  readonly #counters = new Map<string, number>();
  readonly #audit: AuditRecord[] = [];
  /** chain + NUL + seq of every audit record: the store's unique key, checked in constant time. */
  readonly #auditKeys = new Set<string>();
  readonly #reportState = new Map<string, ReportStateRow>();
  readonly #reports = new Map<string, ReportRow>();
  undo: (() => void)[] | null = null;
  closed = false;

  getMeta(name: string): string | undefined {
    return this.#meta.get(name);
  }
  setMeta(name: string, value: string): void {
    this.#set(this.#meta, name, value);
  }
  listMeta(prefix: string): [string, string][] {
    return [...this.#meta].filter(([k]) => k.startsWith(prefix)).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }

  getVendingKey(id: string): VendingKeyRow | undefined {
    const r = this.#keys.get(id);
    return r && copyKey(r);
  }
  listVendingKeys(): VendingKeyRow[] {
    return [...this.#keys.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map(copyKey);
  }
  insertVendingKey(row: VendingKeyRow): void {
    if (this.#keys.has(row.id)) fail('CONFLICT', `vending key ${row.id} is already in the store`);
    this.#set(this.#keys, row.id, copyKey(row));
  }

  getMeter(pan: string): MeterRecord | undefined {
    const m = this.#meters.get(pan);
    return m && copyMeter(m);
  }
  listMeters(filter: { supplyGroupCode?: string } = {}): MeterRecord[] {
    return [...this.#meters.values()]
      .filter((m) => filter.supplyGroupCode === undefined || m.supplyGroupCode === filter.supplyGroupCode)
      .sort((a, b) => (a.pan < b.pan ? -1 : 1))
      .map(copyMeter);
  }
  insertMeter(meter: MeterRecord): void {
    if (this.#meters.has(meter.pan)) fail('CONFLICT', `meter ${meter.pan} is already registered`);
    this.#set(this.#meters, meter.pan, copyMeter(meter));
  }
  updateMeter(meter: MeterRecord): void {
    if (!this.#meters.has(meter.pan)) fail('NOT_FOUND', `meter ${meter.pan} is not registered`);
    this.#set(this.#meters, meter.pan, copyMeter(meter));
  }

  getTransaction(id: string): TransactionRow | undefined {
    const r = this.#transactions.get(id);
    return r && copyTx(r);
  }
  listTransactions(filter: { pan: string; fromAt?: string; toAt?: string }): Omit<TransactionRow, 'sealed'>[] {
    const out: Omit<TransactionRow, 'sealed'>[] = [];
    for (const { sealed: _, ...t } of this.#transactions.values()) {
      if (t.pan === filter.pan && (filter.fromAt === undefined || t.at >= filter.fromAt) && (filter.toAt === undefined || t.at < filter.toAt)) out.push(t);
    }
    return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
  }
  insertTransaction(row: TransactionRow): void {
    if (this.#transactions.has(row.id)) fail('CONFLICT', `transaction ${row.id} is already recorded`);
    this.#set(this.#transactions, row.id, copyTx(row));
  }

  getCounter(name: string): number {
    return this.#counters.get(name) ?? 0;
  }
  addToCounter(name: string, delta: number): void {
    this.#set(this.#counters, name, (this.#counters.get(name) ?? 0) + delta);
  }

  getReportState(pan: string): ReportStateRow | undefined {
    const r = this.#reportState.get(pan);
    return r && { ...r };
  }
  setReportState(pan: string, state: ReportStateRow): void {
    this.#set(this.#reportState, pan, { last: state.last, seen: state.seen });
  }
  insertReport(row: ReportRow): void {
    const id = `${row.pan}:${row.counter}`;
    if (this.#reports.has(id)) fail('CONFLICT', `report ${row.counter} of meter ${row.pan} is already stored`);
    this.#set(this.#reports, id, { ...row });
  }
  listReports(pan: string, limit: number): ReportRow[] {
    return [...this.#reports.values()].filter((r) => r.pan === pan).sort((a, b) => b.counter - a.counter).slice(0, limit).map((r) => ({ ...r }));
  }

  appendAudit(record: AuditRecord): void {
    const key = `${record.chain}\u0000${record.seq}`;
    if (this.#auditKeys.has(key)) fail('AUDIT', `audit record ${record.seq} of chain ${record.chain} already exists`);
    this.#audit.push({ ...record });
    this.#auditKeys.add(key);
    this.undo?.push(() => { this.#audit.pop(); this.#auditKeys.delete(key); });
  }
  readAudit(options: { chain?: string; fromSeq?: number; limit?: number } = {}): AuditRecord[] {
    const { chain, fromSeq = -Infinity, limit = Infinity } = options;
    // All chains: by time, then chain, then append order (the sort is stable).
    const rows = chain === undefined
      ? [...this.#audit].sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : x.chain < y.chain ? -1 : x.chain > y.chain ? 1 : 0))
      : this.#audit.filter((r) => r.chain === chain);
    return rows.filter((r) => r.seq >= fromSeq).slice(0, Math.max(0, limit)).map((r) => ({ ...r }));
  }

  snapshot(): MemorySnapshot {
    this.open();
    return {
      format: MEMORY_SNAPSHOT_FORMAT,
      meta: Object.fromEntries(this.#meta),
      vendingKeys: [...this.#keys.values()].map((r) => ({ ...r, wrapped: bytesToHex(r.wrapped) })),
      meters: [...this.#meters.values()].map(copyMeter),
      transactions: [...this.#transactions.values()].map((r) => ({ ...r, sealed: bytesToHex(r.sealed) })),
      counters: Object.fromEntries(this.#counters),
      audit: this.#audit.map((r) => ({ ...r })),
      reportState: Object.fromEntries(this.#reportState),
      reports: [...this.#reports.values()].map((r) => ({ ...r })),
    };
  }

  load(s: MemorySnapshot): void {
    if (s === null || typeof s !== 'object' || s.format !== MEMORY_SNAPSHOT_FORMAT) {
      fail('STORE', `not a HydroSync memory store snapshot (expected format "${MEMORY_SNAPSHOT_FORMAT}")`);
    }
    const store = this;
    try {
      for (const [k, v] of Object.entries(s.meta)) store.#meta.set(k, String(v));
      for (const r of s.vendingKeys) store.#keys.set(r.id, { ...r, wrapped: hexToBytes(r.wrapped) });
      for (const m of s.meters) store.#meters.set(m.pan, copyMeter(m));
      for (const r of s.transactions) store.#transactions.set(r.id, { ...r, sealed: hexToBytes(r.sealed) });
      for (const [k, v] of Object.entries(s.counters)) store.#counters.set(k, Number(v));
      for (const r of s.audit) {
        const chain = typeof r.chain === 'string' ? r.chain : 'main';
        store.#audit.push({ ...r, chain });
        store.#auditKeys.add(`${chain}\u0000${r.seq}`);
      }
      for (const [k, v] of Object.entries(s.reportState ?? {})) store.#reportState.set(k, { last: Number(v.last), seen: Number(v.seen) });
      for (const r of s.reports ?? []) store.#reports.set(`${r.pan}:${r.counter}`, { ...r });
    } catch {
      fail('STORE', 'the memory store snapshot is malformed');
    }
  }

  open(): void {
    if (this.closed) fail('STORE', 'the store is closed');
  }

  #set<V>(map: Map<string, V>, key: string, value: V): void {
    if (this.undo !== null) {
      const had = map.has(key);
      const old = map.get(key);
      this.undo.push(() => { if (had) map.set(key, old as V); else map.delete(key); });
    }
    map.set(key, value);
  }
}
