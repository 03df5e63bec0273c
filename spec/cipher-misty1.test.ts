import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMisty1 } from '../src/cipher';
import { misty1ExtendedKey } from '../src/cipher/misty1';
import { block, bytes, errorCode, hex64 } from './support';

const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

const VECTORS = [
  // ../shared/vectors/dev-misty1.json: RFC 2994 test data (two plaintexts, one key) ...
  { id: 'rfc2994-1', key: '00112233445566778899aabbccddeeff', plaintext: '0123456789abcdef', expected: '8b1da5f56ab3d07c' },
  { id: 'rfc2994-2', key: '00112233445566778899aabbccddeeff', plaintext: 'fedcba9876543210', expected: '04b68240b13be95d' },
  // ... and the extra vector found in several MISTY1 test suites (reference §10.1).
  { id: 'misty1-extra-1', key: '414afd99bb577ee69df58cc8fb4e6888', plaintext: '9fc302e281310e90', expected: '15c270974b9b9163' },
  // Reference §6.3 / §9.2 worked examples: STS 531-1-0-04 CTSA01 (N04, water) and STS 531-1-11 CTSA01-1 (C11).
  { id: 'N04-CTSA01', key: 'f94b6ed353c3bfdb113e2d3a7ea3c41d', plaintext: '155998310001baa7', expected: '8ed758c157db6b60' },
  { id: 'C11-CTSA01-1', key: '929bd3a415c9420a05ec5ee9f3ce91c3', plaintext: '05014eec00013188', expected: '2d98a5617b45be2e' },
];

const key16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const word = fc.nat({ max: 0xffffffff });

describe('MISTY1 (RFC 2994; EA11)', () => {
  for (const v of VECTORS) {
    it(`${v.id}: encrypts and decrypts`, () => {
      const m = createMisty1(bytes(v.key));
      const b = block(v.plaintext);
      m.encrypt(b);
      expect(hex64(b)).toBe(v.expected);
      m.decrypt(b);
      expect(hex64(b)).toBe(v.plaintext);
      const c = block(v.expected);
      m.decrypt(c);
      expect(hex64(c)).toBe(v.plaintext);
    });
  }

  it('extended key K\' matches RFC 2994', () => {
    expect(toHex(misty1ExtendedKey(bytes('00112233445566778899aabbccddeeff')))).toBe('cf518e7f5e29673acdbc07d6bf355e11');
  });

  it('extended key K\' matches the extra vector', () => {
    expect(toHex(misty1ExtendedKey(bytes('414afd99bb577ee69df58cc8fb4e6888')))).toBe('c7bd6e012268237a4389305a1b360b8c');
  });

  it('has name MISTY1', () => {
    expect(createMisty1(new Uint8Array(16)).name).toBe('MISTY1');
  });

  it('decrypt(encrypt(x)) = x for random keys and blocks', () => {
    fc.assert(
      fc.property(key16, word, word, (key, hi, lo) => {
        const m = createMisty1(key);
        const b = new Uint32Array([hi, lo]);
        m.encrypt(b);
        m.decrypt(b);
        expect([b[0], b[1]]).toEqual([hi, lo]);
      }),
      { numRuns: 500 },
    );
  });

  it('encrypt(decrypt(x)) = x for random keys and blocks', () => {
    fc.assert(
      fc.property(key16, word, word, (key, hi, lo) => {
        const m = createMisty1(key);
        const b = new Uint32Array([hi, lo]);
        m.decrypt(b);
        m.encrypt(b);
        expect([b[0], b[1]]).toEqual([hi, lo]);
      }),
      { numRuns: 200 },
    );
  });

  it('does not alias or keep the caller\'s key buffer', () => {
    const key = bytes('00112233445566778899aabbccddeeff');
    const m = createMisty1(key);
    key.fill(0);
    const b = block('0123456789abcdef');
    m.encrypt(b);
    expect(hex64(b)).toBe('8b1da5f56ab3d07c');
  });

  it('rejects keys that are not 16 bytes with code KEY', () => {
    for (const n of [0, 8, 15, 17, 32]) {
      expect(errorCode(() => createMisty1(new Uint8Array(n)))).toBe('KEY');
      expect(errorCode(() => misty1ExtendedKey(new Uint8Array(n)))).toBe('KEY');
    }
  });
});
