import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STA_SAMPLE_TABLES, createSta, parseStaTables } from '../src/cipher';
import type { StaTables } from '../src/cipher';
import { block, bytes, errorCode, hex64 } from './support';

// ---------------------------------------------------------------------------------------------
// Reference STA, bit by bit, straight from the reference §6.1.1 / §6.1.2 (slow; for tests only).
// A 64-bit value is an array of 64 bits, index = bit number (LSB = bit 0).

type Bits = number[];
const toBits = (hi: number, lo: number): Bits =>
  Array.from({ length: 64 }, (_, i) => (i < 32 ? (lo >>> i) & 1 : (hi >>> (i - 32)) & 1));
const fromBits = (x: Bits): [number, number] => {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 32; i++) {
    lo |= x[i] << i;
    hi |= x[32 + i] << i;
  }
  return [hi >>> 0, lo >>> 0];
};
const keyBits = (key: Uint8Array): Bits =>
  Array.from({ length: 64 }, (_, i) => (key[7 - (i >> 3)] >> (i & 7)) & 1); // byte 0 = most significant
/** Rotate left by s: new bit i = old bit i − s. */
const rotl = (x: Bits, s: number): Bits => x.map((_, i) => x[(i - s + 64) % 64]);
/** Rotate right by s: new bit i = old bit i + s. */
const rotr = (x: Bits, s: number): Bits => x.map((_, i) => x[(i + s) % 64]);
const nibble = (x: Bits, n: number) => x[4 * n] | (x[4 * n + 1] << 1) | (x[4 * n + 2] << 2) | (x[4 * n + 3] << 3);
const setNibble = (x: Bits, n: number, v: number) => {
  for (let k = 0; k < 4; k++) x[4 * n + k] = (v >> k) & 1;
};
const inverse = (p: readonly number[]) => {
  const inv: number[] = [];
  p.forEach((v, i) => (inv[v] = i));
  return inv;
};

function referenceEncrypt(key: Uint8Array, t: StaTables, hi: number, lo: number): [number, number] {
  let k = rotr(keyBits(key).map((b) => 1 - b), 12); // 1. K = ¬DK rotated right 12
  let x = toBits(hi, lo);
  for (let round = 0; round < 16; round++) {
    for (let n = 0; n < 16; n++) {
      // 2.1 substitute: MSB of key nibble n selects S1 (0) or S2 (1)
      const s = k[4 * n + 3] === 0 ? t.substitution1 : t.substitution2;
      setNibble(x, n, s[nibble(x, n)]);
    }
    const y: Bits = new Array(64);
    for (let i = 0; i < 64; i++) y[t.permutation[i]] = x[i]; // 2.2 bit P[i] = old bit i
    x = y;
    k = rotl(k, 1); // 2.3
  }
  return fromBits(x);
}

function referenceDecrypt(key: Uint8Array, t: StaTables, hi: number, lo: number): [number, number] {
  const d1 = inverse(t.substitution2); // D1 = S2⁻¹
  const d2 = inverse(t.substitution1); // D2 = S1⁻¹
  let k = rotl(keyBits(key), 3); // 1. K = DK rotated left 3
  let x = toBits(hi, lo);
  for (let round = 0; round < 16; round++) {
    x = x.map((_, i) => x[t.permutation[i]]); // 2.1 new bit i = old bit P[i]
    for (let n = 0; n < 16; n++) {
      const d = k[4 * n + 3] === 0 ? d1 : d2; // 2.2
      setNibble(x, n, d[nibble(x, n)]);
    }
    k = rotr(k, 1); // 2.3
  }
  return fromBits(x);
}

// ---------------------------------------------------------------------------------------------

// ../shared/vectors/dev-sta-sample.json (sample tables): three rows computed by
// NectarAPI/tokens-service@609cea0 and cross-checked, plus the N02 CTSA01-1 block (reference §6.1.5, §9.2).
const VECTORS = [
  { id: 'sta-sample-001-enc', key: '0000000000000000', plaintext: '0000000000000000', expected: '8cadca8f53a0765e' },
  { id: 'sta-sample-005-enc', key: '0123456789abcdef', plaintext: '0123456789abcdef', expected: '8696e2ddf711e916' },
  { id: 'sta-sample-006-enc', key: 'e653341f9d5bf36f', plaintext: '1500000000010000', expected: '83be14b3ecdd39f6' },
  { id: 'sta-sample-n02-block', key: 'e653341f9d5bf36f', plaintext: '05599863000119e6', expected: 'a94eba51793d8fbd' },
];

// Appendix A.1 decryption permutation table of the sample set (IEC text: entry 7 = 52).
const SAMPLE_DECRYPTION_PERMUTATION = [
  44, 16, 7, 32, 51, 22, 49, 52, 63, 3, 42, 36, 39, 56, 35, 21,
  4, 27, 57, 24, 62, 18, 26, 15, 30, 11, 43, 1, 29, 0, 14, 40,
  58, 12, 2, 53, 34, 46, 10, 31, 8, 17, 20, 47, 48, 45, 60, 59,
  28, 9, 55, 41, 37, 25, 38, 6, 54, 19, 23, 50, 33, 13, 5, 61,
];

const sampleJson = () => ({
  format: 'hydrosync-sta-tables/1',
  name: 'my-sample-copy',
  substitution1: [...STA_SAMPLE_TABLES.substitution1],
  substitution2: [...STA_SAMPLE_TABLES.substitution2],
  permutation: [...STA_SAMPLE_TABLES.permutation],
});

/** A made-up valid table set (NOT any real STS table set): S1 = x·7 + 3 mod 16, S2 = 15 − x, P = 5i + 17 mod 64. */
const MADE_UP_JSON = {
  format: 'hydrosync-sta-tables/1',
  name: 'made-up-test-tables',
  substitution1: Array.from({ length: 16 }, (_, x) => (x * 7 + 3) % 16),
  substitution2: Array.from({ length: 16 }, (_, x) => 15 - x),
  permutation: Array.from({ length: 64 }, (_, i) => (i * 5 + 17) % 64),
};

const perm = (n: number) =>
  fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n });
const randomTables = fc
  .record({ substitution1: perm(16), substitution2: perm(16), permutation: perm(64) })
  .map((t) => parseStaTables({ format: 'hydrosync-sta-tables/1', name: 'random', ...t }));
const key8 = fc.uint8Array({ minLength: 8, maxLength: 8 });
const word = fc.nat({ max: 0xffffffff });

describe('STA (IEC 62055-41 §6.5.4, EA07) with the sample tables', () => {
  for (const v of VECTORS) {
    it(`${v.id}: encrypts and decrypts`, () => {
      const sta = createSta(bytes(v.key));
      const b = block(v.plaintext);
      sta.encrypt(b);
      expect(hex64(b)).toBe(v.expected);
      sta.decrypt(b);
      expect(hex64(b)).toBe(v.plaintext);
      const c = block(v.expected);
      sta.decrypt(c);
      expect(hex64(c)).toBe(v.plaintext);
    });
    it(`${v.id}: the reference implementation agrees`, () => {
      const key = bytes(v.key);
      const p = block(v.plaintext);
      const c = block(v.expected);
      expect(referenceEncrypt(key, STA_SAMPLE_TABLES, p[0], p[1])).toEqual([c[0], c[1]]);
      expect(referenceDecrypt(key, STA_SAMPLE_TABLES, c[0], c[1])).toEqual([p[0], p[1]]);
    });
  }

  it('uses the sample tables by default', () => {
    const a = block('05599863000119e6');
    const b = block('05599863000119e6');
    createSta(bytes('e653341f9d5bf36f')).encrypt(a);
    createSta(bytes('e653341f9d5bf36f'), STA_SAMPLE_TABLES).encrypt(b);
    expect(hex64(a)).toBe(hex64(b));
    expect(createSta(new Uint8Array(8)).name).toBe('STA');
  });

  it('sample tables are labelled and immutable', () => {
    expect(STA_SAMPLE_TABLES.name).toBe('sample');
    expect(STA_SAMPLE_TABLES.sample).toBe(true);
    expect(Object.isFrozen(STA_SAMPLE_TABLES)).toBe(true);
    expect(Object.isFrozen(STA_SAMPLE_TABLES.permutation)).toBe(true);
    expect(Object.isFrozen(STA_SAMPLE_TABLES.substitution1)).toBe(true);
    expect(Object.isFrozen(STA_SAMPLE_TABLES.substitution2)).toBe(true);
  });

  it('fast and reference implementations agree on random keys and blocks', () => {
    fc.assert(
      fc.property(key8, word, word, (key, hi, lo) => {
        const sta = createSta(key);
        const b = new Uint32Array([hi, lo]);
        sta.encrypt(b);
        expect([b[0], b[1]]).toEqual(referenceEncrypt(key, STA_SAMPLE_TABLES, hi, lo));
        const c = new Uint32Array([hi, lo]);
        sta.decrypt(c);
        expect([c[0], c[1]]).toEqual(referenceDecrypt(key, STA_SAMPLE_TABLES, hi, lo));
      }),
      { numRuns: 200 },
    );
  });

  it('decrypt(encrypt(x)) = x and encrypt(decrypt(x)) = x for random keys and blocks', () => {
    fc.assert(
      fc.property(key8, word, word, (key, hi, lo) => {
        const sta = createSta(key);
        const b = new Uint32Array([hi, lo]);
        sta.encrypt(b);
        sta.decrypt(b);
        expect([b[0], b[1]]).toEqual([hi, lo]);
        sta.decrypt(b);
        sta.encrypt(b);
        expect([b[0], b[1]]).toEqual([hi, lo]);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects keys that are not 8 bytes with code KEY', () => {
    for (const n of [0, 7, 9, 16]) expect(errorCode(() => createSta(new Uint8Array(n)))).toBe('KEY');
  });
});

describe('STA with injected table sets', () => {
  it('a different valid table set gives a different result than the sample tables', () => {
    const madeUp = parseStaTables(MADE_UP_JSON);
    expect(madeUp.sample).toBe(false);
    expect(madeUp.name).toBe('made-up-test-tables');
    const key = bytes('e653341f9d5bf36f');
    const a = block('05599863000119e6');
    const b = block('05599863000119e6');
    createSta(key).encrypt(a);
    createSta(key, madeUp).encrypt(b);
    expect(hex64(a)).toBe('a94eba51793d8fbd');
    expect(hex64(b)).not.toBe(hex64(a));
    expect([b[0], b[1]]).toEqual(referenceEncrypt(key, madeUp, 0x05599863, 0x000119e6));
    createSta(key, madeUp).decrypt(b);
    expect(hex64(b)).toBe('05599863000119e6');
  });

  it('fast and reference implementations agree for random table sets, keys and blocks', () => {
    fc.assert(
      fc.property(randomTables, key8, word, word, (tables, key, hi, lo) => {
        const sta = createSta(key, tables);
        const b = new Uint32Array([hi, lo]);
        sta.encrypt(b);
        expect([b[0], b[1]]).toEqual(referenceEncrypt(key, tables, hi, lo));
        const c = new Uint32Array([hi, lo]);
        sta.decrypt(c);
        expect([c[0], c[1]]).toEqual(referenceDecrypt(key, tables, hi, lo));
        sta.decrypt(b);
        expect([b[0], b[1]]).toEqual([hi, lo]);
      }),
      { numRuns: 100 },
    );
  });

  it('accepts the sample tables with their Appendix A.1 decryption tables and marks them sample', () => {
    const t = parseStaTables({
      ...sampleJson(),
      name: 'sample',
      decryptionSubstitution1: [...STA_SAMPLE_TABLES.substitution1], // = S2⁻¹ in the sample set
      decryptionSubstitution2: [...STA_SAMPLE_TABLES.substitution2], // = S1⁻¹ in the sample set
      decryptionPermutation: SAMPLE_DECRYPTION_PERMUTATION,
    });
    expect(t.sample).toBe(true);
    expect(t.name).toBe('sample');
    expect(parseStaTables(sampleJson()).sample).toBe(true);
  });

  it('accepts consistent decryption tables for a made-up set', () => {
    const inv = (p: number[]) => inverse(p);
    const t = parseStaTables({
      ...MADE_UP_JSON,
      description: 'test',
      provenance: 'made up',
      decryptionSubstitution1: inv(MADE_UP_JSON.substitution2),
      decryptionSubstitution2: inv(MADE_UP_JSON.substitution1),
      decryptionPermutation: inv(MADE_UP_JSON.permutation),
    });
    expect(t.sample).toBe(false);
  });

  it('parsed tables are immutable copies of the input', () => {
    const json = sampleJson();
    const t = parseStaTables(json);
    json.permutation[0] = 99;
    json.substitution1[0] = 99;
    expect(t.permutation[0]).toBe(29);
    expect(t.substitution1[0]).toBe(12);
    expect(Object.isFrozen(t)).toBe(true);
    expect(Object.isFrozen(t.permutation)).toBe(true);
  });

  const swap = (a: number[], i: number, j: number) => {
    const c = [...a];
    [c[i], c[j]] = [c[j], c[i]];
    return c;
  };
  const bad: [string, unknown][] = [
    ['not an object', 'tables'],
    ['null', null],
    ['an array', []],
    ['unknown format', { ...MADE_UP_JSON, format: 'hydrosync-sta-tables/2' }],
    ['missing format', { ...MADE_UP_JSON, format: undefined }],
    ['unknown field', { ...MADE_UP_JSON, decryptionPermuation: [] }],
    ['missing name', { ...MADE_UP_JSON, name: undefined }],
    ['empty name', { ...MADE_UP_JSON, name: ' ' }],
    ['non-string description', { ...MADE_UP_JSON, description: 5 }],
    ['reserved name "sample" with other tables', { ...MADE_UP_JSON, name: 'sample' }],
    ['substitution1 missing', { ...MADE_UP_JSON, substitution1: undefined }],
    ['substitution1 too short', { ...MADE_UP_JSON, substitution1: MADE_UP_JSON.substitution1.slice(0, 15) }],
    ['substitution2 too long', { ...MADE_UP_JSON, substitution2: [...MADE_UP_JSON.substitution2, 0] }],
    ['permutation too short', { ...MADE_UP_JSON, permutation: MADE_UP_JSON.permutation.slice(0, 63) }],
    ['permutation too long', { ...MADE_UP_JSON, permutation: [...MADE_UP_JSON.permutation, 64] }],
    ['substitution1 out of range', { ...MADE_UP_JSON, substitution1: [16, ...MADE_UP_JSON.substitution1.slice(1)] }],
    ['substitution1 negative', { ...MADE_UP_JSON, substitution1: [-1, ...MADE_UP_JSON.substitution1.slice(1)] }],
    ['permutation out of range', { ...MADE_UP_JSON, permutation: [64, ...MADE_UP_JSON.permutation.slice(1)] }],
    ['substitution1 duplicate', { ...MADE_UP_JSON, substitution1: [0, 0, ...MADE_UP_JSON.substitution1.slice(2)] }],
    ['substitution2 duplicate', { ...MADE_UP_JSON, substitution2: [15, ...MADE_UP_JSON.substitution2.slice(1, 15), 15] }],
    ['permutation duplicate', { ...MADE_UP_JSON, permutation: [17, ...MADE_UP_JSON.permutation.slice(1)].map((v, i) => (i === 1 ? 17 : v)) }],
    ['substitution2 non-integer', { ...MADE_UP_JSON, substitution2: [1.5, ...MADE_UP_JSON.substitution2.slice(1)] }],
    ['substitution1 string entry', { ...MADE_UP_JSON, substitution1: ['3', ...MADE_UP_JSON.substitution1.slice(1)] }],
    ['permutation NaN', { ...MADE_UP_JSON, permutation: [NaN, ...MADE_UP_JSON.permutation.slice(1)] }],
    ['permutation not an array', { ...MADE_UP_JSON, permutation: '0,1,2' }],
    ['decryptionSubstitution1 inconsistent (= S1⁻¹, must be S2⁻¹)', { ...MADE_UP_JSON, decryptionSubstitution1: inverse(MADE_UP_JSON.substitution1) }],
    ['decryptionSubstitution2 inconsistent', { ...MADE_UP_JSON, decryptionSubstitution2: swap(inverse(MADE_UP_JSON.substitution1), 0, 1) }],
    ['decryptionPermutation inconsistent (= P, not P⁻¹)', { ...MADE_UP_JSON, decryptionPermutation: MADE_UP_JSON.permutation }],
    ['decryptionPermutation not a permutation', { ...MADE_UP_JSON, decryptionPermutation: new Array(64).fill(0) }],
    ['decryptionPermutation wrong length', { ...MADE_UP_JSON, decryptionPermutation: SAMPLE_DECRYPTION_PERMUTATION.slice(1) }],
  ];
  for (const [what, json] of bad) {
    it(`parseStaTables rejects: ${what} (code TABLES)`, () => {
      expect(errorCode(() => parseStaTables(json))).toBe('TABLES');
    });
  }

  it('error messages are precise', () => {
    expect(() => parseStaTables({ ...MADE_UP_JSON, substitution1: [0, 0, ...MADE_UP_JSON.substitution1.slice(2)] })).toThrow(
      /substitution1.*0 appears at index 0 and 1/,
    );
    expect(() => parseStaTables({ ...MADE_UP_JSON, permutation: MADE_UP_JSON.permutation.slice(0, 63) })).toThrow(
      /permutation.*63 entries, expected 64/,
    );
    expect(() => parseStaTables({ ...MADE_UP_JSON, format: 'x' })).toThrow(/unknown format "x"/);
  });

  it('createSta rejects a hand-built invalid table object with code TABLES', () => {
    const broken = { ...STA_SAMPLE_TABLES, name: 'broken', sample: false, permutation: new Array(64).fill(0) };
    expect(errorCode(() => createSta(new Uint8Array(8), broken))).toBe('TABLES');
    const short = { ...STA_SAMPLE_TABLES, name: 'short', sample: false, substitution2: [0, 1, 2] };
    expect(errorCode(() => createSta(new Uint8Array(8), short))).toBe('TABLES');
  });

  it('createSta accepts a hand-built valid table object', () => {
    const copy: StaTables = { ...STA_SAMPLE_TABLES };
    const b = block('05599863000119e6');
    createSta(bytes('e653341f9d5bf36f'), copy).encrypt(b);
    expect(hex64(b)).toBe('a94eba51793d8fbd');
  });
});
