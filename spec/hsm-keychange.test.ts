import { describe, expect, it } from 'vitest';
import { decodeKeyChange, decodeToken, deriveDecoderKey, type KeyType } from '../src';
import { ALLOWED_KEY_TYPE_CHANGES } from '../src/hsm/key-change';
import { type Hsm, MemoryStore, initHsm, openHsm } from '../src/hsm';
import { CTX, MASTER, OP, PAN, VK02, VK04, VK04_KRN2, makeClock, panOf, setup } from './hsm-support';
import { errorCode } from './support';

const base = { keyType: 2 as const, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, pan: PAN, baseDate: 2014 as const, encryptionAlgorithm: '11' as const };
const importKrn2 = (hsm: Hsm, baseDate: 2014 | 2035 = 2014, extra: object = {}) => hsm.importVendingKey({
  id: `krn2-${baseDate}`, keyHex: VK04_KRN2, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 2, vendingKeyType: 'unique',
  baseDate, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00', ...extra,
}, OP);

describe('key change sets', () => {
  it('4-token set to KRN 2: carries exactly the new key, encrypted under the current one; the registry moves on', async () => {
    const { hsm } = await setup();
    await importKrn2(hsm);
    const before = await hsm.vend({ ...CTX, pan: PAN, litres: 1000 });
    const r = await hsm.keyChange({ ...CTX, pan: PAN, newKeyRevisionNumber: 2 });
    expect(r.kind).toBe('keychange');
    expect(r.tokens).toHaveLength(4);
    expect(r.tid).toBeUndefined();
    expect(r.keyRevisionNumber).toBe(2);
    expect(r.keyChange).toMatchObject({ rollover: false, tokenCount: 4, from: { keyRevisionNumber: 1, vendingKeyId: 'sgc201457-krn1' }, to: { keyRevisionNumber: 2, vendingKeyId: 'krn2-2014' } });
    expect(r.notes!.join(' ')).toMatch(/before/);
    const oldKey = deriveDecoderKey(VK04, base);
    const newKey = deriveDecoderKey(VK04_KRN2, { ...base, keyRevisionNumber: 2 });
    const { change, newKey: decoded } = decodeKeyChange(r.tokens, oldKey);
    expect(change).toMatchObject({ keyRevisionNumber: 2, keyType: 2, keyExpiryNumber: 255, tariffIndex: '01', rollover: false, tokenCount: 4, supplyGroupCode: '201457' });
    expect(decoded.exportHex()).toBe(newKey.exportHex());
    expect(await hsm.getMeter(PAN)).toMatchObject({ keyRevisionNumber: 2, vendingKeyId: 'krn2-2014', lastTid: before.tid });
    // Credit from now on is for the new key only.
    const after = await hsm.vend({ ...CTX, pan: PAN, litres: 1000 });
    expect(after.tid).toBe(before.tid! + 1);
    expect(decodeToken(after.tokens[0]!, newKey).kind).toBe('transferCredit');
    expect(errorCode(() => decodeToken(after.tokens[0]!, oldKey))).toMatch(/CRC|FUNCTION/);
    expect(await hsm.verify(PAN, after.tokens[0]!)).toMatchObject({ ok: true, token: { kind: 'transferCredit' } });
  });

  it('a new KEN only: same key bits, KEN updated, and the meter can be vended again', async () => {
    const { hsm } = await setup({ meter: false });
    await hsm.addMeter({ pan: PAN, customerReference: 'A', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014, keyExpiryNumber: 100 }, OP);
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, litres: 100 }))).toBe('KEY_EXPIRED');
    const r = await hsm.keyChange({ ...CTX, pan: PAN, newKeyExpiryNumber: 200 });
    expect(decodeKeyChange(r.tokens, deriveDecoderKey(VK04, { ...base, keyExpiryNumber: 100 })).change.keyExpiryNumber).toBe(200);
    expect((await hsm.getMeter(PAN)).keyExpiryNumber).toBe(200);
    expect((await hsm.vend({ ...CTX, pan: PAN, litres: 100 })).tokens).toHaveLength(1);
  });

  it('rollover 1993 → 2014 (RO = 1): the meter key changes, lastTid resets, TIDs count from 2014', async () => {
    const c = makeClock('2024-06-01T02:30:00Z');
    const store = new MemoryStore();
    await initHsm(store, MASTER, {}, c.clock());
    const hsm = await openHsm({ store, masterKey: MASTER, clock: c.clock });
    await hsm.importVendingKey({ id: 'bd93', keyHex: VK04, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 1, vendingKeyType: 'unique', baseDate: 1993, encryptionAlgorithm: '11', activeFrom: '2000-01-01T00:00', issuedUntil: '2024-11-24T20:15' }, OP);
    await hsm.importVendingKey({ id: 'bd14', keyHex: VK04_KRN2, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 2, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2024-01-01T00:00' }, OP);
    await hsm.addMeter({ pan: PAN, customerReference: 'A', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 1993 }, OP);
    const old = await hsm.vend({ ...CTX, pan: PAN, litres: 1000 });
    expect(old.tid).toBeGreaterThan(16_000_000);
    await hsm.importVendingKey({ id: 'bd35', keyHex: VK04_KRN2, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 3, vendingKeyType: 'unique', baseDate: 2035, encryptionAlgorithm: '11', activeFrom: '2024-01-01T00:00' }, OP);
    // 1993 → 2035 skips a base date: the meter cannot do that.
    expect(await errorCode(() => hsm.keyChange({ ...CTX, pan: PAN, newBaseDate: 2035, newKeyRevisionNumber: 3 }))).toBe('KEY_CHANGE');
    const r = await hsm.keyChange({ ...CTX, pan: PAN, newBaseDate: 2014, newKeyRevisionNumber: 2 });
    expect(r.keyChange).toMatchObject({ rollover: true, from: { baseDate: 1993 }, to: { baseDate: 2014, keyRevisionNumber: 2 } });
    expect(r.notes!.join(' ')).toMatch(/Rollover to base date 2014/);
    const oldKey = deriveDecoderKey(VK04, { ...base, baseDate: 1993 });
    const { change, newKey } = decodeKeyChange(r.tokens, oldKey);
    expect(change.rollover).toBe(true);
    expect(newKey.baseDate).toBe(2014);
    expect(newKey.exportHex()).toBe(deriveDecoderKey(VK04_KRN2, { ...base, keyRevisionNumber: 2 }).exportHex());
    expect(await hsm.getMeter(PAN)).toMatchObject({ baseDate: 2014, keyRevisionNumber: 2, lastTid: null });
    const next = await hsm.vend({ ...CTX, pan: PAN, litres: 1000 });
    expect(next.tidDateTime).toBe('2024-06-01T09:30');
    expect(next.tid).toBeLessThan(old.tid!);
    expect(decodeToken(next.tokens[0]!, newKey).kind).toBe('transferCredit');
  });

  it('rollover 2014 → 2035 near the 2014 rollover date; base dates move one step forward only', async () => {
    const { hsm } = await setup({ start: '2045-06-01T02:30:00Z' });
    await importKrn2(hsm, 2035);
    await importKrn2(hsm, 2014);
    expect(await errorCode(() => hsm.keyChange({ ...CTX, pan: PAN, newBaseDate: 1993 }))).toBe('NOT_FOUND');
    const r = await hsm.keyChange({ ...CTX, pan: PAN, newBaseDate: 2035, newKeyRevisionNumber: 2 });
    expect(decodeKeyChange(r.tokens, deriveDecoderKey(VK04, base)).newKey.baseDate).toBe(2035);
    expect(await hsm.getMeter(PAN)).toMatchObject({ baseDate: 2035, lastTid: null });
    // Going back to 2014 is not a rollover the meter can do.
    expect(await errorCode(() => hsm.keyChange({ ...CTX, pan: PAN, newVendingKeyId: 'krn2-2014' }))).toBe('KEY_CHANGE');
  });

  it('DKGA02 (64-bit): 2-token set; an SGC change needs the 3-token set (3KCT)', async () => {
    const { hsm } = await setup({ meter: false, start: '2024-06-01T02:30:00Z' });
    const imp = (id: string, sgc: string, hex: string) => hsm.importVendingKey({ id, keyHex: hex, dkga: '02', supplyGroupCode: sgc, keyRevisionNumber: 1, vendingKeyType: 'unique', baseDate: 1993, encryptionAlgorithm: '07', activeFrom: '2000-01-01T00:00' }, OP);
    await imp('d02-a', '123456', VK02);
    await imp('d02-b', '654321', '0123456789abcdef');
    await hsm.addMeter({ pan: PAN, customerReference: 'A', supplyGroupCode: '123456', keyRevisionNumber: 1, encryptionAlgorithm: '07', baseDate: 1993 }, OP);
    const cur = deriveDecoderKey(VK02, { ...base, supplyGroupCode: '123456', baseDate: 1993, encryptionAlgorithm: '07' });
    const two = await hsm.keyChange({ ...CTX, pan: PAN, newKeyExpiryNumber: 250 });
    expect(two.tokens).toHaveLength(2);
    expect(decodeKeyChange(two.tokens, cur).change).toMatchObject({ tokenCount: 2, keyExpiryNumber: 250 });
    const cur2 = cur.withAttributes({ keyExpiryNumber: 250 });
    expect(await errorCode(() => hsm.keyChange({ ...CTX, pan: PAN, newVendingKeyId: 'd02-b' }))).toBe('KEY_CHANGE');
    const three = await hsm.keyChange({ ...CTX, pan: PAN, newVendingKeyId: 'd02-b', threeTokenSet: true });
    expect(three.tokens).toHaveLength(3);
    const { change, newKey } = decodeKeyChange(three.tokens, cur2);
    expect(change).toMatchObject({ tokenCount: 3, supplyGroupCode: '654321' });
    expect(newKey.exportHex()).toBe(deriveDecoderKey('0123456789abcdef', { ...base, supplyGroupCode: '654321', baseDate: 1993, encryptionAlgorithm: '07', keyExpiryNumber: 250 }).exportHex());
    expect(await hsm.getMeter(PAN)).toMatchObject({ supplyGroupCode: '654321', vendingKeyId: 'd02-b' });
  });

  it('refusals: 3KCT with a 128-bit key, an algorithm the meter cannot infer, an inactive new key', async () => {
    const { hsm } = await setup();
    await importKrn2(hsm);
    expect(await errorCode(() => hsm.keyChange({ ...CTX, pan: PAN, newKeyRevisionNumber: 2, threeTokenSet: true }))).toBe('KEY_CHANGE');
    await hsm.importVendingKey({ id: 'ea07', keyHex: VK04, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 3, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '07', activeFrom: '2020-01-01T00:00' }, OP);
    // EA11 meter + 64-bit key → the meter assumes EA07: allowed. EA09 would not be.
    expect((await hsm.keyChange({ ...CTX, pan: PAN, newVendingKeyId: 'ea07' })).tokens).toHaveLength(2);
    await hsm.importVendingKey({ id: 'later', keyHex: VK04_KRN2, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 4, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2027-01-01T00:00' }, OP);
    expect(await errorCode(() => hsm.keyChange({ ...CTX, pan: PAN, newVendingKeyId: 'later' }))).toBe('KEY_INACTIVE');
    expect(await errorCode(() => hsm.keyChange({ ...CTX, pan: PAN, newVendingKeyId: 'later', newKeyRevisionNumber: 5 }))).toBe('KEY');
    expect(await errorCode(() => hsm.keyChange({ ...CTX, pan: PAN, newVendingKeyId: 'nope' }))).toBe('NOT_FOUND');
  });

  it('a meter can leave a vending key past its issued-until date (only the new key must be active)', async () => {
    const { hsm } = await setup({ meter: false });
    await hsm.importVendingKey({ id: 'old', keyHex: VK04, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 3, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00', issuedUntil: '2026-01-01T00:00' }, OP);
    await importKrn2(hsm);
    await hsm.addMeter({ pan: PAN, customerReference: 'A', supplyGroupCode: '201457', keyRevisionNumber: 3, encryptionAlgorithm: '11', baseDate: 2014 }, OP);
    expect(await errorCode(() => hsm.vend({ ...CTX, pan: PAN, litres: 100 }))).toBe('KEY_INACTIVE');
    await hsm.keyChange({ ...CTX, pan: PAN, newKeyRevisionNumber: 2 });
    expect((await hsm.vend({ ...CTX, pan: PAN, litres: 100 })).keyRevisionNumber).toBe(2);
  });

  it('a reissue returns the same set even after the registry moved to the new key; another request is a CONFLICT', async () => {
    const { hsm } = await setup();
    await importKrn2(hsm);
    const r = await hsm.keyChange({ ...CTX, pan: PAN, newKeyRevisionNumber: 2, transactionId: 'kc-1' });
    expect(await hsm.keyChange({ ...CTX, pan: PAN, newKeyRevisionNumber: 2, transactionId: 'kc-1' })).toEqual({ ...r, reissued: true });
    expect(await errorCode(() => hsm.keyChange({ ...CTX, pan: PAN, newKeyRevisionNumber: 2, newKeyExpiryNumber: 9, transactionId: 'kc-1' }))).toBe('CONFLICT');
  });
});

describe('key type transitions: the meter\'s table (never → 0; 0 → 1, 2, 3; 1 → 1, 2; 2 → 2; 3 → 2, 3)', () => {
  it('follows the table exactly, refusing the rest with KEY_TYPE', async () => {
    expect(ALLOWED_KEY_TYPE_CHANGES).toEqual({ 0: [1, 2, 3], 1: [1, 2], 2: [2], 3: [2, 3] });
    const { hsm } = await setup({ meter: false });
    await hsm.importVendingKey({ id: 'vddk', keyHex: VK04_KRN2, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 1, vendingKeyType: 'default', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00' }, OP);
    await hsm.importVendingKey({ id: 'vcdk', keyHex: VK04_KRN2.replace(/^01/, '02'), dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 1, vendingKeyType: 'common', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00' }, OP);
    const keyFor: Record<KeyType, string> = { 0: 'sgc201457-krn1', 1: 'vddk', 2: 'sgc201457-krn1', 3: 'vcdk' };
    const seen: string[] = [];
    let n = 1;
    for (const from of [0, 1, 2, 3] as KeyType[]) {
      for (const to of [0, 1, 2, 3] as KeyType[]) {
        const pan = panOf(n++);
        await hsm.addMeter({ pan, customerReference: `M${n}`, supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014, keyType: from, vendingKeyId: keyFor[from] }, OP);
        // A new KEN too: a change to the key the meter already has would be USAGE (nothing to change), not a table entry.
        const code = await errorCode(() => hsm.keyChange({ ...CTX, pan, newKeyType: to, newKeyExpiryNumber: 200, newVendingKeyId: to === 0 ? undefined : keyFor[to] }));
        seen.push(`${from}→${to}:${code ?? 'ok'}`);
        if (code === undefined) expect(await hsm.getMeter(pan)).toMatchObject({ keyType: to, vendingKeyId: keyFor[to] });
      }
    }
    expect(seen).toEqual([
      '0→0:KEY_TYPE', '0→1:ok', '0→2:ok', '0→3:ok',
      '1→0:KEY_TYPE', '1→1:ok', '1→2:ok', '1→3:KEY_TYPE',
      '2→0:KEY_TYPE', '2→1:KEY_TYPE', '2→2:ok', '2→3:KEY_TYPE',
      '3→0:KEY_TYPE', '3→1:KEY_TYPE', '3→2:ok', '3→3:ok',
    ]);
  });

  it('a meter KT must match its vending key type (VUDK → 2, VDDK → 1, VCDK → 3)', async () => {
    const { hsm } = await setup({ meter: false });
    expect(await errorCode(() => hsm.addMeter({ pan: PAN, customerReference: 'A', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014, keyType: 1, vendingKeyId: 'sgc201457-krn1' }, OP))).toBe('KEY_TYPE');
    expect(await errorCode(() => hsm.addMeter({ pan: PAN, customerReference: 'A', supplyGroupCode: '201457', keyRevisionNumber: 2, encryptionAlgorithm: '11', baseDate: 2014, vendingKeyId: 'sgc201457-krn1' }, OP))).toBe('KEY');
  });
});
