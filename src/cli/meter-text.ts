/** Text and JSON for the simulated meter's results, status and history (never key bits). */
import { wallClockFromTid } from '../codec/tid';
import { formatWallClock } from '../codec/wall-clock';
import { formatMeterTime } from '../meter/clock';
import type { EntryResult, Meter, MeterHistoryEntry } from '../meter/meter';
import { METER_RESULTS } from '../meter/results';
import { litresToCubicMetres, meterStatus } from '../meter/status';
import { keyCheckValue } from '../keys/key-check-value';
import type { MeterLanguage } from './meter-options';
import { algorithmText, groupDigits, keyTypeText, table, tokenDigits } from './token-text';

/** "4.25 m³ (4250 L)". */
export function volumeText(litres: number): string {
  return `${litresToCubicMetres(litres)} m³ (${litres} L)`;
}

/** Whether the meter took the token (ACCEPT, KCT_1, KCT_2). */
export function taken(r: EntryResult): boolean {
  return METER_RESULTS[r.result].taken;
}

/** A result as JSON (message in the chosen language; fields the result lacks are left out by JSON). */
export function resultJson(token: string, r: EntryResult, lang: MeterLanguage): Record<string, unknown> {
  return {
    token: tokenDigits(token), result: r.result, status: r.status, accepted: taken(r), message: METER_RESULTS[r.result][lang],
    detail: r.detail, class: r.class, subclass: r.subclass, kind: r.kind, tid: r.tid,
    litres: r.litres ?? 0, creditLitres: r.creditLitres, creditCubicMetres: litresToCubicMetres(r.creditLitres),
    lockedUntil: r.lockedUntil === undefined ? undefined : formatMeterTime(r.lockedUntil), keyChange: r.keyChange,
  };
}

const NEW_KEY = { en: 'new key', id: 'kunci baru' } as const;
const CREDIT = { en: 'credit', id: 'kredit' } as const;

/**
 * One line per result: token, result code, message, litres added, credit; then the detail of a
 * rejection or the new key of a completed key change.
 */
export function resultLine(token: string, r: EntryResult, lang: MeterLanguage): string {
  const parts = [
    groupDigits(tokenDigits(token)),
    r.result,
    METER_RESULTS[r.result][lang],
    `+${r.litres ?? 0} L`,
    `${CREDIT[lang]} ${volumeText(r.creditLitres)}`,
  ];
  if (r.keyChange !== undefined) {
    const k = r.keyChange;
    parts.push(`${NEW_KEY[lang]}: KRN ${k.keyRevisionNumber}, KT ${k.keyType}, TI ${k.tariffIndex}, KEN ${k.keyExpiryNumber}, SGC ${k.supplyGroupCode}, base date ${k.baseDate}${k.rollover ? ' (rollover: TID memory cleared)' : ''}`);
  } else if (r.lockedUntil !== undefined) {
    parts.push(`locked until ${formatMeterTime(r.lockedUntil)}`);
  }
  if (!taken(r) && r.detail !== undefined) parts.push(`(${r.detail})`);
  return parts.join('  ');
}

function tidText(tid: number, baseDate: number): string {
  try {
    return `${tid} (${formatWallClock(wallClockFromTid(tid, baseDate as 2014))})`;
  } catch {
    return String(tid);
  }
}

/** `meter status` as JSON: the core status plus the key check value (never the key). */
export function statusJson(path: string, m: Meter, revision: number): Record<string, unknown> {
  const s = meterStatus(m);
  return {
    state: path,
    revision,
    ...s,
    lowCreditLitres: m.profile.lowCreditLitres,
    key: { ...s.key, bits: m.key.bits, kcv: keyCheckValue(m.key) },
    lockoutPolicy: m.profile.lockout === null ? null : { ...m.profile.lockout },
    historyEntries: m.history.length,
  };
}

function lockoutPolicyText(m: Meter): string {
  const p = m.profile.lockout;
  return p === null ? 'none' : `after ${p.rejects} rejected tokens in a row: ${p.firstSeconds} s, doubling to ${p.maxSeconds} s`;
}

/** The key's attributes and check value (two rows; never the key). */
export function meterKeyRows(m: Meter): [string, string][] {
  const k = m.key;
  return [
    ['Key', `${algorithmText(k.encryptionAlgorithm)}, ${k.bits}-bit; KT ${keyTypeText(k.keyType)}; KRN ${k.keyRevisionNumber}; KEN ${k.keyExpiryNumber}${k.keyExpiryNumber === 255 ? ' (never expires)' : ''}`],
    ['', `SGC ${k.supplyGroupCode}; TI ${k.tariffIndex}; base date ${k.baseDate}; KCV ${keyCheckValue(k)} (the key itself is not shown)`],
  ];
}

/** `meter status` lines. */
export function statusLines(path: string, m: Meter, revision: number): string[] {
  const s = meterStatus(m);
  const k = m.key;
  const held = s.keyChangeHeld;
  const settings = Object.entries(s.settings).filter(([, v]) => v !== null).map(([n, v]) => `${n} ${String(v)}`);
  const lockout = Number.isFinite(m.lockedUntil) && s.lockout.lockedUntil !== null
    ? `${s.lockout.rejects} rejected in a row; locked until ${s.lockout.lockedUntil} (meter time)`
    : s.lockout.rejects > 0 ? `${s.lockout.rejects} rejected in a row, not locked` : 'not locked';
  return [
    `Meter ${s.pan} (profile ${s.profile}), state ${path} (revision ${revision})`,
    ...table([
      ['Remaining', volumeText(s.creditLitres)],
      ['Valve', s.valveOpen ? 'open' : 'closed (no credit)'],
      ['Low credit', `${s.lowCredit ? 'YES' : 'no'} (at or below ${volumeText(m.profile.lowCreditLitres)})`],
      ['Tamper', s.tamper ? 'YES (a ClearTamper token, class 2 subclass 5, clears it)' : 'no'],
      ['Used so far', volumeText(s.consumedLitres)],
      ['Meter clock', s.clock ?? 'not set yet (no time-stamped event)'],
      ...meterKeyRows(m),
      ['TID memory', `${s.tidMemory.depth} TIDs; oldest ${tidText(s.tidMemory.oldest, k.baseDate)}, newest ${tidText(s.tidMemory.newest, k.baseDate)}`],
      ['Key change', held === null ? 'no tokens held' : `holding section${held.subclasses.length > 1 ? 's' : ''} (class 2 subclass ${held.subclasses.join(', ')}) since ${held.since}; enter the rest of the set within ${m.profile.keyChangeHoldSeconds} s`],
      ['Lockout', lockout],
      ['Lockout policy', lockoutPolicyText(m)],
      settings.length > 0 ? ['Settings', settings.join('; ')] : undefined,
    ]),
  ];
}

/** One history entry as a line. */
export function historyLine(e: MeterHistoryEntry): string {
  const when = formatMeterTime(e.at).padEnd(19);
  switch (e.event) {
    case 'token':
      return `${when}  token        ${groupDigits(e.token ?? '')}  ${e.result ?? ''}${e.litres ? `  +${e.litres} L` : ''}  credit ${e.creditLitres} L`;
    case 'consume':
      return `${when}  consume      -${e.litres ?? 0} L  credit ${e.creditLitres} L`;
    case 'tamper':
      return `${when}  tamper       credit ${e.creditLitres} L`;
    default:
      return `${when}  ${e.event.padEnd(11)}  credit ${e.creditLitres} L`;
  }
}

/** Key and profile summary lines for `meter init`. */
export function profileLines(m: Meter): string[] {
  const p = m.profile;
  const sub = (c: 0 | 1 | 2 | 3) => (p.subclasses[c].length === 0 ? 'none' : p.subclasses[c].join(', '));
  return table([
    ...meterKeyRows(m),
    ['Profile', `${p.name}: class 0 subclasses ${sub(0)}; class 1: ${sub(1)}; class 2: ${sub(2)}`],
    ['Manufacturer code', String(p.manufacturerCode)],
    ['TID memory', `${p.tidMemoryDepth} TIDs, filled with ${tidText(m.tidMemory.oldest, m.key.baseDate)}`],
    ['Lockout', lockoutPolicyText(m)],
    ['Register cap', volumeText(p.creditCapLitres)],
    ['Low credit', `at or below ${volumeText(p.lowCreditLitres)}`],
    ['Key change hold', `${p.keyChangeHoldSeconds} s for the rest of a set`],
    ['History', `last ${p.historyDepth} events`],
  ]);
}
