/**
 * The one parser of amount text (rupiah, currency, cubic metres, litres): exact, locale-free, and
 * strict. Every library entry point and every CLI option that takes an amount as text uses it.
 *
 * Grammar (one amount, surrounding spaces ignored):
 *
 *     amount   = ["-"] whole ["." fraction]      "-" only for a signed unit (currency)
 *     whole    = digit+                          "25000"
 *              | digit{1,3} (sep digit{3})+      "25_000", "1 234 567" (thin spaces); one kind of sep per amount
 *     fraction = digit{1,N}                      N = the unit's fraction digits; none for rupiah and litres
 *     sep      = "_" | U+2009 thin space | U+202F narrow no-break space
 *
 * A `,` is always refused (it means a fraction in one locale and grouping in another), so is a
 * fraction where the unit has none and more fraction digits than the unit's smallest step: never a
 * silent reinterpretation. The result is an integer count of the unit's smallest step (bigint).
 */
import { fail } from '../errors';
import { showInput, typeOfInput } from './input-text';

/** The units an amount can be given in. */
export type AmountUnit = 'rupiah' | 'currency' | 'cubicMetres' | 'litres';

/** What an amount unit allows: digits after the point (its smallest step is 10^-fractionDigits), and a sign. */
export interface AmountUnitRule {
  /** How the unit is named in messages. */
  readonly name: string;
  /** Digits allowed after the point: 0 = whole numbers only. */
  readonly fractionDigits: number;
  /** Whether a leading "-" is allowed (currency debits). */
  readonly signed: boolean;
  /** The smallest step, for messages ("1 rupiah", "0.00001", "1 litre"). */
  readonly step: string;
}

/** The rule of each unit. Cubic metres stop at the litre (0.001 m³); currency at 0.00001 (sts-reference §3.2). */
export const AMOUNT_UNITS: Readonly<Record<AmountUnit, AmountUnitRule>> = {
  rupiah: { name: 'rupiah', fractionDigits: 0, signed: false, step: 'whole rupiah' },
  currency: { name: 'currency amount', fractionDigits: 5, signed: true, step: '0.00001' },
  cubicMetres: { name: 'cubic metres', fractionDigits: 3, signed: false, step: '0.001 m³ (one litre)' },
  litres: { name: 'litres', fractionDigits: 0, signed: false, step: 'whole litres' },
};

/** Integer digits accepted at most: far beyond the largest 20-bit currency amount (31 digits); stops absurd input early. */
export const AMOUNT_MAX_DIGITS = 60;

const SEPARATORS = '_\u2009\u202f';
const PLAIN = /^(-?)(\d+)(?:\.(\d+))?$/;
/** Grouped: one kind of separator throughout ("1_234_567", not "1_234 567"). */
const GROUPED = /^(-?)(\d{1,3}([_\u2009\u202f])\d{3}(?:\3\d{3})*)(?:\.(\d+))?$/;

/**
 * The grammar of a unit's amounts in one sentence, quoted by every refusal.
 * @param unit - 'rupiah', 'currency', 'cubicMetres' or 'litres'
 * @throws HydroSyncError `USAGE` for an unknown unit.
 */
export function amountRule(unit: AmountUnit): string {
  const r = Object.hasOwn(AMOUNT_UNITS, unit) ? AMOUNT_UNITS[unit] : fail('USAGE', `unknown amount unit; use one of ${Object.keys(AMOUNT_UNITS).join(', ')}`);
  const fraction = r.fractionDigits === 0
    ? 'no fraction'
    : `an optional "." and at most ${r.fractionDigits} fraction digit${r.fractionDigits === 1 ? '' : 's'}`;
  return `write ${r.name} as digits${r.signed ? ' (optionally after "-")' : ''}, ${fraction}, grouped only by "_" or a thin space in groups of three (e.g. ${example(unit)}); "," is never allowed`;
}

function example(unit: AmountUnit): string {
  switch (unit) {
    case 'rupiah': return '"50000" or "50_000"';
    case 'currency': return '"25000", "25_000" or "12.5"';
    case 'cubicMetres': return '"2.5" or "1_000.125"';
    case 'litres': return '"2500" or "2_500"';
  }
}

/**
 * Amount text → an exact integer count of the unit's smallest step: rupiah and litres → whole units,
 * currency → 0.00001 units, cubic metres → litres.
 *
 * @param text - the amount as written, e.g. `"50_000"`, `"2.5"`, `"1 234"` (thin spaces)
 * @param unit - which unit's rule applies (see AMOUNT_UNITS)
 * @returns the amount in the unit's smallest step, as a bigint
 * @throws HydroSyncError `FORMAT` (with the rule quoted) for anything outside the grammar: a `,`,
 *   a fraction where the unit has none, too many fraction digits, bad grouping, a sign where the
 *   unit has none, an unknown unit; `RANGE` for more than AMOUNT_MAX_DIGITS integer digits.
 * @example
 * ```ts
 * parseDecimalAmount('50_000', 'rupiah');   // 50000n
 * parseDecimalAmount('2.5', 'cubicMetres'); // 2500n (litres)
 * parseDecimalAmount('12.5', 'currency');   // 1250000n (0.00001 units)
 * parseDecimalAmount('50.5', 'rupiah');     // throws FORMAT: rupiah … no fraction
 * ```
 */
export function parseDecimalAmount(text: string, unit: AmountUnit): bigint {
  const rule = AMOUNT_UNITS[unit];
  if (rule === undefined) fail('FORMAT', `unknown amount unit ${showInput(unit)}; use one of ${Object.keys(AMOUNT_UNITS).join(', ')}`);
  if (typeof text !== 'string') fail('FORMAT', `${rule.name} must be text such as ${example(unit)}; got ${typeOfInput(text)}`);
  const t = text.trim();
  const plain = PLAIN.exec(t);
  const match = plain ?? GROUPED.exec(t);
  if (match === null) fail('FORMAT', `${rule.name} ${showInput(text)} is not an amount: ${whyNot(t, unit)}${amountRule(unit)}`);
  const [, sign, groupedWhole] = match;
  const fraction = (match === plain ? match[3] : match[4]) ?? '';
  if (sign === '-' && !rule.signed) fail('FORMAT', `${rule.name} must not be negative; got ${showInput(text)}`);
  if (fraction !== '' && rule.fractionDigits === 0) {
    fail('FORMAT', `${rule.name} take ${rule.step} only: ${showInput(text)} has a fraction. ${amountRule(unit)}`);
  }
  if (fraction.length > rule.fractionDigits) {
    fail('FORMAT', `${rule.name} ${showInput(text)} has ${fraction.length} fraction digits; the smallest step is ${rule.step}, at most ${rule.fractionDigits} digits after "."`);
  }
  const whole = stripSeparators(groupedWhole!).replace(/^0+(?=\d)/, '');
  if (whole.length > AMOUNT_MAX_DIGITS) fail('RANGE', `${rule.name} has ${whole.length} integer digits; at most ${AMOUNT_MAX_DIGITS} are accepted`);
  const steps = BigInt(whole + fraction.padEnd(rule.fractionDigits, '0'));
  return sign === '-' ? -steps : steps;
}

function stripSeparators(s: string): string {
  let out = '';
  for (const c of s) if (!SEPARATORS.includes(c)) out += c;
  return out;
}

/** The first reason a text is outside the grammar, for the message. */
function whyNot(t: string, unit: AmountUnit): string {
  if (t === '') return 'it is empty. ';
  if (t.includes(',')) return '"," is ambiguous (a fraction in some places, grouping in others). ';
  if (/^[+]/.test(t)) return 'no "+" sign. ';
  if (/[eE]/.test(t) && /\d/.test(t)) return 'no exponent. ';
  if (/(^|-)\./.test(t) || /\.$/.test(t)) return 'digits are needed on both sides of ".". ';
  if (/[_\u2009\u202f ]/.test(t)) return /[ ]/.test(t) ? 'a plain space does not group digits. ' : 'grouping is in threes with one kind of separator (e.g. 1_234_567). ';
  if (AMOUNT_UNITS[unit].fractionDigits === 0 && t.includes('.')) return '"." starts a fraction, and there is none here. ';
  return '';
}

/**
 * An amount as a JavaScript number: parseDecimalAmount, then a safe-integer check. For units whose
 * totals stay small (rupiah, litres).
 * @param text - the amount as written
 * @param unit - which unit's rule applies
 * @throws HydroSyncError `FORMAT` as parseDecimalAmount; `RANGE` beyond 2^53 − 1 or AMOUNT_MAX_DIGITS.
 */
export function parseDecimalAmountNumber(text: string, unit: AmountUnit): number {
  const v = parseDecimalAmount(text, unit);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
    fail('RANGE', `${AMOUNT_UNITS[unit].name} ${showInput(text)} is too large (above 9007199254740991 steps)`);
  }
  return Number(v);
}
