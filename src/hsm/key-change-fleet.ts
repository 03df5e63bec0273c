/**
 * Fleet key change (the TID-rollover job): the key change of key-change.ts for many meters, one
 * store transaction per chunk of meters. Each meter of a chunk is either fully recorded, as a single
 * keyChange records it (the meter on its new key, a sealed reissue record, one audit record), or
 * refused (one audit record, the meter unchanged), or skipped as already on the target key
 * (nothing written). A chunk is atomic: a run stopped between chunks (abort signal, store error,
 * crash) leaves every meter fully recorded or unchanged.
 *
 * Every set is read back before it is recorded as the meter will read it: each token decoded with
 * the meter's current decoder key, the set assembled (decodeKeyChange), and the key it installs
 * compared with the planned new key (bits and attributes). A set that does not match is refused
 * (KEY_CHANGE), never recorded. The key change is resolved once per chunk for each distinct request
 * and current key (a fleet usually has one); the decoder keys come from the module's own
 * derivation (Core.decoderKey: one DKGA02/DKGA04, the vending key's prepared state cached).
 */
import { HydroSyncError, fail } from '../errors';
import { parseMeterPan } from '../codec/pan';
import { type DecoderKey, sameKeyBits } from '../keys/decoder-key';
import { decodeKeyChange, generateKeyChange } from '../tokens/key-change';
import { AuditAppender, tokenHash } from './audit';
import { auditText, checkContext, checkTransactionId, newTransactionId } from './context';
import type { Core } from './core';
import type { StoreTx } from './store';
import { NEW_KEY_FIELDS, type ResolvedKeyChange, keyChangeFingerprint, resolveKeyChangeFor } from './key-change';
import { KEY_ATTRIBUTES, attributesJson, compactKeyChangeText, keyChangeAuditAmount } from './key-change-result';
import { errorCodeOf, fingerprintOf } from './operation';
import { randomBytes } from '../tokens/random';
import { SEAL_NONCE_BYTES, sealText } from './seal';
import type { FleetOptions, FleetOutcome, FleetRequest, FleetResult, MeterRecord } from './types';

const DEFAULT_CHUNK = 2000;

type Plan = ResolvedKeyChange & { fromJson: string; toJson: string; auditAmount: string };

/** The set a plan stands for, checked on the token layer (see the file comment). */
function checkSet(tokens: string[], current: DecoderKey, next: DecoderKey, plan: Plan, core: Core): void {
  const count = next.bits === 128 ? 4 : plan.threeTokenSet ? 3 : 2;
  let why: string | null = tokens.length === count ? null : `${tokens.length} tokens instead of ${count}`;
  if (why === null) {
    try {
      const subclass8 = next.bits === 128 ? '4-token' : '3-token';
      const { change, newKey } = decodeKeyChange(tokens, current, { subclass8, newKeyBits: next.bits, ...(core.staTables ? { staTables: core.staTables } : {}) });
      if (!sameKeyBits(newKey, next)) why = 'it installs other key bits';
      else if (change.rollover !== plan.rollover) why = `it carries RO = ${change.rollover ? 1 : 0}`;
      else if (KEY_ATTRIBUTES.some((k) => k !== 'vendingKeyId' && newKey[k] !== plan.to[k])) {
        why = `it installs KRN ${newKey.keyRevisionNumber}, KT ${newKey.keyType}, KEN ${newKey.keyExpiryNumber}, TI ${newKey.tariffIndex}, SGC ${newKey.supplyGroupCode}, BD ${newKey.baseDate}, EA${newKey.encryptionAlgorithm}`;
      }
    } catch (e) {
      if (!(e instanceof HydroSyncError)) throw e;
      why = `it does not decode with the meter's current key (${e.code})`;
    }
  }
  if (why !== null) fail('KEY_CHANGE', `the key-change set made for meter ${current.pan} is not the planned key change (${why}); it was not recorded`);
}

/** A memo key for the request's new-key fields and the meter's key, or null (resolve on its own) when a field is not a plain value. */
function planKey(req: FleetRequest, meter: MeterRecord): string | null {
  let key = req.threeTokenSet === true ? '3' : '2';
  for (const f of NEW_KEY_FIELDS) {
    const v: unknown = req[f];
    if (v === undefined) key += '|u';
    else if (typeof v === 'string') key += `|${JSON.stringify(v)}`;
    else if (typeof v === 'number' && Number.isSafeInteger(v) && !Object.is(v, -0)) key += `|${v}`;
    else return null;
  }
  return `${key}>${attributesJson(meter)}`;
}

async function planFor(core: Core, tx: StoreTx, meter: MeterRecord, req: FleetRequest, now: Date, memo: Map<string, Plan>): Promise<Plan> {
  const key = planKey(req, meter);
  let plan = key === null ? undefined : memo.get(key);
  if (plan === undefined) {
    const r = await resolveKeyChangeFor(core, tx, meter, req, now);
    plan = { ...r, fromJson: attributesJson(r.from), toJson: attributesJson(r.to), auditAmount: keyChangeAuditAmount(r.to, r.rollover) };
    if (key !== null) memo.set(key, plan);
  }
  return plan;
}

const UNCHANGED_MESSAGE = 'the meter is already on the target key: skipped, not re-keyed';

/** Who runs the fleet key change (checked once), and the PANs and transaction ids of the run so far. */
interface Run {
  who: { operator: string; vendingPoint: string };
  pans: Set<string>;
  ids: Set<string>;
}

/** One chunk in one store transaction: the outcomes of requests[from, to). */
async function recordChunk(core: Core, run: Run, requests: readonly FleetRequest[], from: number, to: number): Promise<FleetOutcome[]> {
  const now = core.clock();
  const at = now.toISOString();
  // The store may run the transaction again (a conflict with another node): outcomes and the run's
  // sets are rebuilt each time.
  return core.store.transaction(async (store) => {
    const outcomes: FleetOutcome[] = [];
    const pans = new Set(run.pans);
    const ids = new Set(run.ids);
    const audit = await AuditAppender.open(store, core.auditKey, core.chain);
    const memo = new Map<string, Plan>();
    const nonces = randomBytes(SEAL_NONCE_BYTES * (to - from)); // one draw for the chunk's seals
    for (let i = from; i < to; i++) {
      const req = requests[i]!;
      let pan = auditText((req as { pan?: unknown } | null)?.pan, 32);
      let transactionId = auditText((req as { transactionId?: unknown } | null)?.transactionId, 100);
      let meter: MeterRecord, plan: Plan, tokens: string[], fingerprint: string;
      try {
        if (req === null || typeof req !== 'object') fail('FORMAT', `fleet request ${i + 1} must be an object with the meter's pan`);
        pan = parseMeterPan(req.pan).pan;
        transactionId = req.transactionId === undefined ? newTransactionId(now) : checkTransactionId(req.transactionId);
        if (pans.has(pan)) fail('CONFLICT', `meter ${pan} appears twice in this fleet key change`);
        if (ids.has(transactionId)) fail('CONFLICT', `transaction id ${transactionId} appears twice in this fleet key change; each meter needs its own`);
        pans.add(pan);
        ids.add(transactionId);
        meter = (await store.getMeter(pan, { lock: true })) ?? fail('NOT_FOUND', `meter ${pan} is not registered; register it first (hsm meter add)`);
        plan = await planFor(core, store, meter, req, now, memo);
        if (plan.unchanged) {
          outcomes.push({ pan, ok: false, errorCode: 'UNCHANGED', message: UNCHANGED_MESSAGE });
          continue;
        }
        if ((await store.getTransaction(transactionId)) !== undefined) {
          fail('CONFLICT', `transaction id ${transactionId} was already used; a fleet run needs new transaction ids (a single keyChange with the old id reissues)`);
        }
        const current = core.decoderKey(meter, plan.currentRow);
        const next = core.decoderKey({ ...plan.to, pan }, plan.nextRow);
        tokens = generateKeyChange(current, next, { rollover: plan.rollover, threeTokenSet: plan.threeTokenSet });
        checkSet(tokens, current, next, plan, core);
        fingerprint = fingerprintOf('keychange', [pan, ...keyChangeFingerprint(req)]);
      } catch (e) {
        const errorCode = errorCodeOf(e);
        await audit.append({ at, ...run.who, transactionId, pan: pan || null, kind: 'keychange', outcome: 'refused', errorCode, amount: null, tid: null, tokenHash: null });
        outcomes.push({ pan, ok: false, errorCode, message: e instanceof HydroSyncError ? e.message : 'internal error' });
        continue;
      }
      // Every check passed. A write that fails is the store failing: the run stops, the chunk rolls back.
      await store.updateMeter({ ...meter, ...plan.to, lastTid: plan.rollover ? null : meter.lastTid });
      const nonce = nonces.subarray(SEAL_NONCE_BYTES * (i - from), SEAL_NONCE_BYTES * (i - from + 1));
      const sealed = sealText(core.sealKey, transactionId, compactKeyChangeText(pan, tokens, plan.fromJson, plan.toJson, plan.rollover, at), nonce);
      await store.insertTransaction({ id: transactionId, fingerprint, kind: 'keychange', pan, at, sealed });
      await audit.append({ at, ...run.who, transactionId, pan, kind: 'keychange', outcome: 'issued', errorCode: null, amount: plan.auditAmount, tid: null, tokenHash: tokenHash(tokens) });
      outcomes.push({ pan, ok: true, tokens });
    }
    await audit.finish();
    for (const p of pans) run.pans.add(p);
    for (const id of ids) run.ids.add(id);
    return outcomes;
  });
}

/** Let the event loop run (timers, I/O, an abort) between chunks. */
function yieldToEventLoop(): Promise<void> {
  const g = globalThis as unknown as { setImmediate?: (f: () => void) => void; setTimeout: (f: () => void, ms: number) => void };
  return new Promise((resolve) => (g.setImmediate ? g.setImmediate(resolve) : g.setTimeout(resolve, 0)));
}

export async function keyChangeFleet(core: Core, requests: readonly FleetRequest[], rawCtx: { operator: string; vendingPoint: string }, options: FleetOptions = {}): Promise<FleetResult> {
  if (!Array.isArray(requests)) fail('FORMAT', 'a fleet key change needs an array of requests (one per meter)');
  if (options === null || typeof options !== 'object') fail('USAGE', 'the fleet options must be an object');
  const { chunkSize = DEFAULT_CHUNK, onProgress, signal } = options;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) fail('USAGE', `chunkSize must be a whole number ≥ 1; got ${String(chunkSize)}`);
  const { operator, vendingPoint } = checkContext(rawCtx, true);
  const run: Run = { who: { operator, vendingPoint }, pans: new Set(), ids: new Set() };
  const result: FleetResult = { outcomes: [], issued: 0, refused: 0, unchanged: 0 };
  for (let from = 0; from < requests.length; from += chunkSize) {
    if (signal?.aborted) throw signal.reason ?? new HydroSyncError('USAGE', 'the fleet key change was aborted');
    const chunk = await recordChunk(core, run, requests, from, Math.min(from + chunkSize, requests.length));
    for (const o of chunk) {
      result.outcomes.push(o);
      if (o.ok) result.issued++;
      else if (o.errorCode === 'UNCHANGED') result.unchanged++;
      else result.refused++;
    }
    onProgress?.({ done: result.outcomes.length, total: requests.length, outcomes: chunk });
    await yieldToEventLoop();
  }
  return result;
}
