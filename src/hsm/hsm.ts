/**
 * The emulated security module: a software HSM over an HsmStore. Applications ask it for tokens;
 * vending keys stay inside (wrapped in the store, unwrapped only in this instance's memory).
 * Open one with openHsm(); see README "Security module".
 */
import { type AuditPage, type AuditQuery, queryAudit } from './audit-query';
import { fail } from '../errors';
import { parseMeterPan } from '../codec/pan';
import type { StaTables } from '../cipher/sta-tables';
import { keyCheckValue } from '../keys/key-check-value';
import { type DecodeFailure, tryDecodeToken } from '../tokens/decode';
import { type TokenDescription, describeToken } from '../tokens/describe';
import type { Token } from '../tokens/types';
import { type AuditCheckpoint, auditCheckpoint, checkChainName, verifyAuditLog } from './audit';
import { auditToCsv, auditToNdjson } from './audit-export';
import { copyConfig, mergeConfig } from './config';
import { Core } from './core';
import { vendingKeyInfo } from './key-store';
import { keyChange } from './key-change';
import { keyChangeFleet } from './key-change-fleet';
import { readUsage } from './limits';
import { manage } from './manage';
import type { MasterKeys } from './master-key';
import { runAdmin } from './operation';
import { type TransactionSummary, meterTransactions, reprint } from './reprint';
import { addMeter, importVendingKey, requireMeter } from './registry';
import type { HsmStore, StoreTx } from './store';
import type {
  AuditRecord, AuditVerification, FleetOptions, FleetRequest, FleetResult, HsmConfig, Issued, KeyChangeRequest, ManageRequest, MeterAdd,
  MeterRecord, VendRequest, VendingKeyImport, VendingKeyInfo,
} from './types';
import { vend } from './vend';
import { type AcceptedReport, type ReportSubmission, verifyReport } from './report';
import { type ReportSummary, reportSummary } from './report-summary';

const INTERNAL = Symbol('hydrosync.hsm.internal');

/** What Hsm.verify says about a token: what it carries, or why it does not decode with the meter's key. */
export type TokenVerification =
  | { readonly ok: true; readonly token: Token; readonly description: TokenDescription }
  | DecodeFailure;

/**
 * The emulated security module: vending, management and key-change tokens for registered meters,
 * limits, block tariffs and a hash-chained audit log. Make one with initHsm and openHsm.
 * @example
 * ```ts
 * const hsm = await openHsm({ store: new MemoryStore(), masterKey }); // after initHsm(store, masterKey)
 * const r = await hsm.vend({ operator: 'alice', vendingPoint: 'till-1', pan: '600727000000000009', rupiah: 50000 });
 * ```
 */
export class Hsm {
  readonly #core: Core;
  #closed = false;

  /** Use openHsm(). */
  private constructor(token: symbol, store: HsmStore, keys: MasterKeys, clock: () => Date, chain: string, staTables?: StaTables) {
    if (token !== INTERNAL) fail('USAGE', 'open a security module with openHsm({ store, masterKey })');
    this.#core = new Core(store, keys, clock, chain, staTables);
  }

  /** @internal */
  static create(store: HsmStore, keys: MasterKeys, clock: () => Date, chain: string, staTables?: StaTables): Hsm {
    return new Hsm(INTERNAL, store, keys, clock, chain, staTables);
  }

  /** This node's name: the audit chain its records go to. */
  get node(): string {
    return this.#core.chain;
  }

  /** A read-only transaction of the store. */
  #read<T>(fn: (tx: StoreTx, core: Core) => Promise<T>): Promise<T> {
    const core = this.#c();
    return core.store.transaction((tx) => fn(tx, core), { readOnly: true });
  }

  /** A read-only transaction with a registered meter: FORMAT/CHECK_DIGIT for a malformed PAN, NOT_FOUND for an unknown meter. */
  #readMeter<T>(pan: string, fn: (tx: StoreTx, meter: MeterRecord, core: Core) => Promise<T> | T): Promise<T> {
    const p = parseMeterPan(pan).pan;
    return this.#read(async (tx, core) => fn(tx, await requireMeter(tx, p), core));
  }

  #c(): Core {
    if (this.#closed) fail('STORE', 'this security module was closed');
    return this.#core;
  }

  async config(): Promise<HsmConfig> {
    return copyConfig(await this.#read((tx, core) => core.config(tx)));
  }

  /** Change configuration fields (validated, audited as 'config'). */
  setConfig(changes: Partial<HsmConfig>, ctx: { operator: string }): Promise<HsmConfig> {
    const core = this.#c();
    return runAdmin(core, 'config', ctx, () => ({ pan: null, amount: changes && typeof changes === 'object' ? Object.keys(changes).join(',').slice(0, 100) : null }), async (tx) => {
      await tx.getMeta('config', { lock: true });
      const next = mergeConfig(await core.config(tx), changes);
      await tx.setMeta('config', JSON.stringify(next));
      return copyConfig(next);
    });
  }

  importVendingKey(imp: VendingKeyImport, ctx: { operator: string }): Promise<VendingKeyInfo> {
    const core = this.#c();
    return runAdmin(core, 'key-import', ctx, () => ({ pan: null, amount: typeof imp?.id === 'string' ? `vending key ${imp.id.slice(0, 64)}` : null }),
      (tx, now) => importVendingKey(core, tx, imp, now));
  }

  async listVendingKeys(): Promise<VendingKeyInfo[]> {
    return (await this.#read((tx) => tx.listVendingKeys())).map(vendingKeyInfo);
  }

  addMeter(m: MeterAdd, ctx: { operator: string }): Promise<MeterRecord> {
    const core = this.#c();
    return runAdmin(core, 'meter-add', ctx, () => ({ pan: parseMeterPan(m?.pan).pan, amount: null }), (tx, now) => addMeter(core, tx, m, now));
  }

  listMeters(filter?: { supplyGroupCode?: string }): Promise<MeterRecord[]> {
    return this.#read((tx) => tx.listMeters(filter ?? {}));
  }

  /** NOT_FOUND for an unknown meter. */
  async getMeter(pan: string): Promise<MeterRecord> {
    return this.#readMeter(pan, (_tx, meter) => meter);
  }

  vend(req: VendRequest): Promise<Issued> {
    return vend(this.#c(), req);
  }

  manage(req: ManageRequest): Promise<Issued> {
    return manage(this.#c(), req);
  }

  keyChange(req: KeyChangeRequest): Promise<Issued> {
    return keyChange(this.#c(), req);
  }

  /**
   * The sealed original result of a completed transaction (a lost receipt): the same tokens
   * (`reissued: true`), without the original request; audited as 'reprint'. NOT_FOUND for an
   * unknown id.
   */
  reprint(req: { transactionId: string; operator: string; vendingPoint?: string }): Promise<Issued> {
    return reprint(this.#c(), req);
  }

  /** A meter's completed transactions in time order, from/to local dates YYYY-MM-DD (inclusive). Not audited. */
  async transactions(pan: string, range: { from?: string; to?: string } = {}): Promise<TransactionSummary[]> {
    return this.#readMeter(pan, (tx, meter, core) => meterTransactions(core, tx, meter.pan, range ?? {}));
  }

  /**
   * The key check value of the meter's current decoder key (6 hex digits, the zero block encrypted
   * with it): the value `meter status` shows for the meter's key, so the two can be compared
   * without revealing the key. NOT_FOUND for an unknown meter.
   */
  async keyCheckValue(pan: string): Promise<string> {
    return this.#readMeter(pan, async (tx, meter, core) => keyCheckValue(await core.meterDecoderKey(tx, meter)));
  }

  /**
   * Decode a token with the meter's current decoder key, as the meter would, for support staff
   * ("does this token belong to this meter, and what does it carry?"). Not audited. A token that
   * does not decode is an answer, not an error: it comes back as `{ ok: false, code, message }`.
   *
   * @param pan - the 18-digit MeterPAN of a registered meter.
   * @param token - the 20-digit token (spaces and dashes allowed).
   * @returns `{ ok: true, token, description }`, or `{ ok: false, code, message }` with code
   *   `FORMAT` (not a token), `CRC` (mistyped, or for another meter or key) or `FUNCTION` (a
   *   reserved class or subclass); the message is built when first read.
   * @throws HydroSyncError `FORMAT`/`CHECK_DIGIT` for a malformed MeterPAN, `NOT_FOUND` for a meter
   *   that is not registered.
   * @example
   * ```ts
   * const v = await hsm.verify('600727000000000009', '4718 6281 2079 5515 5808');
   * if (v.ok) v.description.meaning; // { litres: 100, dateTime: … }
   * else v.code;                     // 'CRC'
   * ```
   */
  async verify(pan: string, token: string): Promise<TokenVerification> {
    const { meter, dk } = await this.#readMeter(pan, async (tx, m, core) => ({ meter: m, dk: await core.meterDecoderKey(tx, m) }));
    const r = tryDecodeToken(token, dk);
    if (!r.ok) return r;
    return { ok: true, token: r.token, description: describeToken(r.token, { baseDate: meter.baseDate, keyExpiryNumber: meter.keyExpiryNumber }) };
  }

  /**
   * Verify and store a meter report (docs/reports.md): the binary frame or the 20-digit report
   * code, checked under the report key derived from the meter's decoder key, then the counter rule.
   * Never throws for a bad report: `{ ok: false, code, message }` (FORMAT, FUNCTION, RANGE, KEY,
   * MAC, OLD, USED, NOT_FOUND, LIMIT after 10 failed codes for a meter in an hour). Audited.
   * @example
   *   const r = await hsm.verifyReport({ pan, code: '4607 8792 3117 0297 8024' }, { operator: 'website' });
   *   if (r.ok) r.value.creditLitres; else r.code;
   */
  verifyReport(submission: ReportSubmission, ctx: { operator: string }): Promise<{ ok: true; value: AcceptedReport } | { ok: false; code: string; message: string }> {
    return verifyReport(this.#c(), submission, ctx);
  }

  /** A meter's remaining m³, consumption per day, days left, last seen and alerts, from its reports. NOT_FOUND for an unknown meter. */
  async reportSummary(pan: string, options: { silentDays?: number } = {}): Promise<ReportSummary> {
    return this.#readMeter(pan, (tx, meter, core) => reportSummary(core, tx, meter, options ?? {}));
  }

  /**
   * What a vending point sold on one local day (YYYY-MM-DD, the module's utcOffsetMinutes), from
   * the counters the daily limits keep in each sale's transaction: litres of water, and rupiah
   * charged (rupiah sales at the charged amount, currency tokens at what they carry). Read only.
   * @param vendingPoint - the vending point of the sales
   * @param day - a local date, YYYY-MM-DD
   * @throws HydroSyncError FORMAT for a malformed date or vending point.
   */
  async dailyUsage(vendingPoint: string, day: string): Promise<{ litres: number; rupiah: number }> {
    if (typeof vendingPoint !== 'string' || vendingPoint.length === 0 || vendingPoint.length > 64) fail('FORMAT', 'vendingPoint must be 1 to 64 characters');
    if (typeof day !== 'string' || !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(day)) fail('FORMAT', `day must be a local date YYYY-MM-DD; got ${String(day).slice(0, 20)}`);
    return this.#read((tx) => readUsage(tx, vendingPoint, day));
  }

  /**
   * Audit records in storage order: of one chain (default: this node's), from the first with
   * seq ≥ fromSeq, at most limit of them; `chain: '*'` for every chain (by time, chain, seq).
   */
  async auditRecords(options: { chain?: string; fromSeq?: number; limit?: number } = {}): Promise<AuditRecord[]> {
    const { chain, fromSeq, limit } = options ?? {};
    if (fromSeq !== undefined && !Number.isSafeInteger(fromSeq)) fail('FORMAT', 'fromSeq must be a whole number');
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) fail('FORMAT', 'limit must be a whole number ≥ 0');
    const c = chain === '*' ? undefined : chain === undefined ? this.#c().chain : checkChainName(chain);
    return this.#read((tx) => tx.readAudit({ chain: c, fromSeq, limit }));
  }

  /**
   * A page of audit records matching a query (meter, transaction, operator, outcome, local date
   * range): page 1 is the newest `limit` (default 50) matches, oldest first within the page.
   * @throws HydroSyncError FORMAT for a malformed query (date, PAN, outcome, page).
   * @example
   *   (await hsm.queryAudit({ pan: '0123 4567 890', outcome: 'refused', from: '2026-12-01' })).records;
   */
  async queryAudit(query: AuditQuery = {}): Promise<AuditPage> {
    return this.#read(async (tx, core) => queryAudit(await tx.readAudit(), query, (await core.config(tx)).utcOffsetMinutes));
  }

  /**
   * Verify the hash chain and the head. With a checkpoint (from auditCheckpoint(), kept outside
   * the store) also that the log still reaches it: 'truncated' if records were cut off the end and
   * an older head was written back. FORMAT for a malformed checkpoint, AUDIT for an altered one.
   */
  async verifyAudit(options: { checkpoint?: unknown } = {}): Promise<AuditVerification> {
    const core = this.#c();
    return verifyAuditLog(core.store, core.auditKey, options?.checkpoint);
  }

  /** A sealed checkpoint of every chain's head (seq, hash) to keep outside the store; AUDIT if the log does not verify. Not audited. */
  async auditCheckpoint(): Promise<AuditCheckpoint> {
    const core = this.#c();
    return auditCheckpoint(core.store, core.auditKey);
  }

  /** The whole log as lines: CSV (header first; RFC 4180 quoting) or NDJSON. */
  async exportAudit(format: 'csv' | 'ndjson'): Promise<string[]> {
    if (format !== 'csv' && format !== 'ndjson') fail('FORMAT', `audit export format must be "csv" or "ndjson"; got ${JSON.stringify(String(format)).slice(0, 20)}`);
    const records = await this.#read((tx) => tx.readAudit());
    return format === 'csv' ? auditToCsv(records) : auditToNdjson(records);
  }

  /**
   * Key change for many meters (the TID-rollover job), chunk by chunk, one store transaction per
   * chunk. Each meter ends fully recorded as a single keyChange records it (new key, sealed reissue
   * record, one audit record), or refused (audited; the run goes on), or skipped as already on the
   * target key (`UNCHANGED`, nothing recorded). Every set is decoded with the meter's current key,
   * as the meter will, and must install exactly the planned key before it is recorded (else
   * `KEY_CHANGE`). A run stopped between chunks (abort signal, store error) rejects with that
   * error; the chunks reported to `onProgress` are recorded, every other meter is unchanged.
   * @param requests - one per meter: `pan`, the new-key fields of KeyChangeRequest, `transactionId?`
   * @param ctx - `operator` and `vendingPoint` of the whole run
   * @param options - `chunkSize` (default 2000), `onProgress({ done, total, outcomes })`, `signal`
   * @returns one outcome per request in request order (`{ pan, ok: true, tokens }` or
   *   `{ pan, ok: false, errorCode, message }`) and the counts `issued`, `refused`, `unchanged`.
   * @throws HydroSyncError `FORMAT` requests not an array or a bad ctx, `USAGE` bad options,
   *   `STORE`/`AUDIT` when the store fails (the run stops); the abort signal's reason.
   * @example
   * ```ts
   * const r = await hsm.keyChangeFleet(pans.map((pan) => ({ pan, newKeyRevisionNumber: 2 })), { operator: 'alice', vendingPoint: 'office' });
   * r.outcomes[0]; // { pan, ok: true, tokens: [4 tokens] }
   * ```
   */
  async keyChangeFleet(requests: readonly FleetRequest[], ctx: { operator: string; vendingPoint: string }, options: FleetOptions = {}): Promise<FleetResult> {
    return keyChangeFleet(this.#c(), requests, ctx, options);
  }

  /** Close the store; the instance's key caches go with it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#core.store.close();
  }

  toJSON(): string {
    return 'Hsm([redacted])';
  }
  toString(): string {
    return 'Hsm([redacted])';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
