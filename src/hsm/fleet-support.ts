/**
 * Support for the fleet key-change engine (src/hsm/fleet, worker threads): prepare the jobs
 * (every check of a single key change, no writes), hand the workers the vending key bits they
 * need, then commit the workers' outcomes: each commit call is ONE transaction in which each set
 * is verified (it must carry exactly the planned new key, see fleet/verify.ts), the registry
 * moves to the new key, the sealed reissue record is stored and every meter gets one audit
 * record (issued or refused). A caller may commit a run's outcomes in several calls (the CLI
 * commits each finished chunk): every call is atomic for its meters, so a crash between calls
 * leaves each meter either fully recorded (new key, reissue record, audit record) or unchanged.
 *
 * Prepare reads each meter once (in bulk where the store can) and resolves the key change once
 * per distinct (request, current key) pair: a fleet usually has one. Commit does not read the
 * meters again: it moves each one with a compare-and-set on its key attributes, so a meter whose
 * key changed after prepare is refused (CONFLICT) and its other fields (last TID, month-to-date
 * volume) are kept as they are at commit time.
 *
 * The vending key bits given out by prepare are secret: the engine must not log or persist them
 * and should zero them (fill(0)) when done. Pass ALL outcomes to commit, including prepare's
 * `refused` ones, so that every meter is audited.
 */
import { HydroSyncError, fail } from '../errors';
import { parseMeterPan } from '../codec/pan';
import { AuditAppender } from './audit';
import { auditText, checkContext, checkName, checkTransactionId, newTransactionId } from './context';
import type { Core } from './core';
import { profileKey } from './fleet/profile';
import { verifiedMark } from './fleet/verified';
import { keyChangeSetMismatch } from './fleet/verify';
import { type MeterKey, type ResolvedKeyChange, keyChangeFingerprint, resolveKeyChangeFor, sameKeyAttributes } from './key-change';
import { attributesJson, compactKeyChangeText, keyChangeAuditAmount } from './key-change-result';
import { errorCodeOf, fingerprintOf } from './operation';
import { randomBytes } from '../tokens/random';
import { SEAL_NONCE_BYTES, sealText } from './seal';
import { sha256HexOfText } from './sha256-text';
import type { HsmStore } from './store';
import type { FleetItem, FleetOutcome, KeyChangeRequest, MeterKeyAttributes, RequestContext } from './types';

/**
 * Bulk operations a store may offer for fleet runs (the SQLite store does); other stores get the
 * fallbacks below, built on HsmStore. Same results either way.
 */
export interface FleetStoreOps {
  /** The key attributes of the registered meters among these PANs, in any order. */
  getMeterKeysBulk(pans: readonly string[]): MeterKeyRow[];
  /** The ids among these that a recorded transaction already has. */
  usedTransactionIds(ids: readonly string[]): Set<string>;
  /**
   * Compare-and-set, inside the caller's transaction: if the meter's key attributes are still
   * `from`, set them to `to` (and clear lastTid when `clearLastTid`), keeping every other field,
   * and return true; otherwise change nothing and return false.
   */
  updateMeterKey(pan: string, from: MeterKeyAttributes, to: MeterKeyAttributes, clearLastTid: boolean): boolean;
}

/**
 * Faster implementations of the fleet's hot primitives: exactly the same results as
 * sha256HexOfText and sealText, which are used unless the Node adapter installed OpenSSL's
 * (src/node/native-crypto.ts, on the first openSqliteStore). Installed by this library's own code
 * only: a store never sees the seal key.
 */
export interface FleetCrypto {
  /** SHA-256 (lowercase hex) of the text's UTF-8 bytes. */
  sha256Hex(text: string): string;
  /** As sealText() in seal.ts, with the 24-byte nonce given. */
  sealText(key: Uint8Array, id: string, json: string, nonce: Uint8Array): Uint8Array;
}

const PORTABLE_CRYPTO: FleetCrypto = { sha256Hex: sha256HexOfText, sealText };
let installed: FleetCrypto = PORTABLE_CRYPTO;

/** Use these primitives for fleet runs (null: the portable ones). */
export function installFleetCrypto(c: FleetCrypto | null): void {
  installed = c ?? PORTABLE_CRYPTO;
}

/** A meter's PAN and key attributes, in MeterKeyAttributes order (a row as SQLite returns it). */
export type MeterKeyRow = [
  pan: string, vendingKeyId: string, supplyGroupCode: string, tariffIndex: string, keyRevisionNumber: number,
  keyType: MeterKeyAttributes['keyType'], keyExpiryNumber: number, baseDate: MeterKeyAttributes['baseDate'],
  encryptionAlgorithm: MeterKeyAttributes['encryptionAlgorithm'],
];

function meterKeyOf(r: MeterKeyRow): MeterKey {
  return {
    pan: r[0], vendingKeyId: r[1], supplyGroupCode: r[2], tariffIndex: r[3], keyRevisionNumber: r[4], keyType: r[5],
    keyExpiryNumber: r[6], baseDate: r[7], encryptionAlgorithm: r[8],
  };
}

function sameKeyRow(a: MeterKeyRow, b: MeterKeyRow): boolean {
  for (let i = 1; i < 9; i++) if (a[i] !== b[i]) return false;
  return true;
}

function fleetOps(store: HsmStore): FleetStoreOps {
  const s = store as HsmStore & Partial<FleetStoreOps>;
  if (typeof s.getMeterKeysBulk === 'function' && typeof s.usedTransactionIds === 'function' && typeof s.updateMeterKey === 'function') {
    return s as HsmStore & FleetStoreOps;
  }
  return {
    getMeterKeysBulk: (pans) => {
      const out: MeterKeyRow[] = [];
      for (const pan of pans) {
        const m = store.getMeter(pan);
        if (m !== undefined) {
          out.push([m.pan, m.vendingKeyId, m.supplyGroupCode, m.tariffIndex, m.keyRevisionNumber, m.keyType, m.keyExpiryNumber, m.baseDate, m.encryptionAlgorithm]);
        }
      }
      return out;
    },
    usedTransactionIds: (ids) => new Set(ids.filter((id) => store.getTransaction(id) !== undefined)),
    updateMeterKey: (pan, from, to, clearLastTid) => {
      const m = store.getMeter(pan);
      if (m === undefined || !sameKeyAttributes(m, from)) return false;
      store.updateMeter({ ...m, ...to, lastTid: clearLastTid ? null : m.lastTid });
      return true;
    },
  };
}

/** What every meter of one resolved key change shares (one per distinct request and current key). */
interface FleetPlan extends Omit<ResolvedKeyChange, 'meter'> {
  /** The items' key parameters (frozen, shared by the plan's items). */
  current: FleetItem['current'];
  next: FleetItem['next'];
  /** profileKey() of the plan: what a verified outcome must have been checked against. */
  profile: string;
  fromJson: string;
  toJson: string;
  auditAmount: string;
}

export interface PendingFleetChange {
  plan: FleetPlan;
  transactionId: string;
  fingerprint: string;
}

function outcomeOf(pan: string, e: unknown): FleetOutcome {
  return { pan, ok: false, errorCode: errorCodeOf(e), message: e instanceof HydroSyncError ? e.message : 'internal error' };
}

/**
 * A memo key for a request's new-key fields, or null when they are not all plain values (then
 * the request is resolved on its own): equal keys mean the fields resolve identically.
 */
function requestShape(req: KeyChangeRequest): string | null {
  let key = req.threeTokenSet === true ? '3' : '2';
  for (const v of [req.newVendingKeyId, req.newKeyRevisionNumber, req.newKeyType, req.newKeyExpiryNumber, req.newTariffIndex, req.newSupplyGroupCode, req.newBaseDate]) {
    // An absent field is "u", a string is quoted, a number is its digits: a null (refused) never shares a key with an absent one.
    if (v === undefined) key += '|u';
    else if (typeof v === 'string') key += `|${JSON.stringify(v)}`;
    else if (typeof v === 'number' && Number.isSafeInteger(v) && !Object.is(v, -0)) key += `|${v}`;
    else return null;
  }
  return key;
}

/** The same new-key fields (the same values, so the same shape). */
function sameRequestFields(a: KeyChangeRequest, b: KeyChangeRequest): boolean {
  return a.newVendingKeyId === b.newVendingKeyId && a.newKeyRevisionNumber === b.newKeyRevisionNumber && a.newKeyType === b.newKeyType
    && a.newKeyExpiryNumber === b.newKeyExpiryNumber && a.newTariffIndex === b.newTariffIndex && a.newSupplyGroupCode === b.newSupplyGroupCode
    && a.newBaseDate === b.newBaseDate && (a.threeTokenSet === true) === (b.threeTokenSet === true);
}

function makePlan(r: ReturnType<typeof resolveKeyChangeFor>): FleetPlan {
  const current = Object.freeze({ dkga: r.currentRow.dkga, ...r.from });
  const next = Object.freeze({ dkga: r.nextRow.dkga, ...r.to });
  return {
    currentRow: r.currentRow, nextRow: r.nextRow, from: r.from, to: r.to, rollover: r.rollover, threeTokenSet: r.threeTokenSet, unchanged: r.unchanged,
    current, next, profile: profileKey({ current, next, rollover: r.rollover, threeTokenSet: r.threeTokenSet }),
    fromJson: attributesJson(r.from), toJson: attributesJson(r.to), auditAmount: keyChangeAuditAmount(r.to, r.rollover),
  };
}

/** fingerprintOf('keychange', [pan, ...keyChangeFingerprint(req)]) with the request part made once. */
function fingerprintWith(sha256Hex: (text: string) => string, tail: string, pan: string): string {
  return sha256Hex(`["hydrosync-request/1","keychange",${JSON.stringify(pan)},${tail}]`);
}

export function prepareFleet(core: Core, requests: KeyChangeRequest[], pending: Map<string, PendingFleetChange>) {
  if (!Array.isArray(requests)) fail('FORMAT', 'prepareFleetKeyChange needs an array of key change requests');
  const now = core.clock();
  const ops = fleetOps(core.store);
  const { sha256Hex } = installed;
  const items: FleetItem[] = [];
  const refused: FleetOutcome[] = [];
  const unchanged: string[] = [];
  const vendingKeys = new Map<string, Uint8Array>();
  const batch = new Set<string>();
  const ids = new Set<string>();
  // 1. Each request on its own: PAN, context, duplicates.
  const reqs: KeyChangeRequest[] = [];
  const pans: string[] = [];
  const txids: string[] = [];
  let operator: unknown;
  let vendingPoint: unknown;
  for (const req of requests) {
    let pan = '';
    try {
      pan = parseMeterPan(req?.pan).pan;
      if (req === null || typeof req !== 'object') fail('FORMAT', 'the request context must be an object with operator (and vendingPoint)');
      if (req.operator !== operator || req.vendingPoint !== vendingPoint || typeof operator !== 'string') {
        checkName('operator', req.operator);
        checkName('vendingPoint', req.vendingPoint);
        operator = req.operator;
        vendingPoint = req.vendingPoint;
      }
      const transactionId = req.transactionId === undefined ? newTransactionId() : checkTransactionId(req.transactionId);
      if (batch.has(pan)) fail('CONFLICT', `meter ${pan} appears twice in this fleet key change`);
      batch.add(pan);
      if (ids.has(transactionId)) fail('CONFLICT', `transaction id ${transactionId} appears twice in this fleet key change; each meter needs its own`);
      ids.add(transactionId);
      reqs.push(req);
      pans.push(pan);
      txids.push(transactionId);
    } catch (e) {
      refused.push(outcomeOf(pan || auditText(req?.pan, 32), e));
    }
  }
  // 2. The store, in bulk: the meters' keys and the transaction ids already used.
  const keys = new Map<string, MeterKeyRow>();
  for (const r of ops.getMeterKeysBulk(pans)) keys.set(r[0], r);
  const used = ops.usedTransactionIds(txids);
  // 3. Resolve once per distinct request fields and current key (usually once for the fleet).
  const plans = new Map<string, FleetPlan>();
  const tails = new Map<string, string>();
  // The previous request and its shape; the last plan made or found, and for which shape and key.
  let lastReq: KeyChangeRequest | undefined;
  let lastReqShape: string | null = null;
  let planShape: string | null = null;
  let planKey: MeterKeyRow | undefined;
  let lastPlan: FleetPlan | undefined;
  let lastTail = '';
  for (let i = 0; i < reqs.length; i++) {
    const req = reqs[i]!;
    const pan = pans[i]!;
    const transactionId = txids[i]!;
    try {
      if (used.has(transactionId)) {
        fail('CONFLICT', `transaction id ${transactionId} was already used; a fleet run needs new transaction ids (a single keyChange with the old id reissues)`);
      }
      const key = keys.get(pan) ?? fail('NOT_FOUND', `meter ${pan} is not registered; register it first (hsm meter add)`);
      const shape: string | null = lastReq !== undefined && sameRequestFields(req, lastReq) ? lastReqShape : requestShape(req);
      lastReq = req;
      lastReqShape = shape;
      let plan: FleetPlan | undefined;
      let tail: string;
      if (shape !== null && shape === planShape && lastPlan !== undefined && sameKeyRow(key, planKey!)) {
        plan = lastPlan;
        tail = lastTail;
      } else {
        const memo = shape === null ? null : `${shape}>${JSON.stringify(key.slice(1))}`;
        plan = memo === null ? undefined : plans.get(memo);
        if (plan === undefined) {
          plan = makePlan(resolveKeyChangeFor(core, meterKeyOf(key), req, now));
          if (memo !== null) plans.set(memo, plan);
        }
        tail = (shape === null ? undefined : tails.get(shape)) ?? JSON.stringify(keyChangeFingerprint(req)).slice(1, -1);
        if (shape !== null) {
          tails.set(shape, tail);
          planShape = shape;
          planKey = key;
          lastPlan = plan;
          lastTail = tail;
        }
        for (const row of plan.unchanged ? [] : [plan.currentRow, plan.nextRow]) {
          if (!vendingKeys.has(row.id)) vendingKeys.set(row.id, core.vendingKeyBytes(row));
        }
      }
      if (plan.unchanged) {
        unchanged.push(pan);
        continue;
      }
      const fingerprint = shape === null ? fingerprintOf('keychange', [pan, ...keyChangeFingerprint(req)]) : fingerprintWith(sha256Hex, tail, pan);
      pending.set(pan, { plan, transactionId, fingerprint });
      items.push({ pan, current: plan.current, next: plan.next, rollover: plan.rollover, threeTokenSet: plan.threeTokenSet, transactionId });
    } catch (e) {
      refused.push(outcomeOf(pan, e));
    }
  }
  return { items, vendingKeys, refused, unchanged };
}

/** Commit's own check of a set no verified mark vouches for (fleet/verify.ts, with the module's keys). */
function checkTokens(core: Core, plan: FleetPlan, pan: string, tokens: unknown): void {
  if (!Array.isArray(tokens) || tokens.some((t) => typeof t !== 'string')) fail('KEY_CHANGE', 'the outcome must carry the key-change tokens as strings');
  const current = core.decoderKey({ ...plan.from, pan }, plan.currentRow);
  const newKey = core.decoderKey({ ...plan.to, pan }, plan.nextRow).exportBytes();
  let why: string | null;
  try {
    why = keyChangeSetMismatch(tokens as string[], current, newKey, { ...plan.to, rollover: plan.rollover, threeTokenSet: plan.threeTokenSet });
  } finally {
    newKey.fill(0);
  }
  if (why !== null) {
    const to = plan.to;
    fail('KEY_CHANGE', `the key-change set for meter ${pan} does not carry the planned new key (${to.keyRevisionNumber}/${to.keyType}/${to.tariffIndex}/${to.keyExpiryNumber}): ${why}; it was not recorded`);
  }
}

/** Whether the engine's verifier vouches for these very tokens, checked as planned. */
function verifiedAsPlanned(core: Core, o: FleetOutcome, pan: string, plan: FleetPlan, hash: string | null): boolean {
  const mark = verifiedMark(o);
  return mark !== undefined && mark.pan === pan && mark.profile === plan.profile && mark.tokenHash === hash
    && mark.staTables === core.staTables && mark.parity === 'raw';
}

export function commitFleet(core: Core, outcomes: FleetOutcome[], raw: RequestContext, pending: Map<string, PendingFleetChange>) {
  if (!Array.isArray(outcomes)) fail('FORMAT', 'commitFleetKeyChange needs an array of outcomes');
  const { transactionId: fallbackId, ...ctx } = checkContext(raw, true);
  const now = core.clock();
  const at = now.toISOString();
  const store = core.store;
  const ops = fleetOps(store);
  const crypto = installed;
  let committed = 0;
  let refused = 0;
  const refusals: FleetOutcome[] = [];
  const consumed = new Set<string>();
  store.transaction(() => {
    const audit = new AuditAppender(store, core.auditKey, crypto.sha256Hex);
    const candidateIds: string[] = [];
    for (const o of outcomes) {
      const p = o?.ok === true && typeof o.pan === 'string' ? pending.get(o.pan) : undefined;
      if (p !== undefined) candidateIds.push(p.transactionId);
    }
    const used = ops.usedTransactionIds(candidateIds);
    const seen = new Set<string>();
    for (const o of outcomes) {
      const pan = typeof o?.pan === 'string' && pending.has(o.pan) ? o.pan : auditText(o?.pan, 32);
      // A PAN's pending change is used once per commit (a second outcome for it is NOT_FOUND).
      const p = consumed.has(pan) ? undefined : pending.get(pan);
      if (p !== undefined) consumed.add(pan);
      const transactionId = p?.transactionId ?? fallbackId;
      let errorCode: string | null = null;
      let message = '';
      let hash: string | null = null;
      try {
        if (o?.ok !== true) {
          errorCode = auditText((o as { errorCode?: unknown })?.errorCode, 32) || 'INTERNAL';
          message = auditText((o as { message?: unknown })?.message, 500);
        } else {
          if (p === undefined) fail('NOT_FOUND', `no prepared key change for meter ${pan}; call prepareFleetKeyChange first`);
          if (used.has(transactionId) || seen.has(transactionId)) fail('CONFLICT', `transaction id ${transactionId} was already used`);
          hash = Array.isArray(o.tokens) && o.tokens.length > 0 && o.tokens.every((t) => typeof t === 'string') ? crypto.sha256Hex(o.tokens.join(',')) : null;
          if (!verifiedAsPlanned(core, o, pan, p.plan, hash)) checkTokens(core, p.plan, pan, o.tokens);
          if (!ops.updateMeterKey(pan, p.plan.from, p.plan.to, p.plan.rollover)) {
            if (store.getMeter(pan) === undefined) fail('NOT_FOUND', `meter ${pan} is not registered; register it first (hsm meter add)`);
            fail('CONFLICT', `meter ${pan}'s key changed after the fleet key change was prepared; prepare it again`);
          }
        }
      } catch (e) {
        errorCode = errorCodeOf(e);
        message = e instanceof HydroSyncError ? e.message : 'internal error';
      }
      if (errorCode !== null || p === undefined || o.ok !== true) {
        audit.append({
          at, operator: ctx.operator, vendingPoint: ctx.vendingPoint, transactionId, pan: pan || null, kind: 'keychange', outcome: 'refused',
          errorCode, amount: null, tid: null, tokenHash: null,
        });
        refusals.push({ pan, ok: false, errorCode: errorCode ?? 'INTERNAL', message });
        refused++;
        continue;
      }
      const plan = p.plan;
      const text = compactKeyChangeText(pan, o.tokens, plan.fromJson, plan.toJson, plan.rollover, at);
      store.insertTransaction({ id: transactionId, fingerprint: p.fingerprint, kind: 'keychange', pan, at, sealed: crypto.sealText(core.sealKey, transactionId, text, randomBytes(SEAL_NONCE_BYTES)) });
      seen.add(transactionId);
      audit.append({
        at, operator: ctx.operator, vendingPoint: ctx.vendingPoint, transactionId, pan, kind: 'keychange', outcome: 'issued',
        errorCode: null, amount: plan.auditAmount, tid: null, tokenHash: hash,
      });
      committed++;
    }
    audit.finish();
  });
  // Only now: a commit that failed (and rolled back) can be retried with the same outcomes.
  for (const pan of consumed) pending.delete(pan);
  return { committed, refused, refusals };
}
