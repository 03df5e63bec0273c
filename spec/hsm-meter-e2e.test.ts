import { describe, expect, it } from 'vitest';
import { deriveDecoderKey } from '../src/keys';
import { tidFromWallClock } from '../src/codec';
import { Meter } from '../src/meter';
import { CTX, OP, PAN, VK04, VK04_KRN2, setup } from './hsm-support';

// The two halves together: tokens sold by the security module (issue #4), entered into the
// simulated meter (issue #3). Both sides were written against the standard separately; here they
// must agree on every token, the TIDs, the key change and the replay rules.

const params = { supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2 as const, keyExpiryNumber: 255, pan: PAN, baseDate: 2014 as const, encryptionAlgorithm: '11' as const };

function newMeter() {
  // The meter was made on 2026-11-01 and carries the same DKGA04 key as the module derives.
  return new Meter({ profile: { pan: PAN }, key: deriveDecoderKey(VK04, params), initialTid: tidFromWallClock('2026-11-01T00:00', 2014) });
}

describe('security module → meter', () => {
  it('vends are credited once; same-minute vends get distinct TIDs; a reissue is Used at the meter', async () => {
    const { hsm } = await setup();
    const meter = newMeter();
    const a = await hsm.vend({ ...CTX, pan: PAN, cubicMetres: '2.55', transactionId: 't-1' });
    const b = await hsm.vend({ ...CTX, pan: PAN, litres: 1000 }); // same minute: next free minute
    const c = await hsm.vend({ ...CTX, pan: PAN, rupiah: 50000 });
    expect(new Set([a.tid, b.tid, c.tid]).size).toBe(3);
    const again = await hsm.vend({ ...CTX, pan: PAN, cubicMetres: '2.55', transactionId: 't-1' });
    expect(again).toMatchObject({ reissued: true, tokens: a.tokens });
    expect(meter.enter(c.tokens[0]!, '2026-12-01T09:40').result).toBe('ACCEPT');
    expect(meter.enter(a.tokens[0]!, '2026-12-01T09:41').result).toBe('ACCEPT');
    expect(meter.enter(b.tokens[0]!, '2026-12-01T09:42').result).toBe('ACCEPT');
    expect(meter.enter(again.tokens[0]!, '2026-12-01T09:43').result).toBe('USED');
    expect(meter.creditLitres).toBe(2600 + 1000 + c.creditedLitres!);
  });

  it('management tokens: clear credit and clear tamper are accepted by the meter', async () => {
    const { hsm } = await setup();
    const meter = newMeter();
    meter.enter((await hsm.vend({ ...CTX, pan: PAN, litres: 500 })).tokens[0]!, '2026-12-01T09:40');
    meter.raiseTamper('2026-12-01T09:41');
    expect(meter.enter((await hsm.manage({ ...CTX, pan: PAN, action: 'clearTamper' })).tokens[0]!, '2026-12-01T09:42').result).toBe('ACCEPT');
    expect(meter.tamper).toBe(false);
    expect(meter.enter((await hsm.manage({ ...CTX, pan: PAN, action: 'clearCredit', register: 1 })).tokens[0]!, '2026-12-01T09:43').result).toBe('ACCEPT');
    expect(meter.creditLitres).toBe(0);
  });

  it('a key change sold by the module is accepted by the meter; later vends use the new key; a rollover resets the TID memory', async () => {
    const { hsm, set } = await setup();
    await hsm.importVendingKey({ id: 'krn2', keyHex: VK04_KRN2, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 2, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00' }, OP);
    const meter = newMeter();
    const before = await hsm.vend({ ...CTX, pan: PAN, litres: 300 });
    const kc = await hsm.keyChange({ ...CTX, pan: PAN, newKeyRevisionNumber: 2 });
    expect(kc.tokens).toHaveLength(4);
    // Old tokens first (as utilities instruct), then the set in any order.
    expect(meter.enter(before.tokens[0]!, '2026-12-01T09:40').result).toBe('ACCEPT');
    expect([3, 0, 2, 1].map((i) => meter.enter(kc.tokens[i]!, '2026-12-01T09:41').result)).toEqual(['KCT_1', 'KCT_2', 'KCT_2', 'ACCEPT']);
    expect(meter.key.keyRevisionNumber).toBe(2);
    const after = await hsm.vend({ ...CTX, pan: PAN, litres: 400 });
    expect(meter.enter(after.tokens[0]!, '2026-12-01T09:42').result).toBe('ACCEPT');
    expect(meter.creditLitres).toBe(700);
    // Rollover to base date 2035 with RO = 1: the meter's TID memory is reset, the credit kept.
    set('2034-06-01T00:00:00Z');
    await hsm.importVendingKey({ id: 'krn3-2035', keyHex: VK04, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 3, vendingKeyType: 'unique', baseDate: 2035, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00' }, OP);
    const ro = await hsm.keyChange({ ...CTX, pan: PAN, newKeyRevisionNumber: 3, newBaseDate: 2035 });
    expect(ro.tokens.map((t) => meter.enter(t, '2034-06-01T07:00').result)).toEqual(['KCT_1', 'KCT_2', 'KCT_2', 'ACCEPT']);
    expect(meter.key.baseDate).toBe(2035);
    expect(meter.tidMemory.newest).toBe(0);
    expect(meter.creditLitres).toBe(700);
  });
});
