// The fleet key change records a set only after decoding it as the meter will: here the token
// layer's generateKeyChange is replaced (for this file only) by one that makes wrong sets, and
// every wrong set must be refused (KEY_CHANGE, audited), never recorded.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DecoderKey } from '../src/keys';
import { DecoderKey as Key, deriveDecoderKey } from '../src/keys';
import * as keyChangeModule from '../src/tokens/key-change';
import { CTX, OP, VK04, VK04_KRN2, panOf, setup } from './hsm-support';

type Generate = typeof keyChangeModule.generateKeyChange;
let corrupt: ((real: Generate, current: DecoderKey, next: DecoderKey, options: Parameters<Generate>[2]) => string[]) | null = null;

vi.mock('../src/tokens/key-change', async (importOriginal) => {
  const real = await importOriginal<typeof keyChangeModule>();
  return {
    ...real,
    generateKeyChange: (current: DecoderKey, next: DecoderKey, options: Parameters<Generate>[2]) =>
      (corrupt === null ? real.generateKeyChange(current, next, options) : corrupt(real.generateKeyChange, current, next, options)),
  };
});

afterEach(async () => { corrupt = null; });

async function fleet() {
  const s = await setup({ meter: false });
  await s.hsm.importVendingKey({ id: 'krn2', keyHex: VK04_KRN2, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 2, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00' }, OP);
  const pans = [1, 2].map(panOf);
  for (const pan of pans) await s.hsm.addMeter({ pan, customerReference: pan, supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, OP);
  return { ...s, pans };
}

const other = (k: DecoderKey, vk: string) => deriveDecoderKey(vk, { ...k.attributes(), pan: k.pan! });
/** The same key bits with other attributes. */
const relabel = (k: DecoderKey, change: Record<string, unknown>) => Key.fromBytes(k.exportBytes(), { ...k.attributes(), ...change });

describe('a wrong set is refused, never recorded', () => {
  const wrong: [string, typeof corrupt, RegExp][] = [
    ['other key bits', (g, cur, next, o) => g(cur, other(next, VK04), o), /installs other key bits/],
    ['another KEN', (g, cur, next, o) => g(cur, next, { ...o, keyExpiryNumber: 254 }), /installs KRN 2, KT 2, KEN 254/],
    ['another TI', (g, cur, next, o) => g(cur, relabel(next, { tariffIndex: '02' }), o), /installs .* TI 02/],
    ['RO = 1 without a rollover', (g, cur, next, o) => g(cur, next, { ...o, rollover: true }), /RO = 1/],
    ['encrypted under another key', (g, cur, next, o) => g(other(cur, VK04_KRN2), next, o), /does not decode with the meter's current key \(CRC\)/],
    ['a token short', (g, cur, next, o) => g(cur, next, o).slice(0, 3), /3 tokens instead of 4/],
    ['a section twice', (g, cur, next, o) => { const t = g(cur, next, o); return [t[0]!, t[1]!, t[2]!, t[2]!]; }, /does not decode .*KEY_CHANGE/],
  ];
  it.each(wrong)('%s', async (_name, how, message) => {
    const { hsm, pans, store } = await fleet();
    corrupt = (g, cur, next, o) => (cur.pan === pans[1] ? how!(g, cur, next, o) : g(cur, next, o));
    const before = (await hsm.auditRecords()).length;
    const r = await hsm.keyChangeFleet(pans.map((pan) => ({ pan, newKeyRevisionNumber: 2, transactionId: `t:${pan}` })), CTX);
    expect(r).toMatchObject({ issued: 1, refused: 1 });
    expect(r.outcomes[1]).toEqual({ pan: pans[1], ok: false, errorCode: 'KEY_CHANGE', message: expect.stringMatching(message) });
    expect((await hsm.getMeter(pans[1]!)).keyRevisionNumber).toBe(1);
    expect((await store.transaction((tx) => tx.getTransaction(`t:${pans[1]}`)))).toBeUndefined();
    expect((await hsm.auditRecords({ fromSeq: before + 1 })).map((x) => [x.pan, x.outcome, x.errorCode, x.tokenHash])).toEqual([
      [pans[0], 'issued', null, expect.stringMatching(/^[0-9a-f]{64}$/)], [pans[1], 'refused', 'KEY_CHANGE', null],
    ]);
    expect((await hsm.verifyAudit()).ok).toBe(true);
  });
});
