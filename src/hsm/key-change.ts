/**
 * Key change (reference §2.6, §5.4, §7.6): a 2-, 3- or 4-token set, encrypted with the meter's
 * current decoder key and carrying the new one. After issuing, the registry holds the new key's
 * attributes: tokens issued from then on are for the new key, so the customer must enter the
 * key-change tokens before any newer credit token, and any older token (under the old key)
 * before the key change. A change of base date (1993 → 2014 → 2035, one step at a time) is a
 * rollover (RO = 1): the meter resets its TID memory, and so does the registry (lastTid = null).
 *
 * Key type transitions: those the meter accepts (the table and its reasoning are in
 * src/meter/key-types.ts); anything else is refused with KEY_TYPE.
 *
 * A request that changes nothing (the meter already has every attribute of the resolved new key)
 * is USAGE for a single meter, and a fleet run skips such a meter as unchanged: a repeated run
 * never re-keys a meter that is already on the target key.
 *
 * Other refusals: KEY_CHANGE for a base date that goes back or skips one, an SGC change in a
 * 2-token set (the meter would never learn it: use a 3-token set or a 128-bit key), a
 * 3-token set for a 128-bit key, and an algorithm the meter cannot infer (a 64-bit key keeps
 * the meter's EA07/EA09; EA11 → 64-bit means EA07; a 128-bit key means EA11); KEY_INACTIVE when
 * the NEW vending key is outside its activeFrom/issuedUntil window now. The current key's window
 * is not checked: a key change is how a meter leaves an expired vending key. A rollover that would
 * install the key bits the meter already has is refused (KEY_CHANGE): the meter clears its TID
 * memory at a rollover, so every old token would be accepted once more (reference §5.4: the key
 * must change together with the TID memory reset). The check compares the derived keys of this
 * meter; for a fleet plan it holds for every meter of the plan (equal derivation inputs).
 */
import { fail } from '../errors';
import { parseMeterPan } from '../codec/pan';
import { parseBaseDate } from '../codec/tid';
import { sameKeyBits } from '../keys/decoder-key';
import { parseKeyType } from '../keys/parameters';
import type { KeyType } from '../keys/types';
import { generateKeyChange } from '../tokens/key-change';
import type { Core, DerivationInput } from './core';
import { checkKeyWindow } from './issue-time';
import { localDateTime } from '../codec/local-time';
import { runIssue } from './operation';
import { KT_OF_VENDING_KEY_TYPE, checkAgainstVendingKey, digits, findVendingKey, intIn, requireMeter } from './registry';
import type { StoreTx, VendingKeyRow } from './store';
import { DEFAULT_KEY_TYPE_CHANGES, type KeyTypeChanges } from '../meter/key-types';
import { KEY_ATTRIBUTES, keyAttributesOf, keyChangeResult } from './key-change-result';
import type { FleetRow, Issued, KeyChangeRequest, KeyChangeSummary, MeterKeyAttributes } from './types';

/**
 * The key-type changes the module will issue: the same table the meter enforces
 * (src/meter/key-types.ts), so the module never sells a set a meter would refuse with KeyType.
 */
export const ALLOWED_KEY_TYPE_CHANGES: KeyTypeChanges = DEFAULT_KEY_TYPE_CHANGES;

const NAMES: Record<KeyType, string> = { 0: 'DITK', 1: 'DDTK', 2: 'DUTK', 3: 'DCTK' };

export interface ResolvedKeyChange extends Omit<KeyChangeSummary, 'tokenCount'> {
  currentRow: VendingKeyRow;
  nextRow: VendingKeyRow;
  threeTokenSet: boolean;
  /** The meter already has the new key's attributes: nothing to change (a single change is USAGE, a fleet skips it). */
  unchanged: boolean;
}

/** The new-key fields of a request, in fingerprint order. */
export const NEW_KEY_FIELDS = [
  'newVendingKeyId', 'newKeyRevisionNumber', 'newKeyType', 'newKeyExpiryNumber', 'newTariffIndex', 'newSupplyGroupCode', 'newBaseDate',
] as const satisfies readonly (keyof FleetRow)[];

/** The request's identity for idempotency: its own fields, not what they resolve to. */
export function keyChangeFingerprint(req: FleetRow): unknown[] {
  return [...NEW_KEY_FIELDS.map((f) => req[f] ?? null), req.threeTokenSet === true];
}

function checkTransition(meter: DerivationInput, to: KeyType): void {
  if (!ALLOWED_KEY_TYPE_CHANGES[meter.keyType].includes(to)) {
    const allowed = ALLOWED_KEY_TYPE_CHANGES[meter.keyType].map((k) => `KT ${k} (${NAMES[k]})`).join(' or ');
    fail('KEY_TYPE', `meter ${meter.pan} has KT ${meter.keyType} (${NAMES[meter.keyType]}); a key change may take it only to ${allowed}, not KT ${to} (${NAMES[to]})`);
  }
}

/**
 * Work out and check a key change for a meter already read (no writes): it depends only on the
 * meter's key attributes (and the PAN, in messages).
 */
export async function resolveKeyChangeFor(core: Core, tx: StoreTx, meter: DerivationInput, req: FleetRow, now: Date): Promise<ResolvedKeyChange> {
  const currentRow = await core.vendingKeyRow(tx, meter.vendingKeyId);
  const newKt = req.newKeyType === undefined ? undefined : parseKeyType(req.newKeyType);
  const newBd = req.newBaseDate === undefined ? undefined : parseBaseDate(req.newBaseDate);
  const newSgc = req.newSupplyGroupCode === undefined ? undefined : digits('newSupplyGroupCode (SGC)', req.newSupplyGroupCode, 6);
  const newKrn = req.newKeyRevisionNumber === undefined ? undefined : intIn('newKeyRevisionNumber (KRN)', req.newKeyRevisionNumber, 1, 9);
  if (newKt !== undefined) checkTransition(meter, newKt);
  const nextRow = await findVendingKey(core, tx, {
    id: req.newVendingKeyId, supplyGroupCode: newSgc ?? meter.supplyGroupCode, keyRevisionNumber: newKrn ?? meter.keyRevisionNumber,
    baseDate: newBd ?? meter.baseDate, keyType: newKt ?? 2,
  });
  const to: MeterKeyAttributes = {
    vendingKeyId: nextRow.id,
    supplyGroupCode: newSgc ?? nextRow.supplyGroupCode,
    tariffIndex: req.newTariffIndex === undefined ? meter.tariffIndex : digits('newTariffIndex (TI)', req.newTariffIndex, 2),
    keyRevisionNumber: newKrn ?? nextRow.keyRevisionNumber,
    keyType: newKt ?? KT_OF_VENDING_KEY_TYPE[nextRow.vendingKeyType],
    keyExpiryNumber: req.newKeyExpiryNumber === undefined ? meter.keyExpiryNumber : intIn('newKeyExpiryNumber (KEN)', req.newKeyExpiryNumber, 0, 255),
    baseDate: newBd ?? nextRow.baseDate,
    encryptionAlgorithm: nextRow.encryptionAlgorithm,
  };
  const from = keyAttributesOf(meter);
  if (KEY_ATTRIBUTES.every((k) => from[k] === to[k])) return { currentRow, nextRow, from, to, rollover: false, threeTokenSet: req.threeTokenSet === true, unchanged: true };
  checkTransition(meter, to.keyType);
  checkAgainstVendingKey(to, nextRow);
  const rollover = to.baseDate !== meter.baseDate;
  if (rollover) {
    const next = meter.baseDate === 1993 ? 2014 : meter.baseDate === 2014 ? 2035 : null;
    if (to.baseDate !== next) {
      fail('KEY_CHANGE', `a rollover moves a meter one base date forward (${meter.baseDate} → ${next ?? 'none defined'}); base date ${to.baseDate} is not that`);
    }
  }
  const newBits = nextRow.encryptionAlgorithm === '11' ? 128 : 64;
  const threeTokenSet = req.threeTokenSet === true;
  if (threeTokenSet && newBits === 128) fail('KEY_CHANGE', 'a 3-token set (3KCT) is for 64-bit keys; a 128-bit key always takes 4 tokens');
  const inferred = newBits === 128 ? '11' : meter.encryptionAlgorithm === '11' ? '07' : meter.encryptionAlgorithm;
  if (to.encryptionAlgorithm !== inferred) {
    fail('KEY_CHANGE', `the meter uses EA${meter.encryptionAlgorithm}; after a key change to a ${newBits}-bit key it works with EA${inferred}, not EA${to.encryptionAlgorithm} of vending key ${nextRow.id}`);
  }
  if (newBits === 64 && !threeTokenSet && to.supplyGroupCode !== meter.supplyGroupCode) {
    fail('KEY_CHANGE', `the SGC changes (${meter.supplyGroupCode} → ${to.supplyGroupCode}) but a 2-token set does not carry it: use a 3-token set (threeTokenSet)`);
  }
  checkKeyWindow(nextRow, localDateTime(now, (await core.config(tx)).utcOffsetMinutes), 'now,');
  if (rollover && sameKeyBits(core.decoderKey(meter, currentRow), core.decoderKey({ ...to, pan: meter.pan }, nextRow))) {
    fail('KEY_CHANGE', `the rollover would give meter ${meter.pan} the key it already has (DKGA${nextRow.dkga} with the same vending key and KRN does not change with the base date): the meter clears its TID memory at a rollover, so every old token would be accepted again. Import a new vending key (or KRN) for base date ${to.baseDate} and change to that`);
  }
  return { currentRow, nextRow, from, to, rollover, threeTokenSet, unchanged: false };
}

export function keyChange(core: Core, req: KeyChangeRequest): Promise<Issued> {
  return runIssue(core, 'keychange', req, () => {
    if (req === null || typeof req !== 'object') fail('FORMAT', 'a key change request must be an object');
    return { pan: parseMeterPan(req.pan).pan, requested: null, fingerprint: keyChangeFingerprint(req) };
  }, async (tx, now, ctx) => {
    const meter = await requireMeter(tx, parseMeterPan(req.pan).pan, true);
    const r = await resolveKeyChangeFor(core, tx, meter, req, now);
    if (r.unchanged) {
      fail('USAGE', `nothing to change: meter ${meter.pan} already has vending key ${r.to.vendingKeyId}, KRN ${r.to.keyRevisionNumber}, KT ${r.to.keyType}, TI ${r.to.tariffIndex}, KEN ${r.to.keyExpiryNumber}, base date ${r.to.baseDate}; say what the new key is (a new KRN, base date, KEN, TI, SGC, key type or vending key)`);
    }
    const current = core.decoderKey(meter, r.currentRow);
    const next = core.decoderKey({ ...r.to, pan: meter.pan }, r.nextRow);
    const tokens = generateKeyChange(current, next, { rollover: r.rollover, threeTokenSet: r.threeTokenSet });
    await tx.updateMeter({ ...meter, ...r.to, lastTid: r.rollover ? null : meter.lastTid });
    return keyChangeResult(ctx.transactionId, meter.pan, tokens, r.from, r.to, r.rollover, now.toISOString());
  });
}
