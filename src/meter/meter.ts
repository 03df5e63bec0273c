/**
 * The meter application process (reference §8) and a water-meter simulator around it.
 *
 * `Meter.enter(token, at)` runs the checks in this order (reference §8.3; no normative order is
 * public, this is the documented choice):
 *   1. format (20 digits, value < 2^66)              → FORMAT
 *   2. lockout (class 0/2 only; class 1 still works)  → LOCKOUT
 *   3. class (class 3 is reserved)                    → FUNCTION
 *   4. authentication: class 0/2 decrypt + CRC (CRC_C for currency); class 1 CRC + MfrCode → CRC, MFR_CODE
 *   5. function: subclass in the profile (and ClearCredit's register)                    → FUNCTION
 *   6. key expiry: TID >> 16 > KEN of the current key                                    → KEY_EXPIRED
 *   7. DDTK: credit (class 0) under key type 1                                           → DDTK
 *   8. TID: Old (below the smallest stored TID), then Used (stored)                      → OLD, USED
 *   9. range / overflow (the token is not consumed, it can be entered later)             → RANGE, OVERFLOW
 *  10. apply, store the TID, reset the lockout counter                                   → ACCEPT
 * Key-change tokens (class 2 sub 3, 4, 8, 9) carry no TID: after step 5 they are held until
 * the set is complete (KCT_1, KCT_2), then the key type rule is checked (KEY_TYPE; also a rollover
 * to the key bits the meter already has, which would reopen every old token) and the set is
 * applied (ACCEPT). A rejected token changes nothing but the lockout counter.
 *
 * The hot path (class 0 credit) allocates only the result object and uses no BigInt.
 */
import { HydroSyncError, fail } from '../errors';
import { tokenCrc } from '../codec/crc16';
import { readToken, tokenFormatProblem } from '../codec/token-digits';
import { decodeTransferAmount } from '../codec/transfer-amount';
import { decodeCurrencyUnits } from '../codec/currency-amount';
import type { BaseDate } from '../codec/tid';
import { DecoderKey, decoderKeyBytes, sameKeyBits, type DecoderKeyOptions } from '../keys/decoder-key';
import type { KeyType } from '../keys/types';
import { LAYOUTS, SUPPLY_GROUP_CODE_LAYOUT, readBits, type Layout } from '../tokens/layout';
import { assembleKeyChange, baseDateAfter } from '../tokens/key-change';
import type { Token, TokenKind } from '../tokens/types';
import { type MeterTime, meterSeconds } from './clock';
import { keyTypeChangeAllowed } from './key-types';
import { type MeterProfile, type MeterProfileInput, normalizeProfile } from './profile';
import { METER_RESULTS, type MeterResultCode } from './results';
import { historyTokenText } from './history-text';
import { TidMemory } from './tid-memory';
import { makeMeterReport, type MeterReportOutput } from './report';

const LITRES_PER_TENTH = 100;
const REGISTER_ALL = 0xffff;
const WATER_REGISTER = 1;

/** What the meter did with one entered token. */
export interface EntryResult {
  result: MeterResultCode;
  /** Token status register value (1..15). */
  status: number;
  /** Short English display text (METER_RESULTS has Indonesian too). */
  message: string;
  /** Why, for rejections (technical detail for support staff). */
  detail?: string;
  class?: number;
  subclass?: number;
  kind?: TokenKind;
  tid?: number;
  /** Litres this token added to the water register. */
  litres?: number;
  /** Water credit after the entry, litres. */
  creditLitres: number;
  /** Meter time (seconds) until which entry is locked, for LOCKOUT and for the reject that started it. */
  lockedUntil?: number;
  /** The new key's attributes, when this entry completed a key-change set. */
  keyChange?: { keyRevisionNumber: number; keyType: KeyType; keyExpiryNumber: number; tariffIndex: string; supplyGroupCode: string; baseDate: BaseDate; rollover: boolean; tokenCount: number };
}

/** The state of a meter at creation. */
export interface MeterInit {
  profile: MeterProfileInput | MeterProfile;
  key: DecoderKey;
  /** Every TID memory slot starts with this (the manufacture time's TID under the key's base date). Default 0. */
  initialTid?: number;
  creditLitres?: number;
  tamper?: boolean;
  /** STA tables for keys installed by key change on EA07 meters. */
  keyOptions?: DecoderKeyOptions;
}

/** A held key-change token. */
interface HeldKct {
  subclass: number;
  token: Token;
}

/** A history entry (kept when the profile's historyDepth > 0). */
export interface MeterHistoryEntry {
  /** Meter time, seconds. */
  at: number;
  event: 'token' | 'consume' | 'tamper' | 'power-cycle';
  token?: string;
  result?: MeterResultCode;
  litres?: number;
  creditLitres: number;
}

/** Settings carried by management tokens (raw field values). */
export interface MeterSettings {
  maximumPowerLimit: number | null;
  maximumPhasePowerUnbalanceLimit: number | null;
  tariffRate: number | null;
  waterMeterFactor: number | null;
}

/**
 * A simulated STS water meter: the meter application process (anti-replay TID memory, key change,
 * lockout, registers) behind `enter(token, at)`.
 * @example
 * ```ts
 * const meter = new Meter({ profile: { pan: '600727000000000009' }, key,
 *   initialTid: tidFromWallClock('2026-11-01T00:00', 2014) });
 * meter.enter('1693 6447 5489 2156 1478', '2026-12-01T09:35').result; // 'ACCEPT', or why not
 * ```
 */
export class Meter {
  readonly profile: MeterProfile;
  private keyValue: DecoderKey;
  private readonly keyOptions: DecoderKeyOptions;
  readonly tidMemory: TidMemory;
  /** Water credit register, litres. */
  creditLitres: number;
  /** Cumulative consumption, litres. */
  consumedLitres = 0;
  tamper: boolean;
  /** Registers of other class 0 subclasses the profile supports, in token units (tenths, or 10^-5 currency units). */
  readonly registers: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  readonly settings: MeterSettings = { maximumPowerLimit: null, maximumPhasePowerUnbalanceLimit: null, tariffRate: null, waterMeterFactor: null };
  /** Consecutive rejected class 0/2 entries. */
  rejects = 0;
  /** Meter time (seconds) until which class 0/2 entry is locked; -Infinity when not locked. */
  lockedUntil = Number.NEGATIVE_INFINITY;
  /** Reports made so far: the last report counter used (docs/reports.md). Never decreases. */
  reportCounter = 0;
  private held: HeldKct[] = [];
  private heldSince = 0;
  /** Last meter time seen (seconds), for status. */
  clock: number | null = null;
  readonly history: MeterHistoryEntry[] = [];
  private readonly block = new Uint32Array(2);

  /**
   * A meter with a profile and its decoder key.
   * @param init - `profile` (at least `pan`), `key` (a DecoderKey for that PAN), `initialTid`,
   *   `creditLitres`, `tamper`, `keyOptions`
   * @throws HydroSyncError `FORMAT` no init object or a malformed profile; `KEY` no DecoderKey, or a
   *   key made for another MeterPAN; `RANGE` a profile or register value out of range.
   */
  constructor(init: MeterInit) {
    if (typeof init !== 'object' || init === null) fail('FORMAT', 'a meter needs { profile, key }');
    this.profile = normalizeProfile(init.profile as MeterProfileInput);
    if (!(init.key instanceof DecoderKey)) fail('KEY', 'a meter needs its DecoderKey (deriveDecoderKey or DecoderKey.fromHex)');
    if (init.key.pan !== undefined && init.key.pan !== this.profile.pan) {
      fail('KEY', `the decoder key was made for MeterPAN ${init.key.pan}, not for this meter (${this.profile.pan}): every token would fail the CRC`);
    }
    this.keyValue = init.key;
    this.keyOptions = init.keyOptions ?? {};
    const initialTid = init.initialTid ?? 0;
    if (!Number.isInteger(initialTid) || initialTid < 0 || initialTid > 0xffffff) fail('RANGE', `initialTid must be 0..16777215; got ${initialTid}`);
    this.tidMemory = new TidMemory(this.profile.tidMemoryDepth, initialTid);
    const credit = init.creditLitres ?? 0;
    if (!Number.isSafeInteger(credit) || credit < 0 || credit > this.profile.creditCapLitres) {
      fail('RANGE', `creditLitres must be a whole number from 0 to the register cap ${this.profile.creditCapLitres}; got ${credit}`);
    }
    this.creditLitres = credit;
    this.tamper = init.tamper === true;
  }

  /** The meter's current decoder key (with KT, KRN, KEN, TI, SGC, base date). */
  get key(): DecoderKey {
    return this.keyValue;
  }

  /** The valve is open while there is credit. */
  get valveOpen(): boolean {
    return this.creditLitres > 0;
  }

  get lowCredit(): boolean {
    return this.creditLitres <= this.profile.lowCreditLitres;
  }

  /** Held key-change tokens (subclasses), and since when. */
  get pendingKeyChange(): { subclasses: number[]; since: number } | null {
    return this.held.length === 0 ? null : { subclasses: this.held.map((h) => h.subclass), since: this.heldSince };
  }

  /** Enter a 20-digit token at meter time `at`. Never throws for a bad token (only for a bad time). */
  enter(token: string, at: MeterTime): EntryResult {
    const now = meterSeconds(at);
    this.clock = now;
    const r = this.process(token, now);
    if (this.profile.historyDepth > 0) {
      this.record({ at: now, event: 'token', token: historyTokenText(token), result: r.result, ...(r.litres !== undefined ? { litres: r.litres } : {}), creditLitres: this.creditLitres });
    }
    return r;
  }

  private process(token: string, now: number): EntryResult {
    const b = this.block;
    // A malformed entry is an expected outcome: read it without building an Error.
    const cls = readToken(token, b);
    if (cls < 0) return this.result('FORMAT', -1, now, tokenFormatProblem(token) ?? 'not a 20-digit token');
    if (cls !== 1 && now < this.lockedUntil) {
      return { result: 'LOCKOUT', status: 15, message: METER_RESULTS.LOCKOUT.en, class: cls, creditLitres: this.creditLitres, lockedUntil: this.lockedUntil, detail: `token entry is locked for ${this.lockedUntil - now} more seconds after ${this.rejects} rejected tokens` };
    }
    if (cls === 3) return this.result('FUNCTION', cls, now, 'token class 3 is reserved');
    if (cls === 1) return this.class1(now);
    this.keyValue.cipher.decrypt(b);
    const hi = b[0]!;
    const lo = b[1]!;
    const sub = hi >>> 28;
    if (tokenCrc(cls, hi, lo, cls === 0 && sub >= 4 && sub <= 7) !== (lo & 0xffff)) {
      return this.result('CRC', cls, now, 'CRC check failed: the token is for another meter or key, or was mistyped');
    }
    if (!this.profile.subclasses[cls as 0 | 2].includes(sub)) {
      return this.result('FUNCTION', cls, now, `class ${cls} subclass ${sub} is not supported by the ${this.profile.name} profile`, sub);
    }
    if (cls === 2 && (sub === 3 || sub === 4 || sub === 8 || sub === 9)) return this.keyChangeToken(sub, hi, lo, now);
    if (cls === 2 && sub > 7) return this.result('FUNCTION', cls, now, `class 2 subclass ${sub} has no known layout`, sub);
    const tid = hi & 0xffffff;
    // Function: ClearCredit must name a register this meter has.
    if (cls === 2 && sub === 1) {
      const register = lo >>> 16;
      if (register !== REGISTER_ALL && !this.profile.subclasses[0].includes(register)) {
        return this.result('FUNCTION', cls, now, `ClearCredit for register ${register}: this meter has no such register (1 water, 65535 all)`, sub);
      }
    }
    const key = this.keyValue;
    if (tid >>> 16 > key.keyExpiryNumber) {
      return this.result('KEY_EXPIRED', cls, now, `the token's TID ${tid} is past the key's KeyExpiryNumber ${key.keyExpiryNumber}: the meter needs a key change`, sub, tid);
    }
    if (cls === 0 && key.keyType === 1) {
      return this.result('DDTK', cls, now, 'credit tokens are refused while the meter holds a default key (DDTK, KT 1)', sub, tid);
    }
    const mem = this.tidMemory;
    if (mem.isOld(tid)) return this.result('OLD', cls, now, `TID ${tid} is older than the oldest TID in the meter's memory (${mem.oldest})`, sub, tid);
    if (mem.has(tid)) return this.result('USED', cls, now, `TID ${tid} is in the meter's memory: this token was entered before`, sub, tid);
    let litres: number | undefined;
    if (cls === 0) {
      if (sub === 1) {
        litres = decodeTransferAmount(lo >>> 16) * LITRES_PER_TENTH;
        if (this.creditLitres + litres > this.profile.creditCapLitres) {
          return this.result('OVERFLOW', cls, now, `${litres} litres would take the register past its cap of ${this.profile.creditCapLitres} litres; enter the token again after using some water`, sub, tid);
        }
        this.creditLitres += litres;
      } else {
        const units = sub < 4 ? decodeTransferAmount(lo >>> 16) : Number(decodeCurrencyUnits((((hi >>> 24) & 0xf) << 16) | (lo >>> 16)));
        const next = this.registers[sub]! + units;
        if (next > Number.MAX_SAFE_INTEGER) return this.result('OVERFLOW', cls, now, `register ${sub} is full`, sub, tid);
        if (next < 0) return this.result('RANGE', cls, now, `a debit of ${-units} units would take register ${sub} below zero`, sub, tid);
        this.registers[sub] = next;
      }
    } else {
      const value = lo >>> 16;
      switch (sub) {
        case 0: this.settings.maximumPowerLimit = value; break;
        case 1:
          if (value === REGISTER_ALL || value === WATER_REGISTER) this.creditLitres = 0;
          if (value === REGISTER_ALL) this.registers.fill(0);
          else if (value !== WATER_REGISTER) this.registers[value] = 0;
          break;
        case 2: this.settings.tariffRate = value; break;
        case 5: this.tamper = false; break;
        case 6: this.settings.maximumPhasePowerUnbalanceLimit = value; break;
        case 7:
          if (value === 0) return this.result('RANGE', cls, now, 'a water meter factor of 0 would stop all metering', sub, tid);
          this.settings.waterMeterFactor = value;
          break;
      }
    }
    mem.insert(tid);
    this.rejects = 0;
    const r: EntryResult = { result: 'ACCEPT', status: 1, message: METER_RESULTS.ACCEPT.en, class: cls, subclass: sub, tid, creditLitres: this.creditLitres };
    if (litres !== undefined) r.litres = litres;
    return r;
  }

  /** Class 1 (InitiateMeterTest/Display): not encrypted, no TID; CRC, MfrCode, then subclass. Accepted without changing state. */
  private class1(now: number): EntryResult {
    const hi = this.block[0]!;
    const lo = this.block[1]!;
    const sub = hi >>> 28;
    if (tokenCrc(1, hi, lo, false) !== (lo & 0xffff)) return this.result('CRC', 1, now, 'CRC check failed: the token was mistyped');
    const layout = LAYOUTS[16 + sub];
    if (layout === undefined) return this.result('FUNCTION', 1, now, `class 1 subclass ${sub} is reserved or not supported`, sub);
    const mfr = readBits(hi, lo, 16, sub === 0 ? 8 : 16);
    if (mfr !== this.profile.manufacturerCode) {
      return this.result('MFR_CODE', 1, now, `the test token is for manufacturer code ${mfr}; this meter's is ${this.profile.manufacturerCode}`, sub);
    }
    if (!this.profile.subclasses[1].includes(sub)) return this.result('FUNCTION', 1, now, `class 1 subclass ${sub} is not supported by the ${this.profile.name} profile`, sub);
    return { result: 'ACCEPT', status: 1, message: METER_RESULTS.ACCEPT.en, class: 1, subclass: sub, kind: 'meterTest', creditLitres: this.creditLitres };
  }

  /** Hold a key-change token; apply the set when complete (reference §8.4). */
  private keyChangeToken(sub: number, hi: number, lo: number, now: number): EntryResult {
    const bits = this.keyValue.bits;
    let layout: Layout;
    if (sub === 8 && bits === 64) {
      if (readBits(hi, lo, 16, 20) !== 0) return this.result('FORMAT', 2, now, 'the supply group code token of a 3-token set must have bits 35..16 zero', sub);
      layout = SUPPLY_GROUP_CODE_LAYOUT;
    } else if (sub === 9 && bits === 64) {
      return this.result('FUNCTION', 2, now, 'a 4th key-change section exists only for 128-bit keys; this meter has a 64-bit key', sub);
    } else {
      layout = LAYOUTS[32 + sub]!;
    }
    const fields: Record<string, number> = {};
    for (const [name, lsb, width] of layout.fields) fields[name] = readBits(hi, lo, lsb, width);
    const token = { kind: layout.kind, class: 2, subclass: sub, fields } as Token;
    if (this.held.length > 0 && now - this.heldSince >= this.profile.keyChangeHoldSeconds) this.held = [];
    // A section entered twice starts a new set: mixing sections of two sets would install a wrong key.
    if (this.held.some((h) => h.subclass === sub)) this.held = [];
    if (this.held.length === 0) this.heldSince = now;
    this.held.push({ subclass: sub, token });
    let progress;
    try {
      progress = assembleKeyChange(this.held.map((h) => h.token), bits);
    } catch (e) {
      this.held = [];
      const code = e instanceof HydroSyncError && e.code === 'RANGE' ? 'RANGE' : 'FORMAT';
      return this.result(code, 2, now, e instanceof Error ? e.message : String(e), sub);
    }
    if (!progress.complete) {
      this.rejects = 0;
      const code = this.held.length === 1 ? 'KCT_1' : 'KCT_2';
      return { result: code, status: METER_RESULTS[code].status, message: METER_RESULTS[code].en, class: 2, subclass: sub, kind: layout.kind, creditLitres: this.creditLitres };
    }
    this.held = [];
    const c = progress.change;
    const current = this.keyValue;
    if (!keyTypeChangeAllowed(this.profile.keyTypeChanges, current.keyType, c.keyType)) {
      return this.result('KEY_TYPE', 2, now, `a change from key type ${current.keyType} to ${c.keyType} is not allowed for this meter`, sub);
    }
    let baseDate: BaseDate;
    try {
      baseDate = baseDateAfter(current.baseDate, c.rollover);
    } catch {
      return this.result('RANGE', 2, now, 'rollover: no base date after 2035 is defined', sub);
    }
    // The TID memory is cleared only together with a change of key (reference §5.4): the same bits would take every old token again.
    if (c.rollover && sameKeyBits(current, c.newKeyBytes)) {
      return this.result('KEY_TYPE', 2, now, 'a rollover key change to the same key the meter has is not allowed: it clears the TID memory, so old tokens would be accepted again; the set was discarded', sub);
    }
    const supplyGroupCode = c.supplyGroupCode ?? current.supplyGroupCode;
    this.keyValue = DecoderKey.fromBytes(c.newKeyBytes, {
      ...current.attributes(),
      dkga: undefined,
      keyType: c.keyType,
      keyRevisionNumber: c.keyRevisionNumber,
      keyExpiryNumber: c.keyExpiryNumber,
      tariffIndex: c.tariffIndex,
      supplyGroupCode,
      baseDate,
    }, this.keyOptions);
    if (c.rollover) this.tidMemory.fill(0);
    this.rejects = 0;
    return {
      result: 'ACCEPT', status: 1, message: METER_RESULTS.ACCEPT.en, class: 2, subclass: sub, kind: layout.kind, creditLitres: this.creditLitres,
      keyChange: {
        keyRevisionNumber: c.keyRevisionNumber, keyType: c.keyType, keyExpiryNumber: c.keyExpiryNumber, tariffIndex: c.tariffIndex,
        supplyGroupCode, baseDate, rollover: c.rollover, tokenCount: c.tokenCount,
      },
    };
  }

  /** A rejection: counts toward the lockout for class 0/2 tokens. */
  private result(code: MeterResultCode, cls: number, now: number, detail: string, sub?: number, tid?: number): EntryResult {
    const r: EntryResult = { result: code, status: METER_RESULTS[code].status, message: METER_RESULTS[code].en, detail, creditLitres: this.creditLitres };
    if (cls >= 0) r.class = cls;
    if (sub !== undefined) r.subclass = sub;
    if (tid !== undefined) r.tid = tid;
    const policy = this.profile.lockout;
    if (policy !== null && (cls === 0 || cls === 2)) {
      this.rejects++;
      if (this.rejects >= policy.rejects) {
        const steps = Math.min(this.rejects - policy.rejects, 30);
        this.lockedUntil = now + Math.min(policy.firstSeconds * 2 ** steps, policy.maxSeconds);
        r.lockedUntil = this.lockedUntil;
      }
    }
    return r;
  }

  /**
   * Use water: up to `litres` flow while there is credit; the valve closes at zero. Returns the
   * litres that actually flowed.
   */
  consume(litres: number, at?: MeterTime): number {
    if (!Number.isSafeInteger(litres) || litres < 0) fail('RANGE', `litres must be a whole, non-negative number; got ${litres}`);
    const now = this.timeOf(at);
    const used = Math.min(litres, this.creditLitres);
    this.creditLitres -= used;
    this.consumedLitres += used;
    if (this.profile.historyDepth > 0) this.record({ at: now, event: 'consume', litres: used, creditLitres: this.creditLitres });
    return used;
  }

  /**
   * Flow at `litresPerMinute` (a decimal string or number, up to 3 decimals) for `minutes` (whole
   * or decimal, up to 3 decimals): consumes ⌊rate × minutes⌋ litres, stopping at zero credit.
   */
  flow(litresPerMinute: number | string, minutes: number | string, at?: MeterTime): number {
    const rate = thousandths(litresPerMinute, 'flow rate (litres per minute)');
    const time = thousandths(minutes, 'minutes');
    const litres = Number((BigInt(rate) * BigInt(time)) / 1_000_000n);
    return this.consume(litres, at);
  }

  /** A simulated tamper event (cover opened, magnet): sets the tamper flag until a ClearTamper token. */
  raiseTamper(at?: MeterTime): void {
    const now = this.timeOf(at);
    this.tamper = true;
    if (this.profile.historyDepth > 0) this.record({ at: now, event: 'tamper', creditLitres: this.creditLitres });
  }

  /** A power cycle: clears the token lockout (reference §8.4) and held key-change tokens. */
  powerCycle(at?: MeterTime): void {
    const now = this.timeOf(at);
    this.rejects = 0;
    this.lockedUntil = Number.NEGATIVE_INFINITY;
    this.held = [];
    if (this.profile.historyDepth > 0) this.record({ at: now, event: 'power-cycle', creditLitres: this.creditLitres });
  }

  /** The meter time of an event: `at`, else the last time seen; FORMAT when the meter has never seen a time. */
  private timeOf(at: MeterTime | undefined): number {
    if (at === undefined) {
      if (this.clock === null) fail('FORMAT', 'give the meter time of this event (the meter clock has not been set yet)');
      return this.clock;
    }
    return (this.clock = meterSeconds(at));
  }

  private record(e: MeterHistoryEntry): void {
    this.history.push(e);
    if (this.history.length > this.profile.historyDepth) this.history.splice(0, this.history.length - this.profile.historyDepth);
  }

  /** @internal for state restore */
  restoreHeld(held: { since: number; tokens: Token[] } | null): void {
    this.held = held === null ? [] : held.tokens.map((t) => ({ subclass: t.subclass, token: t }));
    this.heldSince = held?.since ?? 0;
  }

  /** @internal for state save */
  heldTokens(): { since: number; tokens: Token[] } | null {
    return this.held.length === 0 ? null : { since: this.heldSince, tokens: this.held.map((h) => h.token) };
  }

  /**
   * Make the next meter report at meter time `at` (default: the meter's clock): the content, the
   * 50-byte frame and the 20-digit report code (docs/reports.md). Takes the next report counter:
   * persist the meter before the report is shown, so a counter is never shown twice.
   * @throws HydroSyncError FORMAT (no time), RANGE (clock before the key's base date, counter exhausted)
   * @example
   *   const { code } = meter.report('2027-01-06T13:30'); // show `code` on the display
   */
  report(at?: MeterTime): MeterReportOutput {
    return makeMeterReport(this, this.timeOf(at));
  }

  /** @internal the key bits, for the state file only */
  keyBytes(): Uint8Array {
    return decoderKeyBytes(this.keyValue);
  }
}

/** A decimal (number or string, at most 3 decimals, non-negative) → integer thousandths. */
function thousandths(v: number | string, what: string): number {
  const text = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : typeof v === 'string' ? v.trim() : '';
  const m = /^(\d{1,12})(?:\.(\d{1,3}))?$/.exec(text);
  if (!m) fail('RANGE', `${what} must be a non-negative decimal number with at most 3 decimals; got ${JSON.stringify(v)}`);
  return Number(m[1]) * 1000 + Number((m[2] ?? '').padEnd(3, '0'));
}
