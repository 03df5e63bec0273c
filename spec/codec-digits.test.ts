import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  parseToken,
  formatToken,
  groupToken,
  tokenToBigInt,
  tokenFromBigInt,
  hexToBytes,
  bytesToHex,
} from '../src/codec/index';
import { halvesToHex, hexToHalves } from '../src/codec/hex';
import { errorCode } from './support';

const MAX = (1n << 66n) - 1n;

/** Reference (BigInt) for §1.3 + §1.4: class + 64-bit block → 20-digit token. */
function refFormat(cls: number, hi: number, lo: number): string {
  const e = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  let t = e & ~(3n << 27n); // clear bits 28, 27
  t |= BigInt(cls) << 27n; // class MSB → bit 28, LSB → bit 27
  t |= ((e >> 27n) & 3n) << 64n; // E bits 28, 27 → T66 bits 65, 64
  return t.toString().padStart(20, '0');
}

/** Reference inverse: 66-bit value → [class, hi, lo]. */
function refParse(v: bigint): [number, number, number] {
  const cls = Number((v >> 27n) & 3n);
  let e = v & ((1n << 64n) - 1n);
  e = (e & ~(3n << 27n)) | ((v >> 64n) << 27n);
  return [cls, Number(e >> 32n), Number(e & 0xffffffffn)];
}

function parsed(token: string): [number, string] {
  const out = new Uint32Array(2);
  const cls = parseToken(token, out);
  return [cls, halvesToHex(out[0], out[1])];
}

const word = fc.integer({ min: 0, max: 0xffffffff });
const cls = fc.integer({ min: 0, max: 3 });

describe('token digits: worked examples (sts-reference §1.3, §1.4, §2.4)', () => {
  it('§1.3: N02 CTSA01 step 1, E = 492083C0AE7CE455 class 0 → 23716100501183194197', () => {
    expect(formatToken(0, 0x492083c0, 0xae7ce455)).toBe('23716100501183194197');
    expect(parsed('23716100501183194197')).toEqual([0, '492083c0ae7ce455']);
    expect(tokenToBigInt('23716100501183194197')).toBe(0x1492083c0a67ce455n); // T66 = 1 492083C0 A67CE455
  });

  it('§2.4: class 1 block 0000000001000A50 → 00000000000150997584', () => {
    expect(formatToken(1, 0, 0x01000a50)).toBe('00000000000150997584');
    expect(parsed('00000000000150997584')).toEqual([1, '0000000001000a50']);
  });

  it('§1.4: class 1 test tokens above 2^64 (control bits 3 and 4) round-trip', () => {
    for (const t of ['18446744073843772416', '36893488147553322496']) {
      const [c, hex] = parsed(t);
      expect(c).toBe(1);
      const out = new Uint32Array(2);
      hexToHalves(hex, out);
      expect(formatToken(c, out[0], out[1])).toBe(t);
    }
    // control bit 3 (block bit 27), bit 4 (block bit 28): the transposed bits land in 64 and 65
    expect(parsed('18446744073843772416')).toEqual([1, '0000000008000c00']);
    expect(parsed('36893488147553322496')).toEqual([1, '0000000010000600']);
  });

  it('§9.2 worked examples: N04 CTSA01 and C11 CTSA01-1', () => {
    expect(formatToken(0, 0x8ed758c1, 0x57db6b60)).toBe('47186281207955155808');
    expect(formatToken(0, 0x2d98a561, 0x7b45be2e)).toBe('58625789986991357486');
  });

  it('range: 2^66 − 1 is the largest token; above it FORMAT', () => {
    expect(parsed('73786976294838206463')).toEqual([3, 'ffffffffffffffff']);
    expect(formatToken(3, 0xffffffff, 0xffffffff)).toBe('73786976294838206463');
    expect(parsed('00000000000000000000')).toEqual([0, '0000000000000000']);
    for (const t of ['73786976294838206464', '99999999999999999999', '7378 6976 2948 3820 6464']) {
      expect(errorCode(() => parseToken(t, new Uint32Array(2)))).toBe('FORMAT');
      expect(errorCode(() => tokenToBigInt(t))).toBe('FORMAT');
      expect(errorCode(() => groupToken(t))).toBe('FORMAT');
    }
    expect(() => parseToken('73786976294838206464', new Uint32Array(2))).toThrow(/2\^66 − 1/);
  });

  it('separators: spaces and dashes only; messages say what is allowed', () => {
    expect(parsed('2371 6100 5011 8319 4197')).toEqual([0, '492083c0ae7ce455']);
    expect(parsed('2371-6100-5011-8319-4197')).toEqual([0, '492083c0ae7ce455']);
    expect(parsed(' 23716100501183194197 ')).toEqual([0, '492083c0ae7ce455']);
    expect(() => parseToken('2371610050118319419', new Uint32Array(2))).toThrow(
      'token must be exactly 20 digits after removing spaces and dashes; got 19',
    );
    expect(() => parseToken('2371 6100 5011 8319 41970', new Uint32Array(2))).toThrow(/got 21/);
    expect(() => parseToken('2371\t6100501183194197', new Uint32Array(2))).toThrow(/U\+0009 at position 5/);
    expect(() => parseToken('2371x6100501183194197', new Uint32Array(2))).toThrow(/'x' at position 5/);
    expect(() => parseToken('２３７１6100501183194197', new Uint32Array(2))).toThrow(/only digits, spaces and dashes/);
    expect(errorCode(() => parseToken('', new Uint32Array(2)))).toBe('FORMAT');
  });

  it('out must be a Uint32Array of length ≥ 2', () => {
    expect(errorCode(() => parseToken('23716100501183194197', new Uint32Array(1)))).toBe('FORMAT');
    expect(errorCode(() => parseToken('23716100501183194197', [] as unknown as Uint32Array))).toBe('FORMAT');
    expect(errorCode(() => parseToken('23716100501183194197', undefined as unknown as Uint32Array))).toBe('FORMAT');
  });

  it('formatToken: RANGE for a bad class or halves; signed int32 halves are accepted', () => {
    for (const c of [-1, 4, 1.5, NaN, '0']) expect(errorCode(() => formatToken(c as number, 0, 0))).toBe('RANGE');
    for (const w of [-0x80000001, 0x100000000, 0.5, NaN, Infinity, '1']) {
      expect(errorCode(() => formatToken(0, w as number, 0))).toBe('RANGE');
      expect(errorCode(() => formatToken(0, 0, w as number))).toBe('RANGE');
    }
    expect(formatToken(3, -1, -1)).toBe('73786976294838206463');
    expect(formatToken(0, 0x492083c0 | 0, 0xae7ce455 | 0)).toBe('23716100501183194197');
  });

  it('groupToken', () => {
    expect(groupToken('70630503470028726114')).toBe('7063 0503 4700 2872 6114');
    expect(groupToken('7063-0503-4700-2872-6114')).toBe('7063 0503 4700 2872 6114');
    expect(groupToken('7063 0503 4700 2872 6114')).toBe('7063 0503 4700 2872 6114');
    expect(errorCode(() => groupToken('7063 0503 4700 2872 611'))).toBe('FORMAT');
  });

  it('tokenFromBigInt / tokenToBigInt', () => {
    expect(tokenFromBigInt(0n)).toBe('00000000000000000000');
    expect(tokenFromBigInt(150997584n)).toBe('00000000000150997584');
    expect(tokenFromBigInt(MAX)).toBe('73786976294838206463');
    expect(errorCode(() => tokenFromBigInt(MAX + 1n))).toBe('RANGE');
    expect(errorCode(() => tokenFromBigInt(-1n))).toBe('RANGE');
    expect(errorCode(() => tokenFromBigInt(5 as unknown as bigint))).toBe('FORMAT');
    expect(tokenToBigInt('0000 0000 0001 5099 7584')).toBe(150997584n);
  });
});

describe('token digits: properties', () => {
  it('formatToken matches the BigInt reference, and parseToken inverts it', () => {
    const out = new Uint32Array(2);
    fc.assert(
      fc.property(cls, word, word, (c, hi, lo) => {
        const t = formatToken(c, hi, lo);
        expect(t).toBe(refFormat(c, hi, lo));
        expect(parseToken(t, out)).toBe(c);
        expect([out[0], out[1]]).toEqual([hi, lo]);
        expect(tokenToBigInt(t)).toBe(BigInt(t));
        expect(tokenFromBigInt(tokenToBigInt(t))).toBe(t);
      }),
      { numRuns: 5000 },
    );
  });

  it('every 20-digit string: parse agrees with the reference, or FORMAT above 2^66 − 1', () => {
    const out = new Uint32Array(2);
    const digits20 = fc.oneof(
      fc.stringMatching(/^[0-9]{20}$/),
      fc.stringMatching(/^7378697629483820[0-9]{4}$/), // around the maximum
      fc.bigInt({ min: 0n, max: MAX }).map((v) => v.toString().padStart(20, '0')),
    );
    fc.assert(
      fc.property(digits20, (t) => {
        const v = BigInt(t);
        if (v > MAX) {
          expect(errorCode(() => parseToken(t, out))).toBe('FORMAT');
          return;
        }
        const [c, hi, lo] = refParse(v);
        expect(parseToken(t, out)).toBe(c);
        expect([out[0], out[1]]).toEqual([hi, lo]);
        expect(formatToken(c, hi, lo)).toBe(t);
      }),
      { numRuns: 5000 },
    );
  });

  it('grouped forms parse like the plain form', () => {
    const a = new Uint32Array(2);
    const b = new Uint32Array(2);
    fc.assert(
      fc.property(cls, word, word, fc.constantFrom(' ', '-', '  ', ' - '), (c, hi, lo, sep) => {
        const t = formatToken(c, hi, lo);
        const grouped = groupToken(t);
        expect(grouped.replace(/ /g, '')).toBe(t);
        expect(parseToken(grouped.replace(/ /g, sep), a)).toBe(parseToken(t, b));
        expect([a[0], a[1]]).toEqual([b[0], b[1]]);
      }),
      { numRuns: 1000 },
    );
  });

  it('arbitrary input never throws anything but HydroSyncError', () => {
    const out = new Uint32Array(2);
    const tokenish = fc.oneof(
      fc.string(),
      fc.string({ unit: fc.constantFrom('0', '1', '7', '9', ' ', '-', 'a', '\t', '١') }),
      fc.stringMatching(/^[0-9 -]{18,26}$/),
      fc.anything(),
    );
    fc.assert(
      fc.property(tokenish, (t) => {
        for (const f of [
          () => parseToken(t as string, out),
          () => groupToken(t as string),
          () => tokenToBigInt(t as string),
          () => tokenFromBigInt(t as bigint),
          () => hexToBytes(t as string),
          () => hexToHalves(t as string, out),
        ]) {
          errorCode(f); // rethrows anything that is not a HydroSyncError
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('hex', () => {
  it('hexToBytes / bytesToHex', () => {
    expect(bytesToHex(hexToBytes('00004A2D900FF2'))).toBe('00004a2d900ff2');
    expect(bytesToHex(hexToBytes('0x0aFF'))).toBe('0aff');
    expect(hexToBytes('')).toEqual(new Uint8Array(0));
    expect(hexToBytes('0123456789abcdef', 8)).toEqual(new Uint8Array([1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]));
    expect(() => hexToBytes('0123', 8)).toThrow('hex must be exactly 16 hex digits (8 bytes); got 4');
    expect(errorCode(() => hexToBytes('abc'))).toBe('FORMAT');
    expect(errorCode(() => hexToBytes('zz'))).toBe('FORMAT');
    expect(errorCode(() => hexToBytes(12 as unknown as string))).toBe('FORMAT');
    expect(errorCode(() => bytesToHex('00' as unknown as Uint8Array))).toBe('FORMAT');
  });

  it('hexToHalves / halvesToHex', () => {
    const out = new Uint32Array(2);
    hexToHalves('492083C0AE7CE455', out);
    expect([out[0], out[1]]).toEqual([0x492083c0, 0xae7ce455]);
    expect(halvesToHex(out[0], out[1])).toBe('492083c0ae7ce455');
    expect(halvesToHex(-1, 1)).toBe('ffffffff00000001');
    expect(errorCode(() => hexToHalves('492083C0AE7CE4', out))).toBe('FORMAT');
    expect(errorCode(() => halvesToHex(2 ** 32, 0))).toBe('RANGE');
    fc.assert(
      fc.property(word, word, (hi, lo) => {
        hexToHalves(halvesToHex(hi, lo), out);
        expect([out[0], out[1]]).toEqual([hi, lo]);
      }),
    );
  });
});
