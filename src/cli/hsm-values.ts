/** Parsers for the option values of `hydrosync hsm …` (usage errors, exit 2, naming the option). */
import type { BaseDate } from '../codec/tid';
import type { EncryptionAlgorithm, KeyType } from '../keys/types';
import { usage } from './exit-codes';
import { parseInteger } from './option-values';

/** A short value as given (JSON), a long one only by its length: never a key pasted in the wrong field. */
function shown(t: string): string {
  return t.length <= 8 ? JSON.stringify(t) : `${t.length} characters`;
}

export function baseDateOf(v: unknown, what: string): BaseDate {
  const t = String(v).trim();
  const full = t.length === 2 ? `${t === '93' ? '19' : '20'}${t}` : t;
  if (!['1993', '2014', '2035'].includes(full)) usage(`${what} must be 1993, 2014 or 2035`);
  return Number(full) as BaseDate;
}

export function eaOf(v: unknown, what: string): EncryptionAlgorithm {
  const ea = String(v).trim().toUpperCase().replace(/^EA/, '').padStart(2, '0');
  if (ea !== '07' && ea !== '09' && ea !== '11') usage(`${what} must be 07 (STA), 09 (DES, deprecated) or 11 (MISTY1)`);
  return ea;
}

export function sgcOf(v: unknown, what: string): string {
  const t = String(v).trim();
  if (!/^\d{6}$/.test(t)) usage(`${what} must be a 6-digit supply group code; got ${shown(t)}`);
  return t;
}

export function tiOf(v: unknown, what: string): string {
  const t = String(v).trim();
  if (!/^\d{1,2}$/.test(t)) usage(`${what} must be a 2-digit tariff index; got ${shown(t)}`);
  return t.padStart(2, '0');
}

export function ktOf(v: string, what: string): KeyType {
  return parseInteger(v, what, 0, 3) as KeyType;
}
