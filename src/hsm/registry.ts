/**
 * Key store and meter registry operations: import a vending key (wrapped at once), register a
 * meter against a vending key, and look meters up.
 *
 * Vending key types (reference §7.6): a unique key (VUDK) makes DUTKs (KT 2), a default key
 * (VDDK) DDTKs (KT 1), a common key (VCDK) DCTKs (KT 3). A meter's KT must match its vending key's
 * type; KT 0 (DITK, the factory initialisation key) is accepted with any vending key.
 */
import { fail } from '../errors';
import { hexToBytes } from '../codec/hex';
import { showInput } from '../codec/input-text';
import { parseMeterPan } from '../codec/pan';
import { parseBaseDate } from '../codec/tid';
import { parseEncryptionAlgorithm, parseKeyType } from '../keys/parameters';
import type { KeyType } from '../keys/types';
import type { Core } from './core';
import { keyBinding, vendingKeyCheckValue, vendingKeyInfo, wrapVendingKey } from './key-store';
import { localDateTime, minutesOfText, normalizeDateTime } from '../codec/local-time';
import type { StoreTx, VendingKeyRow } from './store';
import type { MeterAdd, MeterRecord, VendingKeyImport, VendingKeyInfo, VendingKeyType } from './types';

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const PROFILE = /^[a-z0-9-]{1,32}$/;
const TEXT = /^[^\u0000-\u001f\u007f]{1,100}$/;

export const KT_OF_VENDING_KEY_TYPE: Record<VendingKeyType, KeyType> = { unique: 2, default: 1, common: 3 };

/** A vending key id: 1 to 64 of A-Z a-z 0-9 . _ - (FORMAT otherwise). Also the CLI's --id check. */
export function checkKeyId(v: unknown): string {
  if (typeof v !== 'string' || !KEY_ID.test(v)) fail('FORMAT', `vending key id must be 1 to 64 characters A-Z a-z 0-9 . _ -; got ${showInput(v)}`);
  return v;
}

export function digits(name: string, v: unknown, n: number): string {
  if (typeof v !== 'string' || v.length !== n || !/^\d+$/.test(v)) fail('KEY', `${name} must be exactly ${n} decimal digits; got ${showInput(v)}`);
  return v;
}

export function intIn(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) fail('KEY', `${name} must be a whole number from ${lo} to ${hi}; got ${showInput(v)}`);
  return v;
}

function checkVendingKeyType(v: unknown): VendingKeyType {
  if (v !== 'unique' && v !== 'default' && v !== 'common') fail('KEY', `vendingKeyType must be "unique" (VUDK → KT 2), "default" (VDDK → KT 1) or "common" (VCDK → KT 3); got ${showInput(v)}`);
  return v;
}

/** Whether a meter with key type kt may use a vending key of this type. */
function keyTypeFits(kt: KeyType, type: VendingKeyType): boolean {
  return kt === 0 || KT_OF_VENDING_KEY_TYPE[type] === kt;
}

/** Import a vending key: validated, wrapped under the master key, stored. Never echoes the key. */
export async function importVendingKey(core: Core, tx: StoreTx, imp: VendingKeyImport, now: Date): Promise<VendingKeyInfo> {
  if (imp === null || typeof imp !== 'object') fail('FORMAT', 'a vending key import must be an object');
  const id = checkKeyId(imp.id);
  const dkga = imp.dkga;
  if (dkga !== '02' && dkga !== '04') fail('KEY', `dkga must be "02" (64-bit vending key) or "04" (160-bit vending key); got ${showInput(dkga)}`);
  const digitsWanted = dkga === '02' ? 16 : 40;
  const hex = typeof imp.keyHex === 'string' ? imp.keyHex.trim().replace(/^0x/i, '') : '';
  if (hex.length !== digitsWanted || !/^[0-9a-fA-F]+$/.test(hex)) {
    fail('KEY', `a DKGA${dkga} vending key is ${digitsWanted} hex digits (${digitsWanted * 4} bits); the key given is ${typeof imp.keyHex === 'string' ? `${hex.length} characters${/^[0-9a-fA-F]*$/.test(hex) ? '' : ' and not all hex digits'}` : 'not a string'}`);
  }
  const ea = parseEncryptionAlgorithm(imp.encryptionAlgorithm);
  if (dkga === '02' && ea === '11') fail('KEY', 'DKGA02 makes 64-bit decoder keys, for EA07 or EA09; EA11 (MISTY1, 128-bit) needs a DKGA04 vending key');
  const offset = (await core.config(tx)).utcOffsetMinutes;
  const activeFrom = imp.activeFrom === undefined ? localDateTime(now, offset) : normalizeDateTime(imp.activeFrom);
  const issuedUntil = imp.issuedUntil === undefined || imp.issuedUntil === null ? null : normalizeDateTime(imp.issuedUntil);
  if (issuedUntil !== null && minutesOfText(issuedUntil) <= minutesOfText(activeFrom)) {
    fail('RANGE', `issuedUntil (${issuedUntil}) must be after activeFrom (${activeFrom})`);
  }
  const attrs = {
    id, dkga, bits: dkga === '02' ? 64 : 160,
    supplyGroupCode: digits('supplyGroupCode (SGC)', imp.supplyGroupCode, 6),
    keyRevisionNumber: intIn('keyRevisionNumber (KRN)', imp.keyRevisionNumber, 1, 9),
    vendingKeyType: checkVendingKeyType(imp.vendingKeyType),
    baseDate: parseBaseDate(imp.baseDate),
    encryptionAlgorithm: ea, activeFrom, issuedUntil,
  };
  if ((await tx.getVendingKey(id)) !== undefined) fail('CONFLICT', `vending key ${id} is already in the store; nothing was changed (choose another id)`);
  const bits = hexToBytes(hex);
  const row: VendingKeyRow = {
    ...attrs, checkValue: vendingKeyCheckValue(bits), importedAt: now.toISOString(),
    wrapped: wrapVendingKey(core.kek, bits, keyBinding(attrs)),
  };
  bits.fill(0);
  await tx.insertVendingKey(row);
  return vendingKeyInfo(row);
}

/** The vending key for these attributes: the one named, or the only match (unique preferred). */
export async function findVendingKey(core: Core, tx: StoreTx, want: { id?: string; supplyGroupCode: string; keyRevisionNumber: number; baseDate: number; encryptionAlgorithm?: string; keyType?: KeyType }): Promise<VendingKeyRow> {
  if (want.id !== undefined) return core.vendingKeyRow(tx, checkKeyId(want.id));
  const all = (await tx.listVendingKeys()).filter((r) => r.supplyGroupCode === want.supplyGroupCode && r.keyRevisionNumber === want.keyRevisionNumber
    && r.baseDate === want.baseDate && (want.encryptionAlgorithm === undefined || r.encryptionAlgorithm === want.encryptionAlgorithm)
    && (want.keyType === undefined || keyTypeFits(want.keyType, r.vendingKeyType)));
  const what = `SGC ${want.supplyGroupCode}, KRN ${want.keyRevisionNumber}, base date ${want.baseDate}${want.encryptionAlgorithm ? `, EA${want.encryptionAlgorithm}` : ''}${want.keyType !== undefined ? `, KT ${want.keyType}` : ''}`;
  if (all.length === 0) fail('NOT_FOUND', `no vending key in the store matches ${what}; import one first (hsm key import)`);
  if (all.length === 1) return all[0]!;
  const unique = all.filter((r) => r.vendingKeyType === 'unique');
  if (unique.length === 1 && want.keyType === undefined) return unique[0]!;
  return fail('CONFLICT', `several vending keys match ${what} (${all.map((r) => r.id).join(', ')}); name one with vendingKeyId`);
}

/** Check that a meter's key attributes agree with its vending key. */
export function checkAgainstVendingKey(m: { supplyGroupCode: string; keyRevisionNumber: number; baseDate: number; encryptionAlgorithm: string; keyType: KeyType }, row: VendingKeyRow): void {
  const diffs: string[] = [];
  if (m.supplyGroupCode !== row.supplyGroupCode) diffs.push(`SGC ${m.supplyGroupCode} ≠ ${row.supplyGroupCode}`);
  if (m.keyRevisionNumber !== row.keyRevisionNumber) diffs.push(`KRN ${m.keyRevisionNumber} ≠ ${row.keyRevisionNumber}`);
  if (m.baseDate !== row.baseDate) diffs.push(`base date ${m.baseDate} ≠ ${row.baseDate}`);
  if (m.encryptionAlgorithm !== row.encryptionAlgorithm) diffs.push(`EA${m.encryptionAlgorithm} ≠ EA${row.encryptionAlgorithm}`);
  if (diffs.length > 0) fail('KEY', `the key attributes do not match vending key ${row.id}: ${diffs.join(', ')}`);
  if (!keyTypeFits(m.keyType, row.vendingKeyType)) {
    fail('KEY_TYPE', `vending key ${row.id} is a ${row.vendingKeyType} key: it makes KT ${KT_OF_VENDING_KEY_TYPE[row.vendingKeyType]} decoder keys, not KT ${m.keyType}`);
  }
}

/** Register a meter. CONFLICT if the PAN is registered; the decoder key is derived once as a check. */
export async function addMeter(core: Core, tx: StoreTx, m: MeterAdd, now: Date): Promise<MeterRecord> {
  if (m === null || typeof m !== 'object') fail('FORMAT', 'a meter must be an object');
  const pan = parseMeterPan(m.pan).pan;
  if (typeof m.customerReference !== 'string' || !TEXT.test(m.customerReference)) {
    fail('FORMAT', `customerReference must be 1 to 100 printable characters; got ${showInput(m.customerReference)}`);
  }
  const config = await core.config(tx);
  const customerGroup = m.customerGroup ?? config.tariffs[0]!.group;
  if (!config.tariffs.some((t) => t.group === customerGroup)) {
    fail('NOT_FOUND', `customer group ${showInput(customerGroup)} has no tariff; configured groups: ${config.tariffs.map((t) => t.group).join(', ')}`);
  }
  const profile = m.profile ?? 'water';
  if (typeof profile !== 'string' || !PROFILE.test(profile)) fail('FORMAT', `profile must be 1 to 32 characters a-z 0-9 -; got ${showInput(profile)}`);
  const attrs = {
    supplyGroupCode: digits('supplyGroupCode (SGC)', m.supplyGroupCode, 6),
    tariffIndex: digits('tariffIndex (TI)', m.tariffIndex ?? '01', 2),
    keyRevisionNumber: intIn('keyRevisionNumber (KRN)', m.keyRevisionNumber, 1, 9),
    keyExpiryNumber: intIn('keyExpiryNumber (KEN)', m.keyExpiryNumber ?? 255, 0, 255),
    encryptionAlgorithm: parseEncryptionAlgorithm(m.encryptionAlgorithm),
    baseDate: parseBaseDate(m.baseDate),
  };
  const givenKt = m.keyType === undefined ? undefined : parseKeyType(m.keyType);
  const row = await findVendingKey(core, tx, { id: m.vendingKeyId, ...attrs, keyType: givenKt });
  const keyType = givenKt ?? KT_OF_VENDING_KEY_TYPE[row.vendingKeyType];
  checkAgainstVendingKey({ ...attrs, keyType }, row);
  if ((await tx.getMeter(pan)) !== undefined) fail('CONFLICT', `meter ${pan} is already registered; nothing was changed`);
  const record: MeterRecord = {
    pan, customerReference: m.customerReference, customerGroup, ...attrs, keyType, profile,
    vendingKeyId: row.id, lastTid: null, registeredAt: now.toISOString(),
  };
  core.decoderKey(record, row);
  await tx.insertMeter(record);
  return record;
}

export async function requireMeter(tx: StoreTx, pan: string, lock = false): Promise<MeterRecord> {
  return (await tx.getMeter(pan, { lock })) ?? fail('NOT_FOUND', `meter ${pan} is not registered; register it first (hsm meter add)`);
}
