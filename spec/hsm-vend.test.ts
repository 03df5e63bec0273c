import { describe, expect, it } from 'vitest';
import { decodeToken, deriveDecoderKey, describeToken } from '../src';
import { CTX, OP, PAN, PAN2, VK04, setup } from './hsm-support';
import { errorCode } from './support';

const C11 = { keyType: 2 as const, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, pan: PAN, baseDate: 2014 as const, encryptionAlgorithm: '11' as const };
/** The meter's decoder key, derived independently of the security module. */
const meterKey = (over: Partial<typeof C11> = {}) => deriveDecoderKey(VK04, { ...C11, ...over });
/** TID of 2026-12-01 09:30 under base date 2014. */
const TID_0930 = 6793050;

describe('vend: what is issued', () => {
  it('a litre vend decodes with the meter key to the TID and the rounded-up amount', async () => {
    const { hsm } = await setup();
    const r = await hsm.vend({ ...CTX, pan: PAN, litres: 2550 });
    expect(r).toMatchObject({
      reissued: false, pan: PAN, kind: 'vend', tid: TID_0930, tidDateTime: '2026-12-01T09:30', keyRevisionNumber: 1,
      requested: '2550 L', encoded: '2600 L', creditedLitres: 2600, issuedAt: '2026-12-01T02:30:00.000Z',
    });
    expect(r.tokens[0]).toMatch(/^\d{20}$/);
    expect(r.grouped[0]).toBe(r.tokens[0]!.replace(/(\d{4})(?=\d)/g, '$1 '));
    const t = decodeToken(r.tokens[0]!, meterKey());
    expect(t.kind).toBe('transferCredit');
    expect(t.subclass).toBe(1);
    expect((t.fields as { tid: number }).tid).toBe(TID_0930);
    expect(describeToken(t).meaning.litres).toBe(2600);
    expect((await hsm.getMeter(PAN)).lastTid).toBe(TID_0930);
  });

  it('cubic metres round up to 0.1 m³ and are reported in m³', async () => {
    const { hsm } = await setup();
    const r = await hsm.vend({ ...CTX, pan: PAN, cubicMetres: '2.55' });
    expect(r).toMatchObject({ requested: '2.55 m³', encoded: '2.6 m³', creditedLitres: 2600 });
    expect(describeToken(decodeToken(r.tokens[0]!, meterKey())).meaning.cubicMetres).toBe('2.6');
  });

  it('a water currency vend is class 0 subclass 5 with the exact amount', async () => {
    const { hsm } = await setup();
    const r = await hsm.vend({ ...CTX, pan: PAN, currency: '50000' });
    // The 20-bit currency field rounds up (reference §3.2): 50000 is carried as 50004.42624.
    expect(r).toMatchObject({ requested: '50000 currency', encoded: '50004.42624 currency' });
    const t = decodeToken(r.tokens[0]!, meterKey());
    expect(t.kind).toBe('transferCurrency');
    expect(t.subclass).toBe(5);
    expect(describeToken(t).meaning.currency).toBe('50004.42624');
  });

  it('verify decodes a token for support staff with the meter key', async () => {
    const { hsm } = await setup();
    const r = await hsm.vend({ ...CTX, pan: PAN, litres: 1000 });
    const v = await hsm.verify(PAN, r.grouped[0]!);
    expect(v).toMatchObject({ ok: true, token: { kind: 'transferCredit' }, description: { meaning: { litres: 1000, dateTime: '2026-12-01T09:30', keyExpired: false } } });
    // A token that does not decode with the meter's key is an answer, not a thrown error.
    const typo = `${r.tokens[0]!.slice(0, 19)}${(Number(r.tokens[0]![19]) + 1) % 10}`;
    expect(await hsm.verify(PAN, typo)).toMatchObject({ ok: false, code: expect.stringMatching(/^(CRC|FUNCTION)$/), message: expect.stringMatching(/\w/) });
    expect(await hsm.verify(PAN, '1234-5678')).toMatchObject({ ok: false, code: 'FORMAT', message: 'token must be exactly 20 digits after removing spaces and dashes; got 8' });
    // An unknown meter is still an error (the question was wrong, not the token).
    expect(await errorCode(() => hsm.verify('000001000000000082', r.tokens[0]!))).toBe('NOT_FOUND');
  });

  it('management tokens decode to the right kind and fields', async () => {
    const { hsm } = await setup();
    const key = meterKey();
    const cc = await hsm.manage({ ...CTX, pan: PAN, action: 'clearCredit' });
    expect(cc.kind).toBe('manage:clearCredit');
    expect(decodeToken(cc.tokens[0]!, key)).toMatchObject({ kind: 'clearCredit', fields: { register: 1, tid: TID_0930 } });
    const all = await hsm.manage({ ...CTX, pan: PAN, action: 'clearCredit', register: 0xffff });
    expect(decodeToken(all.tokens[0]!, key)).toMatchObject({ kind: 'clearCredit', fields: { register: 0xffff, tid: TID_0930 + 1 } });
    expect(decodeToken((await hsm.manage({ ...CTX, pan: PAN, action: 'clearTamper' })).tokens[0]!, key).kind).toBe('clearTamperCondition');
    const wmf = await hsm.manage({ ...CTX, pan: PAN, action: 'setWaterMeterFactor', factor: 1000 });
    expect(decodeToken(wmf.tokens[0]!, key)).toMatchObject({ kind: 'setWaterMeterFactor', fields: { waterMeterFactor: 1000 } });
    // TransferAmount coding (§3.1) is exact below 16384 and rounds up above: 20001 W → 20004 W.
    const mpl = await hsm.manage({ ...CTX, pan: PAN, action: 'setMaximumPowerLimit', watts: 20001 });
    expect(mpl).toMatchObject({ requested: '20001 W', encoded: '20004 W' });
    expect(describeToken(decodeToken(mpl.tokens[0]!, key)).meaning.watts).toBe(20004);
    const pu = await hsm.manage({ ...CTX, pan: PAN, action: 'setMaximumPhasePowerUnbalanceLimit', watts: 500 });
    expect(decodeToken(pu.tokens[0]!, key).kind).toBe('setMaximumPhasePowerUnbalanceLimit');
    expect((await hsm.getMeter(PAN)).lastTid).toBe(TID_0930 + 5);
    expect(await errorCode(() => hsm.manage({ ...CTX, pan: PAN, action: 'clearCredit', register: 9 }))).toBe('RANGE');
    expect(await errorCode(() => hsm.manage({ ...CTX, pan: PAN, action: 'explode' } as never))).toBe('FORMAT');
  });
});

describe('TID rules (reference §5.3)', () => {
  it('a taken minute gives the next free minute; a later clock minute is used as is', async () => {
    const { hsm, set } = await setup();
    const a = await hsm.vend({ ...CTX, pan: PAN, litres: 100 });
    const b = await hsm.vend({ ...CTX, pan: PAN, litres: 100 });
    const c = await hsm.vend({ ...CTX, pan: PAN, litres: 100 });
    expect([a.tid, b.tid, c.tid]).toEqual([TID_0930, TID_0930 + 1, TID_0930 + 2]);
    expect(c.tidDateTime).toBe('2026-12-01T09:32');
    set('2026-12-01T02:31:59Z'); // 09:31 local: minutes up to 09:32 are taken
    expect((await hsm.vend({ ...CTX, pan: PAN, litres: 100 })).tid).toBe(TID_0930 + 3);
    set('2026-12-01T03:00:00Z'); // 10:00 local
    expect((await hsm.vend({ ...CTX, pan: PAN, litres: 100 })).tidDateTime).toBe('2026-12-01T10:00');
  });

  it('a clock that goes back never reuses a TID', async () => {
    const { hsm, set } = await setup();
    const a = await hsm.vend({ ...CTX, pan: PAN, litres: 100 });
    set('2026-11-30T02:30:00Z');
    expect((await hsm.vend({ ...CTX, pan: PAN, litres: 100 })).tid).toBe(a.tid! + 1);
  });

  it('the reserved 00:01 minute is skipped, from the clock and when bumping', async () => {
    const { hsm, set } = await setup({ start: '2026-11-30T17:01:30Z' }); // 2026-12-01 00:01 WIB
    const a = await hsm.vend({ ...CTX, pan: PAN, litres: 100 });
    expect(a.tidDateTime).toBe('2026-12-01T00:02');
    expect(a.tid! % 1440).toBe(2);
    set('2026-12-01T17:00:10Z'); // 2026-12-02 00:00 WIB
    const b = await hsm.vend({ ...CTX, pan: PAN, litres: 100 });
    const c = await hsm.vend({ ...CTX, pan: PAN, litres: 100 });
    expect(b.tidDateTime).toBe('2026-12-02T00:00');
    expect(c.tidDateTime).toBe('2026-12-02T00:02');
    expect(c.tid! - b.tid!).toBe(2);
  });

  it('TIDs are per meter: another meter starts from the clock', async () => {
    const { hsm } = await setup();
    await hsm.addMeter({ pan: PAN2, customerReference: 'CUST-2', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, OP);
    await hsm.vend({ ...CTX, pan: PAN, litres: 100 });
    await hsm.vend({ ...CTX, pan: PAN, litres: 100 });
    expect((await hsm.vend({ ...CTX, pan: PAN2, litres: 100 })).tid).toBe(TID_0930);
  });

  it('the host time zone is never used: config.utcOffsetMinutes decides', async () => {
    const { hsm } = await setup({ config: { utcOffsetMinutes: 540 } }); // WIT
    expect((await hsm.vend({ ...CTX, pan: PAN, litres: 100 })).tidDateTime).toBe('2026-12-01T11:30');
  });
});

describe('refusals', () => {
  it('KEY_EXPIRED: a TID past the KEN (TID >> 16 > KEN, §5.5) is refused and nothing changes', async () => {
    const { hsm } = await setup({ meter: false });
    expect(TID_0930 >>> 16).toBe(103);
    await hsm.addMeter({ pan: PAN, customerReference: 'A', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014, keyExpiryNumber: 102 }, OP);
    await hsm.addMeter({ pan: PAN2, customerReference: 'B', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014, keyExpiryNumber: 103 }, OP);
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, litres: 100 }))).toBe('KEY_EXPIRED');
    expect(await errorCode(() => hsm.manage({ ...CTX, pan: PAN, action: 'clearTamper' }))).toBe('KEY_EXPIRED');
    expect((await hsm.getMeter(PAN)).lastTid).toBeNull();
    expect((await hsm.vend({ ...CTX, pan: PAN2, litres: 100 })).tid).toBe(TID_0930);
    const last = (await hsm.auditRecords()).filter((r) => r.outcome === 'refused');
    expect(last.map((r) => r.errorCode)).toEqual(['KEY_EXPIRED', 'KEY_EXPIRED']);
  });

  it('DDTK: no credit under a default key (KT 1); management tokens are allowed', async () => {
    const { hsm } = await setup({ meter: false });
    await hsm.importVendingKey({ id: 'vddk', keyHex: VK04.replace(/^ab/, 'cd'), dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 1, vendingKeyType: 'default', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00' }, OP);
    const m = await hsm.addMeter({ pan: PAN, customerReference: 'A', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014, keyType: 1 }, OP);
    expect(m).toMatchObject({ keyType: 1, vendingKeyId: 'vddk' });
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, litres: 100 }))).toBe('DDTK');
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, currency: '10' }))).toBe('DDTK');
    expect((await hsm.manage({ ...CTX, pan: PAN, action: 'clearTamper' })).tokens).toHaveLength(1);
  });

  it('KEY_INACTIVE: before activeFrom, or a token time after issuedUntil', async () => {
    const { hsm } = await setup({ meter: false });
    await hsm.importVendingKey({ id: 'future', keyHex: VK04, dkga: '04', supplyGroupCode: '111111', keyRevisionNumber: 1, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2027-01-01T00:00' }, OP);
    await hsm.importVendingKey({ id: 'ending', keyHex: VK04, dkga: '04', supplyGroupCode: '222222', keyRevisionNumber: 1, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00', issuedUntil: '2026-12-01T09:30' }, OP);
    await hsm.addMeter({ pan: PAN, customerReference: 'A', supplyGroupCode: '111111', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, OP);
    await hsm.addMeter({ pan: PAN2, customerReference: 'B', supplyGroupCode: '222222', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, OP);
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, litres: 100 }))).toBe('KEY_INACTIVE');
    expect((await hsm.vend({ ...CTX, pan: PAN2, litres: 100 })).tidDateTime).toBe('2026-12-01T09:30');
    // The next free minute, 09:31, is after issuedUntil.
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN2, litres: 100 }))).toBe('KEY_INACTIVE');
  });

  it('RANGE and FORMAT for bad amounts; NOT_FOUND for unknown meters; CHECK_DIGIT for a mistyped PAN', async () => {
    const { hsm } = await setup();
    const vend = (a: object) => errorCode(() => hsm.vend({ ...CTX, pan: PAN, ...a }));
    expect(await vend({ litres: 0 })).toBe('RANGE');
    expect(await vend({ cubicMetres: '0.0' })).toBe('RANGE');
    expect(await vend({ litres: -5 })).toBe('RANGE');
    expect(await vend({ litres: 1.5 })).toBe('RANGE');
    expect(await vend({ litres: 1_820_162_500 })).toBe('RANGE');
    expect(await vend({ rupiah: 0 })).toBe('RANGE');
    expect(await vend({ rupiah: 100.5 })).toBe('RANGE');
    expect(await vend({ currency: '-5' })).toBe('RANGE');
    expect(await vend({ litres: 100, cubicMetres: '1' })).toBe('FORMAT');
    expect(await vend({})).toBe('FORMAT');
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN2, litres: 100 }))).toBe('NOT_FOUND');
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: '600727000000000008', litres: 100 }))).toBe('CHECK_DIGIT');
    expect(await errorCode(() => hsm.vend({ operator: '', vendingPoint: 'x', pan: PAN, litres: 100 }))).toBe('FORMAT');
    expect(await errorCode(() => hsm.vend({ operator: 'a', vendingPoint: 'x', pan: PAN, litres: 100, transactionId: 'bad id!' }))).toBe('FORMAT');
    expect((await hsm.getMeter(PAN)).lastTid).toBeNull();
  });
});

describe('daily credit limit per vending point (local day)', () => {
  it('LIMIT in litres: counts what the tokens carry, per vending point, resets at local midnight', async () => {
    const { hsm, set } = await setup({ config: { dailyLimitLitresPerVendingPoint: 5000 }, start: '2026-12-01T16:00:00Z' }); // 23:00 WIB
    await hsm.vend({ ...CTX, pan: PAN, litres: 3000 });
    // 1950 L rounds up to 2000 L: 5000 exactly is allowed; 1 L more is not.
    await hsm.vend({ ...CTX, pan: PAN, litres: 1950 });
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, litres: 1 }))).toBe('LIMIT');
    expect((await hsm.vend({ ...CTX, vendingPoint: 'till-2', pan: PAN, litres: 100 })).creditedLitres).toBe(100);
    set('2026-12-01T16:59:59Z'); // 23:59 WIB: same local day
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, litres: 100 }))).toBe('LIMIT');
    set('2026-12-01T17:00:00Z'); // 00:00 WIB on 2 December
    expect((await hsm.vend({ ...CTX, pan: PAN, litres: 5000 })).creditedLitres).toBe(5000);
  });

  it('LIMIT in rupiah: rupiah vends count the charged amount, currency vends what the token carries', async () => {
    const { hsm } = await setup({ config: { dailyLimitRupiahPerVendingPoint: 100_000 } });
    const r = await hsm.vend({ ...CTX, pan: PAN, rupiah: 60_000 });
    expect(r.tariff!.chargedRupiah).toBe(60_000);
    // Currency tokens carry the amount rounded up (§3.2): 40000 → 40004.42624 → Rp 40005 > 40000 left.
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, currency: '40000' }))).toBe('LIMIT');
    const c = await hsm.vend({ ...CTX, pan: PAN, currency: '39000' });
    expect(c.encoded).toBe('39004.42624 currency');
    // Used: 60000 + 39005 = 99005. The meter has 20 m³ this month, so 100 L now cost Rp 500 (block 3).
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, rupiah: 1000 }))).toBe('LIMIT');
    expect((await hsm.vend({ ...CTX, pan: PAN, rupiah: 995 })).tariff).toMatchObject({ chargedRupiah: 500, changeRupiah: 495 });
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, rupiah: 500 }))).toBe('LIMIT');
  });

  it('a request\'s own daily limits (an API key\'s) tighten the module\'s, never loosen them; a bad one is RANGE', async () => {
    const { hsm } = await setup({ config: { dailyLimitLitresPerVendingPoint: 5000 } });
    const own = { litres: 3000, rupiah: null };
    await hsm.vend({ ...CTX, pan: PAN, litres: 3000, dailyLimits: own });
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, litres: 100, dailyLimits: own }))).toBe('LIMIT');
    // The same vending point without its own limit: the module's 5000 L still count the 3000 L sold.
    await hsm.vend({ ...CTX, pan: PAN, litres: 2000 });
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, litres: 100, dailyLimits: { litres: 1_000_000 } }))).toBe('LIMIT');
    expect(await errorCode(() => hsm.vend({ ...CTX, vendingPoint: 'till-2', pan: PAN, litres: 100, dailyLimits: { litres: 0 } }))).toBe('RANGE');
    expect(await errorCode(() => hsm.vend({ ...CTX, vendingPoint: 'till-2', pan: PAN, litres: 100, dailyLimits: { rupiah: 1.5 } }))).toBe('RANGE');
    expect((await hsm.vend({ ...CTX, vendingPoint: 'till-2', pan: PAN, litres: 100, dailyLimits: { rupiah: 10 } })).creditedLitres).toBe(100);
  });

  it('limits are configurable at run time and audited', async () => {
    const { hsm } = await setup();
    await hsm.vend({ ...CTX, pan: PAN, litres: 2000 });
    expect((await hsm.setConfig({ dailyLimitLitresPerVendingPoint: 2000 }, OP)).dailyLimitLitresPerVendingPoint).toBe(2000);
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, litres: 100 }))).toBe('LIMIT');
    expect(await errorCode(() => hsm.setConfig({ dailyLimitLitresPerVendingPoint: -1 }, OP))).toBe('RANGE');
    expect(await errorCode(() => hsm.setConfig({ bogus: 1 } as never, OP))).toBe('FORMAT');
    const kinds = (await hsm.auditRecords()).filter((r) => r.kind === 'config').map((r) => r.outcome);
    expect(kinds).toEqual(['done', 'refused', 'refused']);
  });
});

describe('idempotent reissue by transaction id', () => {
  it('the same request returns the same tokens, reissued: true, and adds no credit', async () => {
    const { hsm, advance } = await setup({ config: { dailyLimitLitresPerVendingPoint: 3000 } });
    const first = await hsm.vend({ ...CTX, pan: PAN, litres: 2000, transactionId: 'pos-1-0001' });
    advance(5 * 60_000);
    const again = await hsm.vend({ operator: 'bob', vendingPoint: 'till-9', pan: PAN, litres: 2000, transactionId: 'pos-1-0001' });
    expect(again).toEqual({ ...first, reissued: true });
    expect((await hsm.getMeter(PAN)).lastTid).toBe(first.tid);
    expect((await hsm.getMeter(PAN)).monthToDate).toEqual({ month: '2026-12', litres: 2000 });
    // The limit saw 2000 L, not 4000 L: 1000 L more still fit.
    expect((await hsm.vend({ ...CTX, pan: PAN, litres: 1000 })).creditedLitres).toBe(1000);
    const recs = (await hsm.auditRecords()).filter((r) => r.transactionId === 'pos-1-0001');
    expect(recs.map((r) => [r.outcome, r.operator, r.tokenHash === recs[0]!.tokenHash])).toEqual([['issued', 'alice', true], ['reissued', 'bob', true]]);
  });

  it('the same transaction id with another request is a CONFLICT (and audited)', async () => {
    const { hsm } = await setup();
    await hsm.vend({ ...CTX, pan: PAN, litres: 2000, transactionId: 'pos-1-0002' });
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, litres: 2100, transactionId: 'pos-1-0002' }))).toBe('CONFLICT');
    // Same meter and same credit, but not the same request: a retry must repeat the request.
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, cubicMetres: '2', transactionId: 'pos-1-0002' }))).toBe('CONFLICT');
    expect(await errorCode(() => hsm.manage({ ...CTX, pan: PAN, action: 'clearTamper', transactionId: 'pos-1-0002' }))).toBe('CONFLICT');
    const refused = (await hsm.auditRecords()).filter((r) => r.outcome === 'refused');
    expect(refused.map((r) => [r.errorCode, r.transactionId])).toEqual([['CONFLICT', 'pos-1-0002'], ['CONFLICT', 'pos-1-0002'], ['CONFLICT', 'pos-1-0002']]);
  });

  it('a refused request leaves its transaction id free for a retry', async () => {
    const { hsm, set } = await setup({ config: { dailyLimitLitresPerVendingPoint: 1000 } });
    await hsm.vend({ ...CTX, pan: PAN, litres: 1000 });
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, litres: 500, transactionId: 'retry-1' }))).toBe('LIMIT');
    set('2026-12-02T02:30:00Z');
    expect((await hsm.vend({ ...CTX, pan: PAN, litres: 500, transactionId: 'retry-1' })).reissued).toBe(false);
  });
});
