import type { BaseDate } from '../codec/tid';
import type { EncryptionAlgorithm } from '../keys/types';
import { usage } from './exit-codes';

/**
 * Parsers for option values. They throw usage errors (exit 2) naming the option, and quote the
 * value only when it is short (option values are never key material; key options are parsed
 * elsewhere).
 */

function shown(text: string): string {
  return JSON.stringify(text.length > 30 ? `${text.slice(0, 27)}...` : text);
}

/** A whole number given in decimal, or in hex with 0x when `hex` is set, within [min, max]. */
export function parseInteger(text: string, option: string, min: number, max: number, options: { hex?: boolean } = {}): number {
  const t = String(text).trim();
  let v: number;
  if (/^[0-9]+$/.test(t)) v = Number(t);
  else if (options.hex && /^0x[0-9a-f]+$/i.test(t)) v = parseInt(t.slice(2), 16);
  else {
    return usage(`${option} must be a whole number${options.hex ? ' (decimal, or hex with 0x)' : ''}; got ${shown(t)}`);
  }
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    const range = options.hex && max > 9999 ? `${min} to ${max} (0x${max.toString(16)})` : `${min} to ${max}`;
    return usage(`${option} must be from ${range}; got ${shown(t)}`);
  }
  return v;
}

/** An optional integer option: undefined stays undefined. */
export function optionalInteger(text: string | undefined, option: string, min: number, max: number, options: { hex?: boolean } = {}): number | undefined {
  return text === undefined ? undefined : parseInteger(text, option, min, max, options);
}

/** At most one of the named options (`what`, for the message) may be set; returns its name (undefined: none). */
export function atMostOne(values: Record<string, unknown>, what = `one of ${Object.keys(values).join(', ')}`): string | undefined {
  const given = Object.entries(values).filter(([, v]) => v !== undefined && v !== false).map(([k]) => k);
  if (given.length > 1) usage(`give only ${what} (got ${given.join(' and ')})`);
  return given[0];
}

/** Exactly one of the named options must be set; returns its name. */
export function exactlyOne(values: Record<string, unknown>, what: string): string {
  return atMostOne(values) ?? usage(`give ${what}: one of ${Object.keys(values).join(', ')}`);
}

/** A short value as given (JSON), a long one only by its length: never a key pasted in the wrong field. */
function shortValue(t: string): string {
  return t.length <= 8 ? JSON.stringify(t) : `${t.length} characters`;
}

/** A TID base date: 1993, 2014 or 2035 (93, 14, 35). */
export function baseDateOf(v: unknown, what: string): BaseDate {
  const t = String(v).trim();
  const full = t.length === 2 ? `${t === '93' ? '19' : '20'}${t}` : t;
  if (!['1993', '2014', '2035'].includes(full)) usage(`${what} must be 1993, 2014 or 2035`);
  return Number(full) as BaseDate;
}

/** An encryption algorithm: 07, 09 or 11 (EA07, 7, …). */
export function eaOf(v: unknown, what: string): EncryptionAlgorithm {
  const ea = String(v).trim().toUpperCase().replace(/^EA/, '').padStart(2, '0');
  if (ea !== '07' && ea !== '09' && ea !== '11') usage(`${what} must be 07 (STA), 09 (DES, deprecated) or 11 (MISTY1)`);
  return ea;
}

/** A 6-digit supply group code. */
export function sgcOf(v: unknown, what: string): string {
  const t = String(v).trim();
  if (!/^\d{6}$/.test(t)) usage(`${what} must be a 6-digit supply group code; got ${shortValue(t)}`);
  return t;
}

/** A tariff index, 1 or 2 digits, as 2 digits. */
export function tiOf(v: unknown, what: string): string {
  const t = String(v).trim();
  if (!/^\d{1,2}$/.test(t)) usage(`${what} must be a 2-digit tariff index; got ${shortValue(t)}`);
  return t.padStart(2, '0');
}
