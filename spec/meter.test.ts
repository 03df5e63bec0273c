import { describe, expect, it } from 'vitest';
import { deriveDecoderKey, DecoderKey } from '../src/keys';
import { generateKeyChange, generateToken, issueCredit } from '../src/tokens';
import { tidFromWallClock } from '../src/codec';
import {
  Meter, METER_RESULTS, METER_RESULT_CODES, meterToState, meterFromState, parseMeterState, serializeMeterState,
  meterStatus, meterSeconds, formatMeterTime, litresToCubicMetres, DEFAULT_KEY_TYPE_CHANGES,
} from '../src/meter';
import { applyToken } from '../src/meter/process';
import { normalizeProfile } from '../src/meter/profile';
import { TidMemory } from '../src/meter/tid-memory';
import { errorCode } from './support';
import { STA_SAMPLE_TABLES, parseStaTables } from '../src/cipher';

// The meter application process (issue #3 §1, §2): unit cases for each rule. The result codes are
// also pinned end to end by vectors/hydrosync-meter.json.

const PAN = '600727000000000009';
const VK = 'abababababababab949494949494949401234567';
const params = { supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2 as const, keyExpiryNumber: 255, pan: PAN, baseDate: 2014 as const, encryptionAlgorithm: '11' as const };
const KEY = deriveDecoderKey(VK, params);
const MANUFACTURED = tidFromWallClock('2014-02-01T00:00', 2014);

const newMeter = (extra: Record<string, unknown> = {}, key = KEY) =>
  new Meter({ profile: { pan: PAN, lockout: null, ...extra }, key, initialTid: MANUFACTURED });
const water = (litres: number, dateTime: string, key: DecoderKey = KEY) => issueCredit(key, { litres, dateTime, rnd: 3 }).token;

describe('results', () => {
  it('status values follow the token status register (Accept 1 … Lockout 15), with English and Indonesian texts', () => {
    expect(METER_RESULT_CODES.map((c) => METER_RESULTS[c].status)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    for (const c of METER_RESULT_CODES) {
      expect(METER_RESULTS[c].en.length).toBeGreaterThan(5);
      expect(METER_RESULTS[c].id.length).toBeGreaterThan(5);
      expect(METER_RESULTS[c].id).not.toBe(METER_RESULTS[c].en);
    }
  });
});

describe('meter application process', () => {
  it('credits a water token once, in litres (1 unit = 100 L); the valve opens', () => {
    const m = newMeter();
    expect(m.valveOpen).toBe(false);
    const t = water(2500, '2014-03-01T13:10');
    const r = m.enter(t, '2014-03-01T13:11');
    expect(r).toMatchObject({ result: 'ACCEPT', status: 1, litres: 2500, creditLitres: 2500, class: 0, subclass: 1 });
    expect(m.valveOpen).toBe(true);
    expect(m.enter(t, '2014-03-01T13:12')).toMatchObject({ result: 'USED', creditLitres: 2500 });
  });

  it('checks in the documented order: Function before KeyExpired, KeyExpired before DDTK, DDTK before Old', () => {
    // A default key (KT 1) with KEN 0 and an electricity token older than the TID memory.
    const k = deriveDecoderKey(VK, { ...params, keyType: 1, keyExpiryNumber: 0 });
    const m = newMeter({}, k);
    const elec = generateToken({ kind: 'transferCredit', subclass: 0, fields: { rnd: 1, tid: 200000, amount: 1 } }, k, { allowExpiredKey: true });
    expect(m.enter(elec, 0).result).toBe('FUNCTION');
    const expired = generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: 1, tid: 70000, amount: 1 } }, k, { allowExpiredKey: true });
    expect(m.enter(expired, 0).result).toBe('KEY_EXPIRED');
    const oldUnderDdtk = generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: 1, tid: 5, amount: 1 } }, k);
    expect(m.enter(oldUnderDdtk, 0).result).toBe('DDTK');
  });

  it('Old is below the smallest stored TID; an accepted TID replaces the smallest, so nothing can be replayed', () => {
    const m = newMeter({ tidMemoryDepth: 2 });
    const t = (min: number) => water(100, `2014-03-01T10:${String(min).padStart(2, '0')}`);
    expect(m.enter(t(30), 0).result).toBe('ACCEPT');
    expect(m.enter(t(20), 0).result).toBe('ACCEPT');
    expect(m.enter(t(25), 0).result).toBe('ACCEPT'); // evicts 20 (the smallest), keeps 30
    expect(m.enter(t(30), 0).result).toBe('USED');
    expect(m.enter(t(20), 0).result).toBe('OLD');
    expect(m.tidMemory.oldest).toBe(tidFromWallClock('2014-03-01T10:25', 2014));
  });

  it('Overflow leaves the token unconsumed', () => {
    const m = newMeter({ creditCapLitres: 1000 });
    const t = water(1100, '2014-03-01T10:00');
    expect(m.enter(t, 0)).toMatchObject({ result: 'OVERFLOW', creditLitres: 0 });
    expect(m.tidMemory.has(tidFromWallClock('2014-03-01T10:00', 2014))).toBe(false);
  });

  it('a class 0 or 2 rejection counts toward the lockout, a class 1 or unparseable one does not', () => {
    const m = new Meter({ profile: { pan: PAN }, key: KEY, initialTid: MANUFACTURED }); // default policy 3 → 10 s
    const good = water(100, '2014-03-01T10:00');
    const bad = good.slice(0, 19) + String((Number(good[19]) + 1) % 10);
    for (let i = 0; i < 5; i++) expect(m.enter('123', 100).result).toBe('FORMAT');
    expect(m.rejects).toBe(0);
    m.enter(bad, 100);
    m.enter(bad, 101);
    const third = m.enter(bad, 102);
    expect(third).toMatchObject({ result: 'CRC', lockedUntil: 112 });
    expect(m.enter(good, 111).result).toBe('LOCKOUT');
    expect(m.enter(bad, 112).lockedUntil).toBe(132); // 4th reject: 20 s
    // Doubling stops at the maximum.
    let last = 0;
    for (let i = 0, t = 200; i < 12; i++, t += 2000) last = m.enter(bad, t).lockedUntil! - t;
    expect(last).toBe(1280);
    m.powerCycle();
    expect(m.enter(good, 100000).result).toBe('ACCEPT');
  });

  it('class 1: CRC, then manufacturer code, then subclass; never changes state', () => {
    const m = newMeter({ subclasses: { 1: [0] } });
    const t0 = generateToken({ kind: 'meterTest', subclass: 0, fields: { control: 3, manufacturerCode: 0 } });
    const t1 = generateToken({ kind: 'meterTest', subclass: 1, fields: { control: 3, manufacturerCode: 0 } });
    const other = generateToken({ kind: 'meterTest', subclass: 1, fields: { control: 3, manufacturerCode: 7 } });
    expect(m.enter(t0, 0).result).toBe('ACCEPT');
    expect(m.enter(t1, 0).result).toBe('FUNCTION');
    expect(m.enter(other, 0).result).toBe('MFR_CODE');
    expect(m.tidMemory.oldest).toBe(MANUFACTURED);
  });

  it('management tokens: water meter factor (when the profile supports it), tariff rate, power limits', () => {
    const m = newMeter({ subclasses: { 2: [0, 1, 2, 5, 6, 7] } });
    const mk = (kind: string, subclass: number, field: string, value: number, min: number) =>
      generateToken({ kind, subclass, fields: { rnd: 1, tid: MANUFACTURED + min, [field]: value } } as never, KEY);
    expect(m.enter(mk('setWaterMeterFactor', 7, 'waterMeterFactor', 0, 10), 0).result).toBe('RANGE');
    expect(m.enter(mk('setWaterMeterFactor', 7, 'waterMeterFactor', 1000, 11), 0).result).toBe('ACCEPT');
    expect(m.enter(mk('setTariffRate', 2, 'rate', 77, 12), 0).result).toBe('ACCEPT');
    expect(m.enter(mk('setMaximumPowerLimit', 0, 'maximumPowerLimit', 5, 13), 0).result).toBe('ACCEPT');
    expect(m.enter(mk('setMaximumPhasePowerUnbalanceLimit', 6, 'maximumPhasePowerUnbalanceLimit', 6, 14), 0).result).toBe('ACCEPT');
    expect(m.settings).toEqual({ waterMeterFactor: 1000, tariffRate: 77, maximumPowerLimit: 5, maximumPhasePowerUnbalanceLimit: 6 });
    // Class 2 sub 3/4/8/9 with the profile not listing them: FUNCTION.
    const set = generateKeyChange(KEY, deriveDecoderKey(VK, { ...params, keyRevisionNumber: 2 }));
    expect(m.enter(set[0]!, 0).result).toBe('FUNCTION');
  });

  it('key change: a section entered twice starts a new set; the new key decodes new tokens; no rollover keeps the TID memory', () => {
    const m = newMeter();
    const k2 = deriveDecoderKey(VK, { ...params, keyRevisionNumber: 2, keyExpiryNumber: 100 });
    const set = generateKeyChange(KEY, k2);
    const accepted = water(100, '2014-03-01T09:00');
    expect(m.enter(accepted, 0).result).toBe('ACCEPT');
    expect(m.enter(set[0]!, 0).result).toBe('KCT_1');
    expect(m.enter(set[1]!, 0).result).toBe('KCT_2');
    expect(m.enter(set[1]!, 0).result).toBe('KCT_1'); // duplicate section: the set starts again
    expect(m.pendingKeyChange?.subclasses).toEqual([4]);
    for (const t of [set[0]!, set[2]!]) expect(m.enter(t, 0).result).toBe('KCT_2');
    const done = m.enter(set[3]!, 0);
    expect(done).toMatchObject({ result: 'ACCEPT', keyChange: { keyRevisionNumber: 2, keyExpiryNumber: 100, rollover: false, tokenCount: 4 } });
    expect(m.key.keyRevisionNumber).toBe(2);
    expect(m.tidMemory.has(tidFromWallClock('2014-03-01T09:00', 2014))).toBe(true);
    expect(m.enter(water(100, '2014-03-01T09:01', k2), 0).result).toBe('ACCEPT');
    expect(m.enter(water(100, '2014-03-01T09:02', KEY), 0).result).toBe('CRC');
  });

  it('3-token set (3KCT) on a 64-bit EA07 meter installs the new supply group code', () => {
    const k = deriveDecoderKey('abababababababab', { ...params, pan: PAN, baseDate: 1993, encryptionAlgorithm: '07', supplyGroupCode: '123456', dkga: '02' } as never);
    const next = deriveDecoderKey('abababababababab', { ...params, pan: PAN, baseDate: 1993, encryptionAlgorithm: '07', supplyGroupCode: '654321', keyRevisionNumber: 3, dkga: '02' } as never);
    const m = newMeter({}, k);
    const set = generateKeyChange(k, next, { threeTokenSet: true });
    expect(set).toHaveLength(3);
    expect(m.enter(set[2]!, 0).result).toBe('KCT_1');
    expect(m.enter(set[0]!, 0).result).toBe('KCT_2');
    expect(m.enter(set[1]!, 0).result).toBe('ACCEPT');
    expect(m.key.supplyGroupCode).toBe('654321');
  });

  it('a decoder key made for another MeterPAN is refused at construction (KEY)', () => {
    expect(errorCode(() => new Meter({ profile: { pan: '600727000000000181' }, key: KEY }))).toBe('KEY');
  });

  it('a bad meter time is a FORMAT error (the caller\'s mistake, not a token result)', () => {
    expect(errorCode(() => newMeter().enter(water(100, '2014-03-01T09:00'), '2014-13-01T00:00'))).toBe('FORMAT');
  });
});

describe('water simulator', () => {
  it('consumption by volume and by flow rate; the valve closes at zero; low-credit flag; cumulative consumption', () => {
    const m = newMeter({ lowCreditLitres: 200 });
    m.enter(water(1000, '2014-03-01T09:00'), '2014-03-01T09:00');
    expect(m.consume(300, '2014-03-01T10:00')).toBe(300);
    expect(m.flow('7.5', 60, '2014-03-01T11:00')).toBe(450);
    expect(m.lowCredit).toBe(false);
    expect(m.flow(12, '10.5')).toBe(126);
    expect(m.creditLitres).toBe(124);
    expect(m.lowCredit).toBe(true);
    expect(m.consume(1000)).toBe(124);
    expect(m).toMatchObject({ creditLitres: 0, consumedLitres: 1000, valveOpen: false });
    expect(m.consume(10)).toBe(0);
    expect(errorCode(() => m.consume(-1))).toBe('RANGE');
    expect(errorCode(() => m.flow('1.2345', 1))).toBe('RANGE');
  });

  it('status shows m³ exactly and never the key bits', () => {
    const m = newMeter();
    m.enter(water(1250, '2014-03-01T09:00'), '2014-03-01T09:05');
    const s = meterStatus(m);
    expect(s).toMatchObject({ creditLitres: 1300, creditCubicMetres: '1.3', valveOpen: true, clock: '2014-03-01T09:05' });
    expect(litresToCubicMetres(1005)).toBe('1.005');
    expect(JSON.stringify(s)).not.toMatch(new RegExp(Buffer.from((m as unknown as { keyBytes(): Uint8Array }).keyBytes()).toString('hex'), 'i'));
  });
});

describe('profile and state', () => {
  it('profile defaults: water subclasses, depth 50, lockout 3/10/1280, 10-minute hold, manufacturer code from the PAN', () => {
    const p = normalizeProfile({ pan: PAN });
    expect(p).toMatchObject({ tidMemoryDepth: 50, lockout: { rejects: 3, firstSeconds: 10, maxSeconds: 1280 }, keyChangeHoldSeconds: 600 });
    expect(p.subclasses[2]).toEqual([1, 3, 4, 5, 8, 9]);
    expect(p.manufacturerCode).toBe(0);
    expect(normalizeProfile({ pan: '000001000000000082' }).manufacturerCode).toBe(100); // 13-digit DRN: 4-digit code
    expect(DEFAULT_KEY_TYPE_CHANGES[2]).toEqual([2]);
    expect(errorCode(() => normalizeProfile({ pan: PAN, tidMemoryDepth: 0 }))).toBe('RANGE');
    expect(errorCode(() => normalizeProfile({ pan: '600727000000000001' }))).toBe('CHECK_DIGIT');
  });

  it('state round-trips through JSON, including held key-change tokens and the lockout', () => {
    const m = new Meter({ profile: { pan: PAN, historyDepth: 5 }, key: KEY, initialTid: MANUFACTURED });
    m.enter(water(700, '2014-03-01T09:00'), '2014-03-01T09:00');
    m.enter(generateKeyChange(KEY, deriveDecoderKey(VK, { ...params, keyRevisionNumber: 2 }))[1]!, '2014-03-01T09:01');
    m.raiseTamper('2014-03-01T09:02');
    const text = serializeMeterState(meterToState(m, 7));
    const back = parseMeterState(text);
    expect(meterToState(back, 7)).toEqual(meterToState(m, 7));
    expect(back.pendingKeyChange?.subclasses).toEqual([4]);
  });

  it('a corrupt state or an unknown version is a STATE error, never a reset', () => {
    const good = meterToState(newMeter(), 1);
    expect(errorCode(() => parseMeterState('{"format": "hydrosync-meter-state/1", "cre'))).toBe('STATE');
    expect(errorCode(() => meterFromState({ ...good, format: 'hydrosync-meter-state/9' }))).toBe('STATE');
    expect(errorCode(() => meterFromState({ ...good, creditLitres: -5 }))).toBe('STATE');
    expect(errorCode(() => meterFromState({ ...good, tidMemory: [1, 2] }))).toBe('STATE');
    expect(errorCode(() => meterFromState({ ...good, key: { ...good.key, decoderKey: 'zz' } }))).toBe('STATE');
    expect(errorCode(() => meterFromState({ ...good, profile: { ...good.profile, pan: '1' } }))).toBe('STATE');
    expect(errorCode(() => meterFromState([]))).toBe('STATE');
  });

  it('an EA07 meter remembers its STA table set: loading it with other tables is a TABLES error', () => {
    const k = DecoderKey.fromHex('e653341f9d5bf36f', { encryptionAlgorithm: '07', baseDate: 1993 });
    const state = meterToState(newMeter({}, k), 1);
    expect(state.key.staTables).toBe('sample');
    const other = parseStaTables({ format: 'hydrosync-sta-tables/1', name: 'utility-x', substitution1: [...STA_SAMPLE_TABLES.substitution1], substitution2: [...STA_SAMPLE_TABLES.substitution2], permutation: [...STA_SAMPLE_TABLES.permutation] });
    expect(meterFromState(state).key.staTables).toBe('sample');
    expect(errorCode(() => meterFromState(state, { staTables: other }))).toBe('TABLES');
  });

  it('profile and history shapes are checked; events need a time once', () => {
    expect(errorCode(() => normalizeProfile({ pan: PAN, keyTypeChanges: { 2: 5 as never } }))).toBe('FORMAT');
    expect(errorCode(() => normalizeProfile({ pan: PAN, subclasses: [] as never }))).toBe('FORMAT');
    expect(errorCode(() => normalizeProfile({ pan: PAN, subclasses: { 3: [0] } }))).toBe('RANGE');
    const good = meterToState(new Meter({ profile: { pan: PAN, historyDepth: 3 }, key: KEY }), 1);
    expect(errorCode(() => meterFromState({ ...good, history: [{ at: 0, event: 'token', token: 5, creditLitres: 0 }] }))).toBe('STATE');
    expect(errorCode(() => meterFromState({ ...good, revision: -1 }))).toBe('STATE');
    expect(errorCode(() => newMeter().consume(5))).toBe('FORMAT');
    expect(errorCode(() => newMeter().raiseTamper())).toBe('FORMAT');
  });

  it('applyToken is the pure form of Meter.enter', () => {
    const state = meterToState(newMeter(), 4);
    const t = water(300, '2014-03-01T09:00');
    const { result, state: after } = applyToken(state, t, '2014-03-01T09:00');
    expect(result.result).toBe('ACCEPT');
    expect(after.creditLitres).toBe(300);
    expect(after.revision).toBe(5);
    expect(state.creditLitres).toBe(0);
    expect(applyToken(after, t, '2014-03-01T09:01').result.result).toBe('USED');
  });

  it('meter clock: seconds of naive wall time, round-trip', () => {
    expect(formatMeterTime(meterSeconds('2014-03-01T13:10:05'))).toBe('2014-03-01T13:10:05');
    expect(meterSeconds('1970-01-01T00:01')).toBe(60);
    const t = new TidMemory(3, 5);
    t.insert(9);
    expect([t.oldest, t.newest, t.has(9), t.isOld(4)]).toEqual([5, 9, true, true]);
  });
});

describe('meterSequence vectors', () => {
  it('a sequence without "lockout" has none: a run of rejects shows each result', async () => {
    const { verifyCase } = await import('../src/vectors');
    const good = water(100, '2014-03-01T10:00');
    const bad = good.slice(0, 19) + String((Number(good[19]) + 1) % 10);
    const steps = [0, 1, 2, 3, 4].map(() => ({ at: '2014-03-01T10:01', token: bad, expected: { result: 'CRC' } }));
    const key = { decoderKey: KEY.exportHex(), encryptionAlgorithm: '11', baseDate: 2014 };
    const base = { id: 'x', kind: 'meterSequence', meter: { key, pan: PAN }, steps: [...steps, { at: '2014-03-01T10:01', token: good, expected: { result: 'ACCEPT', creditLitres: 100 } }] };
    expect(verifyCase(base)).toMatchObject({ ok: true });
    const locked = { ...base, meter: { ...base.meter, lockout: { rejects: 3, firstSeconds: 10, maxSeconds: 1280 } } };
    expect(verifyCase(locked)).toMatchObject({ ok: false, message: expect.stringMatching(/step 4: result is "LOCKOUT"/) });
  });
});
