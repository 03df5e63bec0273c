/**
 * The result of a key change (Issued + audit amount) and its compact sealed form.
 *
 * A single key change seals the whole result (operation.ts). A fleet key change seals the compact
 * form instead: only what the result is made of (PAN, tokens, old and new key attributes, RO, the
 * time), about 300 bytes instead of about 1.2 KB. The transactions table is WITHOUT ROWID, where a
 * row above about 1 KB (4 KiB pages) spills into an overflow page of its own: the compact form
 * keeps each row on its leaf page, which makes recording a fleet several times faster. unseal()
 * expands it back into exactly the result applyKeyChange returns, so a reissue
 * (`hsm keychange --pan P --txn ID`) shows the same set, notes and attributes.
 */
import { fail } from '../errors';
import { groupToken } from '../codec/token-digits';
import type { SealedIssue } from './sealed-result';
import type { Issued, MeterKeyAttributes } from './types';

/** The key attributes in MeterKeyAttributes order: compared, copied and stored (as a JSON array) in this order. */
export const KEY_ATTRIBUTES = [
  'vendingKeyId', 'supplyGroupCode', 'tariffIndex', 'keyRevisionNumber', 'keyType', 'keyExpiryNumber', 'baseDate', 'encryptionAlgorithm',
] as const satisfies readonly (keyof MeterKeyAttributes)[];

/** The key attributes of a meter, or of anything that has them, as a record of their own. */
export function keyAttributesOf(m: MeterKeyAttributes): MeterKeyAttributes {
  return Object.fromEntries(KEY_ATTRIBUTES.map((k) => [k, m[k]])) as unknown as MeterKeyAttributes;
}

function describeKey(a: MeterKeyAttributes): string {
  return `KRN ${a.keyRevisionNumber}, KT ${a.keyType}, SGC ${a.supplyGroupCode}, TI ${a.tariffIndex}, KEN ${a.keyExpiryNumber}, BD ${a.baseDate}, EA${a.encryptionAlgorithm}, vending key ${a.vendingKeyId}`;
}

/** The audit amount of a key change: the new key's attributes (and RO). */
export function keyChangeAuditAmount(to: MeterKeyAttributes, rollover: boolean): string {
  return `${describeKey(to)}${rollover ? ', RO' : ''}`;
}

/** The Issued result of a key change and its audit amount. */
export function keyChangeResult(
  transactionId: string, pan: string, tokens: string[], from: MeterKeyAttributes, to: MeterKeyAttributes, rollover: boolean, issuedAt: string,
): SealedIssue {
  const n = tokens.length as 2 | 3 | 4;
  const notes = [
    `Enter the ${n} key-change tokens in the order shown.`,
    `Enter any token issued before this key change (KRN ${from.keyRevisionNumber}) first: after the change the meter rejects it.`,
    `Tokens issued from now on are for the new key (KRN ${to.keyRevisionNumber}) and work only after the key change is entered.`,
  ];
  if (rollover) notes.push(`Rollover to base date ${to.baseDate}: the meter resets its TID memory (RO = 1).`);
  const issued: Issued = {
    transactionId, reissued: false, pan, kind: 'keychange', tokens, grouped: tokens.map(groupToken),
    keyRevisionNumber: to.keyRevisionNumber, keyChange: { from, to, rollover, tokenCount: n },
    notes, issuedAt,
  };
  return { issued, auditAmount: keyChangeAuditAmount(to, rollover) };
}

/** Marks the compact form (a full result is an object with `issued`). */
const COMPACT = 'hydrosync-keychange/1';

/** The attributes as a JSON array, in MeterKeyAttributes order. */
export function attributesJson(a: MeterKeyAttributes): string {
  return JSON.stringify(KEY_ATTRIBUTES.map((k) => a[k]));
}

/**
 * The compact form's JSON text. `fromJson`/`toJson` are attributesJson() of the old and new key
 * (the same for every meter of one fleet plan, so callers make them once).
 */
export function compactKeyChangeText(pan: string, tokens: readonly string[], fromJson: string, toJson: string, rollover: boolean, issuedAt: string): string {
  return `{"f":"${COMPACT}","pan":${JSON.stringify(pan)},"tokens":${JSON.stringify(tokens)},"from":${fromJson},"to":${toJson},"ro":${rollover},"at":${JSON.stringify(issuedAt)}}`;
}

function attributesOf(v: unknown): MeterKeyAttributes {
  if (!Array.isArray(v) || v.length !== KEY_ATTRIBUTES.length) fail('STORE', 'a compact key-change record has malformed key attributes');
  return Object.fromEntries(KEY_ATTRIBUTES.map((k, i) => [k, v[i]])) as unknown as MeterKeyAttributes;
}

/** A sealed value as stored → the result it stands for (compact key-change records are expanded). */
export function expandSealedValue(transactionId: string, value: unknown): unknown {
  const v = value as { f?: unknown; pan?: unknown; tokens?: unknown; from?: unknown; to?: unknown; ro?: unknown; at?: unknown } | null;
  if (v === null || typeof v !== 'object' || v.f !== COMPACT) return value;
  if (typeof v.pan !== 'string' || !Array.isArray(v.tokens) || !v.tokens.every((t) => typeof t === 'string') || typeof v.ro !== 'boolean' || typeof v.at !== 'string') {
    fail('STORE', 'a compact key-change record is malformed');
  }
  return keyChangeResult(transactionId, v.pan, v.tokens as string[], attributesOf(v.from), attributesOf(v.to), v.ro, v.at);
}
