/**
 * Meter state as versioned JSON (the meter's non-volatile memory): `hydrosync-meter-state/1`.
 * Loading validates every field; a corrupt state or an unknown version is a STATE error and is
 * never "repaired" by resetting the meter. The state holds the decoder key, as a real meter's
 * memory does: keep the file private (the CLI writes it with mode 0600).
 */
import { HydroSyncError, fail } from '../errors';
import { bytesToHex } from '../codec/hex';
import { DecoderKey, type DecoderKeyOptions } from '../keys/decoder-key';
import type { Token } from '../tokens/types';
import { LAYOUTS, SUPPLY_GROUP_CODE_LAYOUT } from '../tokens/layout';
import { Meter, type MeterHistoryEntry } from './meter';
import { normalizeProfile, profileToJson, type MeterProfileInput } from './profile';
import { historyTokenText } from './history-text';
import { isMeterResultCode } from './results';
import { checkObject, describeValue } from '../argument-checks';

/**
 * The `format` of meter state JSON (`hydrosync-meter-state/1`).
 */
export const METER_STATE_FORMAT = 'hydrosync-meter-state/1';

export interface MeterStateJson {
  format: typeof METER_STATE_FORMAT;
  /** Incremented on every save; lets a reader tell two states apart. */
  revision: number;
  profile: Record<string, unknown>;
  key: {
    decoderKey: string;
    encryptionAlgorithm: string;
    keyType: number;
    keyRevisionNumber: number;
    keyExpiryNumber: number;
    supplyGroupCode: string;
    tariffIndex: string;
    baseDate: number;
    /** EA07: the name of the STA table set the key works with ('sample' for the IEC sample tables). */
    staTables?: string;
  };
  tidMemory: number[];
  creditLitres: number;
  consumedLitres: number;
  tamper: boolean;
  registers: number[];
  settings: { maximumPowerLimit: number | null; maximumPhasePowerUnbalanceLimit: number | null; tariffRate: number | null; waterMeterFactor: number | null };
  lockout: { rejects: number; lockedUntil: number | null };
  keyChangeHeld: { since: number; tokens: { subclass: number; fields: Record<string, number> }[] } | null;
  clock: number | null;
  history: MeterHistoryEntry[];
  /** The last meter report counter used (absent in states written before reports: 0). */
  reportCounter?: number;
}

/**
 * Snapshot a meter as JSON-ready state (format METER_STATE_FORMAT). The decoder key bits are part
 * of the state: store it like a key.
 * @param m - the meter
 * @param revision - the state file revision to record
 * @throws HydroSyncError `USAGE` if `m` is not a Meter.
 */
export function meterToState(m: Meter, revision = 0): MeterStateJson {
  if (!(m instanceof Meter)) fail('USAGE', `meterToState takes a Meter; got ${describeValue(m)}`);
  const k = m.key;
  const held = m.heldTokens();
  return {
    format: METER_STATE_FORMAT,
    revision,
    profile: profileToJson(m.profile),
    key: {
      decoderKey: bytesToHex(m.keyBytes()),
      encryptionAlgorithm: k.encryptionAlgorithm,
      keyType: k.keyType,
      keyRevisionNumber: k.keyRevisionNumber,
      keyExpiryNumber: k.keyExpiryNumber,
      supplyGroupCode: k.supplyGroupCode,
      tariffIndex: k.tariffIndex,
      baseDate: k.baseDate,
      ...(k.staTables !== undefined ? { staTables: k.staTables } : {}),
    },
    tidMemory: m.tidMemory.toArray(),
    creditLitres: m.creditLitres,
    consumedLitres: m.consumedLitres,
    tamper: m.tamper,
    registers: [...m.registers],
    settings: { ...m.settings },
    lockout: { rejects: m.rejects, lockedUntil: Number.isFinite(m.lockedUntil) ? m.lockedUntil : null },
    keyChangeHeld: held === null ? null : { since: held.since, tokens: held.tokens.map((t) => ({ subclass: t.subclass, fields: { ...t.fields } as Record<string, number> })) },
    clock: m.clock,
    history: m.history.map((h) => ({ ...h })),
    reportCounter: m.reportCounter,
  };
}

function bad(path: string, what: string): never {
  fail('STATE', `meter state is corrupt: ${path} ${what}; the meter was not changed (restore the file from a backup, or re-create the meter with 'meter init')`);
}

function int(o: Record<string, unknown>, name: string, min: number, max: number, path: string): number {
  const v = o[name];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) bad(`${path}${name}`, `must be a whole number from ${min} to ${max}`);
  return v;
}

function intOrNull(o: Record<string, unknown>, name: string, path: string): number | null {
  return o[name] === null ? null : int(o, name, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, path);
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'must be an object');
  return v as Record<string, unknown>;
}

/**
 * Rebuild a meter from state JSON (already parsed).
 * @param input - the parsed state
 * @param options - `staTables` for EA07 keys
 * @throws HydroSyncError `STATE` on anything malformed or an unknown format; `TABLES` bad STA tables.
 */
export function meterFromState(input: unknown, options: DecoderKeyOptions = {}): Meter {
  const s = obj(input, 'the state');
  if (s.format !== METER_STATE_FORMAT) {
    fail('STATE', typeof s.format === 'string' && s.format.startsWith('hydrosync-meter-state/')
      ? `meter state version ${JSON.stringify(s.format)} is not supported by this version of hydrosync (it reads ${METER_STATE_FORMAT}); upgrade hydrosync`
      : `not a HydroSync meter state (format must be ${JSON.stringify(METER_STATE_FORMAT)})`);
  }
  try {
    int(s, 'revision', 0, Number.MAX_SAFE_INTEGER, '');
    const profile = normalizeProfile(obj(s.profile, 'profile') as unknown as MeterProfileInput);
    const k = obj(s.key, 'key');
    if (typeof k.decoderKey !== 'string') bad('key.decoderKey', 'must be hex');
    const key = DecoderKey.fromHex(k.decoderKey, {
      encryptionAlgorithm: String(k.encryptionAlgorithm),
      keyType: k.keyType as 0,
      keyRevisionNumber: k.keyRevisionNumber as number,
      keyExpiryNumber: k.keyExpiryNumber as number,
      supplyGroupCode: k.supplyGroupCode as string,
      tariffIndex: k.tariffIndex as string,
      baseDate: k.baseDate as 2014,
    }, options);
    if (key.staTables !== undefined && k.staTables !== undefined && k.staTables !== key.staTables) {
      fail('TABLES', `this meter's key works with the STA tables ${JSON.stringify(k.staTables)}, but ${JSON.stringify(key.staTables)} were given; load the same tables (--sta-tables FILE) or every token would fail the CRC`);
    }
    const cap = profile.creditCapLitres;
    const m = new Meter({ profile, key, creditLitres: int(s, 'creditLitres', 0, cap, ''), tamper: s.tamper === true, keyOptions: options });
    if (typeof s.tamper !== 'boolean') bad('tamper', 'must be true or false');
    const tids = s.tidMemory;
    if (!Array.isArray(tids) || tids.length !== profile.tidMemoryDepth) bad('tidMemory', `must be an array of ${profile.tidMemoryDepth} TIDs`);
    tids.forEach((_, i) => int(tids as unknown as Record<string, unknown>, String(i), 0, 0xffffff, 'tidMemory.'));
    m.tidMemory.load(tids as number[]);
    m.consumedLitres = int(s, 'consumedLitres', 0, Number.MAX_SAFE_INTEGER, '');
    const regs = s.registers;
    if (!Array.isArray(regs) || regs.length !== 8) bad('registers', 'must be an array of 8 numbers');
    regs.forEach((_, i) => { m.registers[i] = int(regs as unknown as Record<string, unknown>, String(i), 0, Number.MAX_SAFE_INTEGER, 'registers.'); });
    const st = obj(s.settings, 'settings');
    m.settings.maximumPowerLimit = intOrNull(st, 'maximumPowerLimit', 'settings.');
    m.settings.maximumPhasePowerUnbalanceLimit = intOrNull(st, 'maximumPhasePowerUnbalanceLimit', 'settings.');
    m.settings.tariffRate = intOrNull(st, 'tariffRate', 'settings.');
    m.settings.waterMeterFactor = intOrNull(st, 'waterMeterFactor', 'settings.');
    const lo = obj(s.lockout, 'lockout');
    m.rejects = int(lo, 'rejects', 0, Number.MAX_SAFE_INTEGER, 'lockout.');
    const until = intOrNull(lo, 'lockedUntil', 'lockout.');
    m.lockedUntil = until === null ? Number.NEGATIVE_INFINITY : until;
    m.clock = intOrNull(s, 'clock', '');
    if (s.reportCounter !== undefined) m.reportCounter = int(s, 'reportCounter', 0, 0xffffffff, '');
    if (s.keyChangeHeld !== null) {
      const h = obj(s.keyChangeHeld, 'keyChangeHeld');
      if (!Array.isArray(h.tokens) || h.tokens.length === 0 || h.tokens.length > 3) bad('keyChangeHeld.tokens', 'must hold 1 to 3 tokens');
      const tokens: Token[] = h.tokens.map((t: unknown, i: number) => {
        const o = obj(t, `keyChangeHeld.tokens.${i}`);
        const sub = int(o, 'subclass', 3, 9, `keyChangeHeld.tokens.${i}.`);
        const f = obj(o.fields, `keyChangeHeld.tokens.${i}.fields`);
        const layout = sub === 8 && key.bits === 64 ? SUPPLY_GROUP_CODE_LAYOUT : LAYOUTS[32 + sub];
        if (layout === undefined || (sub !== 3 && sub !== 4 && sub !== 8 && sub !== 9)) bad(`keyChangeHeld.tokens.${i}.subclass`, 'is not a key-change section');
        const fields: Record<string, number> = {};
        for (const [name, , width] of layout.fields) fields[name] = int(f, name, 0, 2 ** width - 1, `keyChangeHeld.tokens.${i}.fields.`);
        return { kind: layout.kind, class: 2, subclass: sub, fields } as Token;
      });
      m.restoreHeld({ since: int(h, 'since', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'keyChangeHeld.'), tokens });
    }
    const hist = s.history;
    if (!Array.isArray(hist)) bad('history', 'must be an array');
    for (const [i, e] of hist.entries()) {
      const o = obj(e, `history.${i}`);
      const at = `history.${i}.`;
      if (!['token', 'consume', 'tamper', 'power-cycle'].includes(o.event as string)) bad(`${at}event`, 'is unknown');
      const entry = { at: int(o, 'at', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, at), event: o.event } as MeterHistoryEntry;
      if (o.token !== undefined) {
        if (typeof o.token !== 'string') bad(`${at}token`, 'must be a string');
        // Normalised as the meter writes it: a file written before the text was bounded still loads (credit and TID memory kept).
        entry.token = historyTokenText(o.token);
      }
      if (o.result !== undefined) {
        if (!isMeterResultCode(o.result)) bad(`${at}result`, 'is not a result code');
        entry.result = o.result;
      }
      if (o.litres !== undefined) entry.litres = int(o, 'litres', 0, Number.MAX_SAFE_INTEGER, at);
      entry.creditLitres = int(o, 'creditLitres', 0, Number.MAX_SAFE_INTEGER, at);
      m.history.push(entry);
    }
    if (m.history.length > profile.historyDepth) bad('history', `holds more than the profile's historyDepth (${profile.historyDepth}) entries`);
    return m;
  } catch (e) {
    if (e instanceof HydroSyncError && e.code !== 'STATE' && e.code !== 'TABLES') {
      fail('STATE', `meter state is corrupt: ${e.message}; the meter was not changed`);
    }
    throw e;
  }
}

/**
 * Parse state text (JSON) into a meter.
 * @param text - the state file's text
 * @param options - `staTables` for EA07 keys
 * @throws HydroSyncError `STATE` for invalid JSON or malformed state.
 */
export function parseMeterState(text: string, options: DecoderKeyOptions = {}): Meter {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    fail('STATE', 'meter state is corrupt: not valid JSON (a truncated or damaged file); the meter was not changed');
  }
  return meterFromState(doc, options);
}

/**
 * State → text (stable key order, newline at the end).
 * @param state - from meterToState
 * @throws HydroSyncError `STATE` if it is not a state object.
 */
export function serializeMeterState(state: MeterStateJson): string {
  checkObject(state, 'the meter state', 'STATE');
  try {
    return `${JSON.stringify(state, null, 2)}\n`;
  } catch (e) {
    throw new HydroSyncError('STATE', `the meter state cannot be written as JSON: ${(e as Error).message}`, { cause: e });
  }
}
