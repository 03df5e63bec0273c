import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { luhnCheckDigit, makeMeterPan } from '../src/codec/pan';
import { hexToBytes } from '../src/codec/hex';
import { deriveDecoderKey } from '../src/keys';
import type { DecoderKey } from '../src/keys';
import { decodeKeyChange } from '../src/tokens';
import { FleetEngine, keyChangeBatch, packFleetChunk, unpackFleetResult } from '../src/hsm/fleet';
import type { FleetKeyParams } from '../src/hsm/fleet';
import type { FleetItem, FleetOutcome } from '../src/hsm/types';

// Fleet key change engine (issue #4 §7): keyChangeBatch against the published key-change vectors,
// every set decoded back with the token layer, per-item refusals, and the fast path equal to the
// reference path (deriveDecoderKey ×2 + generateKeyChange) for random meters.

const VK04_A = 'abababababababab949494949494949401234567';
const VK04_B = '0123456789abcdef0123456789abcdef01234567';
const VK02_A = 'abababababababab';
const VK02_B = '0123456789abcdef';
const KEYS = new Map<string, Uint8Array>([
  ['ea11-a', hexToBytes(VK04_A)], ['ea11-b', hexToBytes(VK04_B)],
  ['ea07-a', hexToBytes(VK02_A)], ['ea07-b', hexToBytes(VK02_B)],
]);
const HEX: Record<string, string> = { 'ea11-a': VK04_A, 'ea11-b': VK04_B, 'ea07-a': VK02_A, 'ea07-b': VK02_B };

/** The n-th synthetic meter: IIN 600727, DRN "04" ‖ 8-digit serial ‖ Luhn. */
function pan(n: number, iin = '600727'): string {
  const body = (iin === '0000' ? '0004' : '04') + String(n).padStart(8, '0');
  return makeMeterPan(iin, body + luhnCheckDigit(body));
}

const EA11: FleetKeyParams = {
  dkga: '04', vendingKeyId: 'ea11-a', supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1,
  keyType: 2, keyExpiryNumber: 255, baseDate: 2014, encryptionAlgorithm: '11',
};
const EA07: FleetKeyParams = {
  dkga: '02', vendingKeyId: 'ea07-a', supplyGroupCode: '123456', tariffIndex: '01', keyRevisionNumber: 1,
  keyType: 2, keyExpiryNumber: 255, baseDate: 1993, encryptionAlgorithm: '07',
};

function item(p: string, current: FleetKeyParams, next: FleetKeyParams, flags: { rollover?: boolean; threeTokenSet?: boolean } = {}): FleetItem {
  return { pan: p, current, next, rollover: flags.rollover ?? false, threeTokenSet: flags.threeTokenSet ?? false };
}

function keyOf(k: FleetKeyParams, p: string): DecoderKey {
  return deriveDecoderKey(HEX[k.vendingKeyId]!, { ...k, pan: p });
}

function ok(o: FleetOutcome): string[] {
  if (!o.ok) throw new Error(`expected tokens for ${o.pan}, got ${o.errorCode}: ${o.message}`);
  return o.tokens;
}

/** Decode a meter's set with its current key; the new key must be the derived one, with its attributes. */
function expectDecodesTo(o: FleetOutcome, it: FleetItem, tokenCount: number) {
  const tokens = ok(o);
  expect(tokens).toHaveLength(tokenCount);
  for (const t of tokens) expect(t).toMatch(/^\d{20}$/);
  const current = keyOf(it.current, it.pan);
  const want = keyOf(it.next, it.pan);
  // Entered in reverse order: the set is order-independent.
  const { change, newKey } = decodeKeyChange([...tokens].reverse(), current);
  expect(change.tokenCount).toBe(tokenCount);
  expect(change.rollover).toBe(it.rollover);
  expect(newKey.exportHex()).toBe(want.exportHex());
  expect(newKey.keyRevisionNumber).toBe(it.next.keyRevisionNumber);
  expect(newKey.keyType).toBe(it.next.keyType);
  expect(newKey.tariffIndex).toBe(it.next.tariffIndex);
  expect(newKey.keyExpiryNumber).toBe(it.next.keyExpiryNumber);
  expect(newKey.baseDate).toBe(it.next.baseDate);
  expect(newKey.encryptionAlgorithm).toBe(it.next.encryptionAlgorithm);
  if (tokenCount > 2) expect(change.supplyGroupCode).toBe(it.next.supplyGroupCode);
  else expect(change.supplyGroupCode).toBeUndefined();
}

describe('published and own key-change vectors through the fleet engine', () => {
  const dir = join(__dirname, '..', 'vectors');
  interface KeyObj { dkga: '02' | '04'; vendingKey: string; keyType: 0 | 1 | 2 | 3; supplyGroupCode: string; tariffIndex: string; keyRevisionNumber: number; pan: string; baseDate: 1993 | 2014 | 2035; encryptionAlgorithm: '07' | '09' | '11'; keyExpiryNumber: number }
  const cases: { id: string; key: KeyObj; newKey: KeyObj; keyExpiryNumber: number; rollover: boolean; threeTokenSet: boolean; tables?: string; expected: string[] }[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const doc = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { cases: Record<string, unknown>[] };
    for (const c of doc.cases) {
      const k = c as unknown as (typeof cases)[number] & { kind: string };
      if (k.kind === 'keyChange' && k.key?.vendingKey && k.newKey?.vendingKey && (k.tables === undefined || k.tables === 'sample')) cases.push(k);
    }
  }
  it('finds the C11, N04 and own key-change cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
    expect(cases.map((c) => c.id)).toEqual(expect.arrayContaining(['C11-CTSA05-1', 'C11-CTSA05-2', 'N04-CTSA05-1', 'own-kct-2', 'own-kct-3', 'own-kct-migrate']));
  });
  it.each([false, true])('every case gives the published tokens (reference path: %s), all in one batch', (reference) => {
    const keys = new Map<string, Uint8Array>();
    const params = (k: KeyObj): FleetKeyParams => {
      keys.set(k.vendingKey, hexToBytes(k.vendingKey));
      return {
        dkga: k.dkga, vendingKeyId: k.vendingKey, supplyGroupCode: k.supplyGroupCode, tariffIndex: k.tariffIndex,
        keyRevisionNumber: k.keyRevisionNumber, keyType: k.keyType, keyExpiryNumber: k.keyExpiryNumber, baseDate: k.baseDate,
        encryptionAlgorithm: k.encryptionAlgorithm,
      };
    };
    const items = cases.map((c) => item(c.key.pan, params(c.key), { ...params(c.newKey), keyExpiryNumber: c.keyExpiryNumber }, c));
    const engine = new FleetEngine(keys, { reference });
    const out = engine.run(items);
    expect(out.map((o) => ({ pan: o.pan, tokens: ok(o) }))).toEqual(cases.map((c) => ({ pan: c.key.pan, tokens: c.expected })));
    const stats = engine.stats();
    expect(stats.fast).toBe(reference ? 0 : stats.profiles);
  });
});

describe('every set decodes to the new key (token layer)', () => {
  const pans = [pan(1), pan(2), pan(99_999_999), pan(12345, '0000'), pan(777)];

  it('4-token EA11 / DKGA04 sets (KRN 1 → 2, new vending key, TI and KEN change)', () => {
    const next = { ...EA11, vendingKeyId: 'ea11-b', keyRevisionNumber: 2, tariffIndex: '07', keyExpiryNumber: 200 };
    const items = pans.map((p) => item(p, EA11, next));
    keyChangeBatch(items, KEYS).forEach((o, i) => expectDecodesTo(o, items[i]!, 4));
  });
  it('2-token EA07 / DKGA02 sets (sample STA tables)', () => {
    const next = { ...EA07, vendingKeyId: 'ea07-b', keyRevisionNumber: 2, keyType: 2 as const };
    const items = pans.map((p) => item(p, EA07, next));
    keyChangeBatch(items, KEYS).forEach((o, i) => expectDecodesTo(o, items[i]!, 2));
  });
  it('3-token sets (3KCT) carry the new SGC', () => {
    const next = { ...EA07, vendingKeyId: 'ea07-b', keyRevisionNumber: 3, supplyGroupCode: '654321', tariffIndex: '12' };
    const items = pans.map((p) => item(p, EA07, next, { threeTokenSet: true }));
    keyChangeBatch(items, KEYS).forEach((o, i) => expectDecodesTo(o, items[i]!, 3));
  });
  it('rollover 1993 → 2014 with RO = 1 (EA11, and EA07 → EA11 migration)', () => {
    const cur = { ...EA11, baseDate: 1993 as const, supplyGroupCode: '123457' };
    const next = { ...EA11, vendingKeyId: 'ea11-b', keyRevisionNumber: 2 };
    const items = [
      ...pans.map((p) => item(p, cur, next, { rollover: true })),
      ...pans.map((p) => item(p, EA07, next, { rollover: true })),
    ];
    keyChangeBatch(items, KEYS).forEach((o, i) => expectDecodesTo(o, items[i]!, 4));
  });
  it('rollover 2014 → 2035 with RO = 1', () => {
    const next = { ...EA11, vendingKeyId: 'ea11-b', keyRevisionNumber: 6, supplyGroupCode: '203557', baseDate: 2035 as const };
    const items = pans.map((p) => item(p, EA11, next, { rollover: true }));
    keyChangeBatch(items, KEYS).forEach((o, i) => expectDecodesTo(o, items[i]!, 4));
  });
});

describe('per-meter refusals never stop the batch', () => {
  it('unknown vending keys, bad parameters, bad PANs and bad RO flags are refused in place', () => {
    const good = (n: number) => item(pan(n), EA11, { ...EA11, keyRevisionNumber: 2 });
    const items: FleetItem[] = [
      good(1),
      item(pan(2), { ...EA11, vendingKeyId: 'nope' }, { ...EA11, keyRevisionNumber: 2 }),
      item(pan(3), EA11, { ...EA11, vendingKeyId: 'missing-new', keyRevisionNumber: 2 }),
      good(4),
      item(pan(5), EA11, { ...EA11, keyRevisionNumber: 10 }),
      item(pan(6), EA11, { ...EA11, keyExpiryNumber: 300 }),
      item(pan(7), EA11, { ...EA11, supplyGroupCode: '12345' }),
      item(pan(8).slice(0, 17) + ((Number(pan(8)[17]) + 1) % 10), EA11, { ...EA11, keyRevisionNumber: 2 }),
      item('60072700000000000', EA11, { ...EA11, keyRevisionNumber: 2 }),
      item(pan(10), EA11, { ...EA11, baseDate: 2035, keyRevisionNumber: 2 }),
      item(pan(11), EA11, { ...EA11, keyRevisionNumber: 2 }, { rollover: true }),
      item(pan(12), { ...EA11, baseDate: 1993 }, { ...EA11, baseDate: 2035 }, { rollover: true }),
      item(pan(13), EA11, { ...EA11, keyRevisionNumber: 2 }, { threeTokenSet: true }),
      item(pan(14), { ...EA11, dkga: '02' }, { ...EA11, keyRevisionNumber: 2 }),
      item(pan(15), EA11, { ...EA11, dkga: '04', vendingKeyId: 'ea07-a' }),
      good(16),
      item(pan(17), EA07, { ...EA07, encryptionAlgorithm: '09', keyRevisionNumber: 2 }),
    ];
    const out = keyChangeBatch(items, KEYS);
    expect(out.map((o) => o.pan)).toEqual(items.map((i) => i.pan));
    const codes = out.map((o) => (o.ok ? 'ok' : o.errorCode));
    expect(codes).toEqual([
      'ok', 'NOT_FOUND', 'NOT_FOUND', 'ok', 'KEY', 'KEY', 'KEY', 'CHECK_DIGIT', 'FORMAT',
      'KEY_CHANGE', 'KEY_CHANGE', 'KEY_CHANGE', 'KEY_CHANGE', 'KEY', 'KEY', 'ok', 'KEY_CHANGE',
    ]);
    const msg = (i: number) => (out[i]!.ok ? '' : (out[i] as { message: string }).message);
    expect(msg(1)).toMatch(/^current key: vending key "nope" is not loaded/);
    expect(msg(2)).toMatch(/^new key: vending key "missing-new" is not loaded/);
    expect(msg(4)).toMatch(/^new key: keyRevisionNumber \(KRN\) must be an integer from 1 to 9; got 10/);
    expect(msg(10)).toMatch(/RO = 1\) moves the meter from base date 2014 to 2035, but the new key is for base date 2014/);
    expect(msg(11)).toMatch(/from base date 1993 to 2014, but the new key is for base date 2035/);
    expect(msg(14)).toMatch(/^new key: DKGA04 needs a 160-bit vending key/);
    expect(msg(16)).toMatch(/a meter on EA07 given a 64-bit key stays on EA07, but the new key is for EA09/);
    for (const i of [0, 3, 15]) expectDecodesTo(out[i]!, items[i]!, 4);
  });

  it('a vending key of the wrong length is refused (KEY), not thrown', () => {
    const keys = new Map([['short', new Uint8Array(10)]]);
    const [o] = keyChangeBatch([item(pan(1), { ...EA11, vendingKeyId: 'short' }, EA11)], keys);
    expect(o).toMatchObject({ ok: false, errorCode: 'KEY' });
  });

  it('malformed items (from untyped callers) become FORMAT refusals', () => {
    const bad = [null, 42, { pan: pan(1) }, { pan: pan(1), current: EA11, next: EA11 }, { pan: 7, current: EA11, next: EA11, rollover: false, threeTokenSet: false }] as unknown as FleetItem[];
    const out = keyChangeBatch([...bad, item(pan(2), EA11, { ...EA11, keyRevisionNumber: 2 })], KEYS);
    expect(out.map((o) => (o.ok ? 'ok' : o.errorCode))).toEqual(['FORMAT', 'FORMAT', 'FORMAT', 'FORMAT', 'FORMAT', 'ok']);
    expect((out[2] as { message: string }).message).toMatch(/^fleet item 3: current/);
  });

  it('outcomes and messages never carry key material', () => {
    const items = [item(pan(1), EA11, { ...EA11, vendingKeyId: 'ea11-b', keyRevisionNumber: 2 }), item(pan(2), EA11, { ...EA11, keyRevisionNumber: 42 })];
    const text = JSON.stringify(keyChangeBatch(items, KEYS)).toLowerCase();
    const secrets = [VK04_A, VK04_B, keyOf(EA11, pan(1)).exportHex(), keyOf({ ...EA11, vendingKeyId: 'ea11-b', keyRevisionNumber: 2 }, pan(1)).exportHex()];
    for (const s of secrets) {
      expect(text).not.toContain(s);
      expect(text).not.toContain(s.slice(0, 12));
    }
  });
});

describe('fast path = reference path', () => {
  const profiles: { name: string; current: FleetKeyParams; next: FleetKeyParams; rollover?: boolean; threeTokenSet?: boolean }[] = [
    { name: 'EA11 DKGA04 KRN 1 → 2', current: EA11, next: { ...EA11, vendingKeyId: 'ea11-b', keyRevisionNumber: 2 } },
    { name: 'EA11 KT 1 → KT 3 (DCTK: DRN zeroed in the message)', current: { ...EA11, keyType: 1 }, next: { ...EA11, keyType: 3, keyRevisionNumber: 2 } },
    { name: 'EA07 DKGA02 2 tokens', current: EA07, next: { ...EA07, vendingKeyId: 'ea07-b', keyRevisionNumber: 2 } },
    { name: 'EA07 DKGA02 3KCT, KT 3', current: { ...EA07, keyType: 3 }, next: { ...EA07, keyType: 2, supplyGroupCode: '000001' }, threeTokenSet: true },
    { name: 'EA09 DKGA02', current: { ...EA07, encryptionAlgorithm: '09' }, next: { ...EA07, encryptionAlgorithm: '09', keyRevisionNumber: 9 } },
    { name: 'EA07 1993 → EA11 2014 (RO)', current: EA07, next: { ...EA11, vendingKeyId: 'ea11-b' }, rollover: true },
    { name: 'EA11 2014 → 2035 (RO), KEN 0', current: EA11, next: { ...EA11, baseDate: 2035, keyExpiryNumber: 0 }, rollover: true },
  ];
  const serials = fc.array(fc.integer({ min: 0, max: 99_999_999 }), { minLength: 1, maxLength: 40 });

  it.each(profiles)('$name: same tokens for random meters, and the fast path is used', (p) => {
    fc.assert(fc.property(serials, fc.boolean(), (ns, shortIin) => {
      const items = ns.map((n) => item(pan(n, shortIin ? '0000' : '600727'), p.current, p.next, p));
      const fast = new FleetEngine(KEYS);
      const a = fast.run(items);
      const b = new FleetEngine(KEYS, { reference: true }).run(items);
      expect(a).toEqual(b);
      expect(a.every((o) => o.ok)).toBe(true);
      expect(fast.stats()).toEqual({ profiles: 1, fast: 1 });
    }), { numRuns: 15 });
  });

  it('the packed form (worker threads) gives the same outcomes as run()', () => {
    const items = profiles.flatMap((p, k) => [1, 2, 3].map((n) => item(pan(k * 10 + n), p.current, p.next, p)));
    items.splice(4, 0, item(pan(900), { ...EA11, vendingKeyId: 'nope' }, EA11), item('123', EA11, EA11));
    const want = keyChangeBatch(items, KEYS);
    const got: FleetOutcome[] = new Array(items.length);
    const engine = new FleetEngine(KEYS);
    for (let from = 0; from < items.length; from += 5) {
      const chunk = structuredClone(packFleetChunk(items, from, Math.min(items.length, from + 5)));
      unpackFleetResult(structuredClone(engine.runPacked(chunk)), items, from, got);
    }
    expect(got).toEqual(want);
  });

  it('items with equal parameters in new objects share one compiled profile', () => {
    const engine = new FleetEngine(KEYS);
    engine.run([1, 2, 3].map((n) => item(pan(n), { ...EA11 }, { ...EA11, keyRevisionNumber: 2 })));
    engine.run([item(pan(4), { ...EA11 }, { ...EA11, keyRevisionNumber: 2 }), item(pan(5), { ...EA11 }, { ...EA11, keyRevisionNumber: 3 })]);
    expect(engine.stats()).toEqual({ profiles: 2, fast: 2 });
  });
});
