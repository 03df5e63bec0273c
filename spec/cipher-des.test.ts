import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDes } from '../src/cipher';
import { block, bytes, errorCode, hex64 } from './support';

// Vectors of ../shared/vectors/dev-des.json (FIPS 81 example, Stinson textbook example,
// NIST SP 800-20 KATs; verified with OpenSSL). Reference §10.2.
const VECTORS = [
  { id: 'des-fips81', key: '0123456789abcdef', plaintext: '4e6f772069732074', expected: '3fa40e8a984d4815' },
  { id: 'des-stinson', key: '133457799bbcdff1', plaintext: '0123456789abcdef', expected: '85e813540f0ab405' },
  { id: 'des-sp800-20-vpt-1', key: '0101010101010101', plaintext: '8000000000000000', expected: '95f8a5e5dd31d900' },
  { id: 'des-sp800-20-vpt-2', key: '0101010101010101', plaintext: '4000000000000000', expected: 'dd7f121ca5015619' },
  { id: 'des-sp800-20-vkt-1', key: '8001010101010101', plaintext: '0000000000000000', expected: '95a8d72813daa94d' },
];

const key8 = fc.uint8Array({ minLength: 8, maxLength: 8 });
const word = fc.nat({ max: 0xffffffff });

describe('DES (FIPS 46-3; EA09, DKGA02)', () => {
  for (const v of VECTORS) {
    it(`${v.id}: encrypts and decrypts`, () => {
      const des = createDes(bytes(v.key));
      const b = block(v.plaintext);
      des.encrypt(b);
      expect(hex64(b)).toBe(v.expected);
      des.decrypt(b);
      expect(hex64(b)).toBe(v.plaintext);
      const c = block(v.expected);
      des.decrypt(c);
      expect(hex64(c)).toBe(v.plaintext);
    });
  }

  it('has name DES', () => {
    expect(createDes(new Uint8Array(8)).name).toBe('DES');
  });

  it('decrypt(encrypt(x)) = x for random keys and blocks', () => {
    fc.assert(
      fc.property(key8, word, word, (key, hi, lo) => {
        const des = createDes(key);
        const b = new Uint32Array([hi, lo]);
        des.encrypt(b);
        des.decrypt(b);
        expect([b[0], b[1]]).toEqual([hi, lo]);
      }),
      { numRuns: 300 },
    );
  });

  it('ignores the parity bits of the key', () => {
    fc.assert(
      fc.property(key8, word, word, (key, hi, lo) => {
        const flipped = key.map((x) => x ^ 1);
        const a = new Uint32Array([hi, lo]);
        const b = new Uint32Array([hi, lo]);
        createDes(key).encrypt(a);
        createDes(flipped).encrypt(b);
        expect(hex64(b)).toBe(hex64(a));
      }),
      { numRuns: 100 },
    );
  });

  it('has the complementation property DES(¬k, ¬x) = ¬DES(k, x)', () => {
    fc.assert(
      fc.property(key8, word, word, (key, hi, lo) => {
        const a = new Uint32Array([hi, lo]);
        const b = new Uint32Array([~hi >>> 0, ~lo >>> 0]);
        createDes(key).encrypt(a);
        createDes(key.map((x) => ~x & 0xff)).encrypt(b);
        expect([b[0], b[1]]).toEqual([~a[0] >>> 0, ~a[1] >>> 0]);
      }),
      { numRuns: 100 },
    );
  });

  it('rejects keys that are not 8 bytes with code KEY', () => {
    for (const n of [0, 7, 9, 16]) {
      expect(errorCode(() => createDes(new Uint8Array(n)))).toBe('KEY');
    }
    expect(errorCode(() => createDes([1, 2, 3, 4, 5, 6, 7, 8] as unknown as Uint8Array))).toBe('KEY');
  });
});
