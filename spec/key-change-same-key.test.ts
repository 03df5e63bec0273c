// Issue #14: a rollover (RO = 1, the meter clears its TID memory) that installs the key bits the
// meter already has would make every old token acceptable once more. DKGA02 does not take the
// base date, so a 1993 → 2014 rollover with the same vending key and KRN is exactly that. Both
// sides refuse it: the security module before anything is issued, the meter when the set completes.
import { describe, expect, it } from 'vitest';
import { deriveDecoderKey, generateKeyChange } from '../src';
import { tidFromWallClock } from '../src/codec';
import { MemoryStore, initHsm, openHsm } from '../src/hsm';
import { Meter } from '../src/meter';
import { CTX, MASTER, OP, PAN, PAN2, VK02, makeClock } from './hsm-support';
import { errorCode } from './support';

const params93 = { keyType: 2 as const, supplyGroupCode: '123456', tariffIndex: '01', keyRevisionNumber: 1, pan: PAN, baseDate: 1993 as const, encryptionAlgorithm: '07' as const, keyExpiryNumber: 255 };

/** A module on 2024-06-01 with the same DKGA02 vending key imported for base dates 1993 and 2014 (same KRN). */
async function module() {
  const c = makeClock('2024-06-01T02:30:00Z');
  const store = new MemoryStore();
  await initHsm(store, MASTER, {}, c.clock());
  const hsm = await openHsm({ store, masterKey: MASTER, clock: c.clock });
  const imp = (id: string, baseDate: 1993 | 2014) => hsm.importVendingKey({
    id, keyHex: VK02, dkga: '02', supplyGroupCode: '123456', keyRevisionNumber: 1, vendingKeyType: 'unique', baseDate,
    encryptionAlgorithm: '07', activeFrom: '2000-01-01T00:00',
  }, OP);
  await imp('bd93', 1993);
  await imp('bd14', 2014);
  for (const pan of [PAN, PAN2]) await hsm.addMeter({ pan, customerReference: pan, supplyGroupCode: '123456', keyRevisionNumber: 1, encryptionAlgorithm: '07', baseDate: 1993 }, OP);
  return { hsm, store };
}

function meter() {
  return new Meter({ profile: { pan: PAN }, key: deriveDecoderKey(VK02, params93), initialTid: tidFromWallClock('2024-01-01T00:00', 1993) });
}

describe('rollover to the same key bits', () => {
  it('the end-to-end attack: 5,000 L does not become 10,000 L', async () => {
    const { hsm, store } = await module();
    const m = meter();
    const credit = await hsm.vend({ ...CTX, pan: PAN, litres: 5000 });
    expect(m.enter(credit.tokens[0]!, '2024-06-01T09:40').result).toBe('ACCEPT');
    expect(m.creditLitres).toBe(5000);
    // The module refuses the rollover (same vending key and KRN under DKGA02: same key bits), audited, nothing issued.
    const audited = (await store.transaction((tx) => tx.readAudit())).length;
    expect(await errorCode(() => hsm.keyChange({ ...CTX, pan: PAN, newVendingKeyId: 'bd14', transactionId: 'ro-1' }))).toBe('KEY_CHANGE');
    const last = (await store.transaction((tx) => tx.readAudit())).slice(audited);
    expect(last).toHaveLength(1);
    expect(last[0]).toMatchObject({ kind: 'keychange', outcome: 'refused', errorCode: 'KEY_CHANGE', tokenHash: null });
    expect((await store.transaction((tx) => tx.getTransaction('ro-1')))).toBeUndefined();
    expect(await hsm.getMeter(PAN)).toMatchObject({ baseDate: 1993, vendingKeyId: 'bd93' });
    // A set made elsewhere (the token layer can still make one) is refused by the meter: the set is discarded, nothing changes.
    const current = deriveDecoderKey(VK02, params93);
    const same = deriveDecoderKey(VK02, { ...params93, baseDate: 2014 });
    expect(same.exportHex()).toBe(current.exportHex()); // DKGA02 does not take the base date: this is the premise
    const set = generateKeyChange(current, same, { rollover: true });
    const tidsBefore = m.tidMemory.toArray();
    const results = set.map((t) => m.enter(t, '2024-06-01T09:41'));
    expect(results.at(-1)).toMatchObject({ result: 'KEY_TYPE' });
    expect(results.at(-1)!.detail).toMatch(/same key/);
    expect(m.key.baseDate).toBe(1993);
    expect(m.tidMemory.toArray()).toEqual(tidsBefore);
    expect(m.pendingKeyChange).toBeNull();
    // The old token is still Used: credit is not doubled.
    expect(m.enter(credit.tokens[0]!, '2024-06-01T09:42').result).toBe('USED');
    expect(m.creditLitres).toBe(5000);
  });

  it('a rollover to new key bits is still accepted on both sides; a change without rollover may keep the key bits', async () => {
    const { hsm } = await module();
    await hsm.importVendingKey({
      id: 'bd14-krn2', keyHex: '0123456789abcdef', dkga: '02', supplyGroupCode: '123456', keyRevisionNumber: 2, vendingKeyType: 'unique',
      baseDate: 2014, encryptionAlgorithm: '07', activeFrom: '2000-01-01T00:00',
    }, OP);
    expect((await hsm.keyChange({ ...CTX, pan: PAN, newKeyExpiryNumber: 200 })).tokens).toHaveLength(2);
    const m = meter();
    const ro = await hsm.keyChange({ ...CTX, pan: PAN2, newVendingKeyId: 'bd14-krn2' });
    expect(ro.keyChange).toMatchObject({ rollover: true });
    const current = deriveDecoderKey(VK02, params93);
    const next = deriveDecoderKey('0123456789abcdef', { ...params93, keyRevisionNumber: 2, baseDate: 2014 });
    const results = generateKeyChange(current, next, { rollover: true }).map((t) => m.enter(t, '2024-06-01T09:41'));
    expect(results.at(-1)!.result).toBe('ACCEPT');
    expect(m.key.baseDate).toBe(2014);
  });

  it('fleet: the same refusal for every meter, nothing issued', async () => {
    const { hsm } = await module();
    const r = await hsm.keyChangeFleet([PAN, PAN2].map((pan) => ({ pan, newVendingKeyId: 'bd14' })), CTX);
    expect(r).toMatchObject({ issued: 0, refused: 2 });
    expect(r.outcomes.map((o) => (o.ok ? 'ok' : o.errorCode))).toEqual(['KEY_CHANGE', 'KEY_CHANGE']);
  });
});
