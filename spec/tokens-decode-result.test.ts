import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DecoderKey, deriveDecoderKey } from '../src/keys';
import { DecodedToken, decodeToken, decodeTokenInto, generateToken, tryDecodeToken } from '../src/tokens';
import type { DecodeOptions, Token, TokenInput } from '../src/tokens';
import { HydroSyncError } from '../src/errors';
import { formatToken } from '../src/codec/token-digits';
import { tokenCrc } from '../src/codec/crc16';

// The three decode APIs (issue #14): decodeToken throws, tryDecodeToken returns a result union,
// decodeTokenInto fills a reused DecodedToken. Known answers first, then agreement on any input.

const VK04 = 'abababababababab949494949494949401234567';
const C11 = deriveDecoderKey(VK04, {
  keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1,
  pan: '600727000000000009', baseDate: 2014, encryptionAlgorithm: '11',
});
/** Same parameters, another meter: every C11 token fails its CRC under this key. */
const OTHER = deriveDecoderKey(VK04, {
  keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1,
  pan: '000001000000000082', baseDate: 2014, encryptionAlgorithm: '11',
});
/** C11 CTSA01-1 (published): class 0 sub 0, RND 5, TID 85740, amount 1. */
const CTSA01 = '58625789986991357486';
/** CTSA01 with its 8th digit changed 9 → 0: the CRC fails. */
const MISTYPED = '58625780986991357486';

describe('tryDecodeToken: known answers', () => {
  it('a published token decodes to its published fields', () => {
    expect(tryDecodeToken('5862 5789 9869 9135 7486', C11)).toEqual({
      ok: true, token: { kind: 'transferCredit', class: 0, subclass: 0, fields: { rnd: 5, tid: 85740, amount: 1 } },
    });
  });
  it('a mistyped digit is CRC, a wrong key is CRC, no key is KEY, a letter is FORMAT, class 3 is FUNCTION', () => {
    const codes = [
      tryDecodeToken(MISTYPED, C11), tryDecodeToken(CTSA01, OTHER), tryDecodeToken(CTSA01, null),
      tryDecodeToken('5862578998699135748x', C11), tryDecodeToken('00000000000402653184', C11),
    ].map((r) => (r.ok ? 'OK' : r.code));
    expect(codes).toEqual(['CRC', 'CRC', 'KEY', 'FORMAT', 'FUNCTION']);
  });
  it('a failure carries a message a person can act on, also in JSON', () => {
    const r = tryDecodeToken('5862x789986991357486', C11);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toBe('token may contain only digits, spaces and dashes; found \'x\' at position 5 of "5862x789986991357486"');
    expect(JSON.parse(JSON.stringify(r))).toEqual({ ok: false, code: 'FORMAT', message: r.message });
  });
  it('a failure is not an Error (no stack is captured)', () => {
    const r = tryDecodeToken(MISTYPED, C11);
    expect(r).not.toBeInstanceOf(Error);
    expect('stack' in r).toBe(false);
  });
});

describe('decodeTokenInto: known answers', () => {
  it('fills class, subclass, kind, block halves and fields', () => {
    const out = new DecodedToken();
    expect(decodeTokenInto(CTSA01, C11, out)).toBe('OK');
    // C11 CTSA01-1 plaintext block: 05014EEC00013188 (sts-reference worked example C07).
    expect([out.code, out.class, out.subclass, out.kind, [...out.block]]).toEqual(['OK', 0, 0, 'transferCredit', [0x05014eec, 0x00013188]]);
    expect(out.fieldNames).toEqual(['rnd', 'tid', 'amount']);
    expect([out.field('rnd'), out.field('tid'), out.field('amount'), out.field('register')]).toEqual([5, 85740, 1, undefined]);
    expect(out.message).toBeUndefined();
    expect(out.toToken()).toEqual({ kind: 'transferCredit', class: 0, subclass: 0, fields: { rnd: 5, tid: 85740, amount: 1 } });
  });
  it('a currency token: the split 20-bit amount', () => {
    const out = new DecodedToken();
    expect(decodeTokenInto('72503171501464925869', C11, out)).toBe('OK');
    expect([out.kind, out.subclass, out.field('tid'), out.field('currencyAmount')]).toEqual(['transferCurrency', 4, 7171921, 24746]);
  });
  it('a failure gives the code and a message; the fields of the last good token stay', () => {
    const out = new DecodedToken();
    decodeTokenInto(CTSA01, C11, out);
    expect(decodeTokenInto(MISTYPED, C11, out)).toBe('CRC');
    expect(out.code).toBe('CRC');
    expect(out.message).toMatch(/^CRC check failed/);
    expect(out.field('tid')).toBe(85740);
    expect(decodeTokenInto(CTSA01, C11, out)).toBe('OK');
    expect(out.message).toBeUndefined();
  });
  it('refuses anything but a DecodedToken to write into (FORMAT, not a TypeError)', () => {
    for (const out of [undefined, null, {}, { code: 'OK' }]) {
      expect(() => decodeTokenInto(CTSA01, C11, out as never)).toThrow(HydroSyncError);
    }
  });
  it('a new DecodedToken has decoded nothing', () => {
    expect(new DecodedToken().code).toBe('FORMAT');
  });
});

// ---------------------------------------------------------------------------------------------
// Agreement on every input: random tokens of every kind, under the right key, another key, no key
// or something that is not a key; mistyped digits; random digit strings; anything at all.

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
/** Random keys, three per algorithm, drawn once (a fixed seed, so a failure reproduces): building keys per run is the slow part. */
const KEYS = [
  ...fc.sample(hex(16).map((h) => DecoderKey.fromHex(h, { encryptionAlgorithm: '11' })), { numRuns: 3, seed: 14 }),
  ...fc.sample(hex(8).map((h) => DecoderKey.fromHex(h, { encryptionAlgorithm: '07' })), { numRuns: 3, seed: 14 }),
  ...fc.sample(hex(8).map((h) => DecoderKey.fromHex(h, { encryptionAlgorithm: '09' })), { numRuns: 3, seed: 14 }),
];
const anyKey = fc.constantFrom(...KEYS);
const uint = (bits: number) => fc.integer({ min: 0, max: 2 ** bits - 1 });

/** A block with a valid CRC of any class and subclass (reserved ones too), encrypted when class 0/2. */
const anyValidBlock = (key: DecoderKey) => fc.tuple(fc.constantFrom(0, 1, 2), uint(32), uint(16)).map(([cls, hi, top]) => {
  const b = new Uint32Array([hi, top << 16]);
  const sub = hi >>> 28;
  b[1] = (top << 16) | tokenCrc(cls, b[0]!, b[1]!, cls === 0 && sub >= 4 && sub <= 7);
  if (cls !== 1) key.cipher.encrypt(b);
  return formatToken(cls, b[0]!, b[1]!);
});

const mistype = (token: string) => fc.tuple(fc.integer({ min: 0, max: 19 }), fc.integer({ min: 1, max: 9 }))
  .map(([pos, d]) => token.slice(0, pos) + String((Number(token[pos]) + d) % 10) + token.slice(pos + 1));

const someToken: fc.Arbitrary<TokenInput> = fc.oneof(
  fc.record({ kind: fc.constant('transferCredit' as const), subclass: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<0 | 1 | 2 | 3>, fields: fc.record({ rnd: uint(4), tid: uint(24), amount: uint(16) }) }),
  fc.record({ kind: fc.constant('transferCurrency' as const), subclass: fc.constantFrom(4, 5, 6, 7) as fc.Arbitrary<4 | 5 | 6 | 7>, fields: fc.record({ tid: uint(24), currencyAmount: uint(20) }) }),
  fc.record({ kind: fc.constant('meterTest' as const), subclass: fc.constant(1 as const), fields: fc.record({ control: uint(28), manufacturerCode: uint(16) }) }),
  fc.record({ kind: fc.constant('setSupplyGroupCode' as const), subclass: fc.constant(8 as const), fields: fc.record({ supplyGroupCode: uint(24) }) }),
  fc.record({ kind: fc.constant('set3rdSectionDecoderKey' as const), subclass: fc.constant(8 as const), fields: fc.record({ supplyGroupCodeLow: uint(12), newKeyMiddle2: uint(32) }) }),
  fc.record({ kind: fc.constant('set1stSectionDecoderKey' as const), subclass: fc.constant(3 as const), fields: fc.record({ keyExpiryNumberHigh: uint(4), keyRevisionNumber: uint(4), rollover: uint(1), threeTokenSet: uint(1), keyType: uint(2), newKeyHigh: uint(32) }) }),
) as fc.Arbitrary<TokenInput>;


type Case = { text: unknown; key: unknown; options: DecodeOptions | undefined };
// Built once: building an arbitrary (a regex, anything()) costs more than drawing from it.
const digits20 = fc.stringMatching(/^[0-9]{20}$/);
const nearlyDigits = fc.array(fc.constantFrom('0', '7', '9', ' ', '-', 'x'), { minLength: 18, maxLength: 26 }).map((a) => a.join(''));
const anything = fc.anything();
const notAKey = fc.constantFrom(null, undefined, { cipher: {} });
const anyOptions = fc.constantFrom(undefined, { subclass8: 'auto' as const }, { subclass8: '3-token' as const }, { subclass8: '4-token' as const });
const cases: fc.Arbitrary<Case> = fc.tuple(anyKey, anyKey).chain(([key, other]) => fc.record({
  text: fc.oneof(
    { weight: 4, arbitrary: anyValidBlock(key) },
    { weight: 2, arbitrary: someToken.map((t) => generateToken(t, key, { allowExpiredKey: true, allowReservedTid: true })) },
    { weight: 3, arbitrary: anyValidBlock(key).chain(mistype) },
    { weight: 2, arbitrary: digits20 },
    { weight: 1, arbitrary: nearlyDigits },
    { weight: 1, arbitrary: anything },
  ),
  key: fc.oneof({ weight: 6, arbitrary: fc.constant(key) }, { weight: 2, arbitrary: fc.constant(other) }, { weight: 3, arbitrary: notAKey }),
  options: anyOptions,
}));

/** decodeToken's outcome: the token, or the HydroSyncError's code and message (anything else fails the test). */
function thrown(c: Case): { token: Token } | { code: string; message: string } {
  try {
    return { token: decodeToken(c.text as string, c.key as DecoderKey, c.options) };
  } catch (e) {
    if (!(e instanceof HydroSyncError)) throw e;
    return { code: e.code, message: e.message };
  }
}

describe('decodeToken, tryDecodeToken and decodeTokenInto agree on every input', () => {
  it('same token, or same code and message', () => {
    const out = new DecodedToken();
    const seen = new Set<string>();
    fc.assert(fc.property(cases, (c) => {
      const want = thrown(c);
      const r = tryDecodeToken(c.text as string, c.key as DecoderKey, c.options);
      const code = decodeTokenInto(c.text as string, c.key as DecoderKey, out, c.options);
      if ('token' in want) {
        seen.add('OK');
        expect(r).toEqual({ ok: true, token: want.token });
        expect(code).toBe('OK');
        expect(out.toToken()).toEqual(want.token);
        expect([out.class, out.subclass, out.kind]).toEqual([want.token.class, want.token.subclass, want.token.kind]);
        expect(out.fieldNames).toEqual(Object.keys(want.token.fields));
        for (const [name, value] of Object.entries(want.token.fields)) expect(out.field(name)).toBe(value);
      } else {
        seen.add(want.code);
        expect(r.ok).toBe(false);
        expect(r.ok ? undefined : { code: r.code, message: r.message }).toEqual(want);
        expect({ code, message: out.message }).toEqual(want);
      }
    }), { numRuns: 3000 });
    // The generator reaches every outcome, so the agreement is tested on each.
    expect([...seen].sort()).toEqual(['CRC', 'FORMAT', 'FUNCTION', 'KEY', 'OK']);
  });
});
