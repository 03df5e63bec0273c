import { describe, expect, it } from 'vitest';
import { parseStaTables, STA_SAMPLE_TABLES } from '../src/cipher';
import { DecoderKey } from '../src/keys';
import { generateKeyChange } from '../src/tokens';
import { Meter } from '../src/meter';
import { oracleToken } from './token-oracle';

// Key-change sets the meter cannot apply, and what a completed set carries over (reference §8.4,
// §5.4): a set whose sections do not fit together is FORMAT, one with a field out of range is
// RANGE, a rollover past the last base date (2035) is RANGE; each discards the held sections and
// leaves key and TID memory as they were. A key installed by key change on an EA07 meter uses the
// meter's STA tables, not the sample ones. Tokens from generateKeyChange (proven against the
// shared vectors) or the spec oracle; expected values written by hand.

const PAN = '600727000000000009';
const attrs = { supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2 as const, keyExpiryNumber: 255, baseDate: 2014 as const, encryptionAlgorithm: '07' as const };
const KEY = DecoderKey.fromHex('0123456789abcdef', attrs);
const NEXT = DecoderKey.fromHex('fedcba9876543210', { ...attrs, keyRevisionNumber: 2 });
const meter = (key = KEY, extra: { keyOptions?: { staTables: ReturnType<typeof parseStaTables> } } = {}) =>
  new Meter({ profile: { pan: PAN, lockout: null, tidMemoryDepth: 3 }, key, initialTid: 4000, ...extra });

describe('key-change sets the meter refuses', () => {
  it('a supply-group-code section with a 1st section that announces no 3-token set is FORMAT; the sections are dropped', () => {
    const m = meter();
    const two = generateKeyChange(KEY, NEXT);
    const three = generateKeyChange(KEY, DecoderKey.fromHex('fedcba9876543210', { ...attrs, keyRevisionNumber: 2, supplyGroupCode: '654321' }), { threeTokenSet: true });
    expect(m.enter(three[2]!, 0).result).toBe('KCT_1'); // the SGC section
    expect(m.enter(two[0]!, 1).result).toBe('KCT_2'); // a 1st section of a 2-token set
    const r = m.enter(two[1]!, 2);
    expect(r).toMatchObject({ result: 'FORMAT', class: 2, subclass: 4 });
    expect(r.detail).toBe('a supply-group-code token was entered but the 1st token does not announce a 3-token set');
    expect(m.pendingKeyChange).toBeNull();
    expect(m.key).toBe(KEY);
    // nothing of the failed set is left over: the 2-token set now completes on its own
    expect(m.enter(two[0]!, 3).result).toBe('KCT_1');
    expect(m.enter(two[1]!, 4)).toMatchObject({ result: 'ACCEPT', keyChange: { keyRevisionNumber: 2, supplyGroupCode: '201457' } });
  });

  it('a tariff index above 99 in the 2nd section is RANGE; the sections are dropped', () => {
    const m = meter();
    const set = generateKeyChange(KEY, NEXT);
    // 2nd section (class 2 sub 4): KEN low 4 bits at 56, TI 8 bits at 48, new key low 32 bits at 16.
    const badTi = oracleToken(2, [[4, 60, 4], [0xf, 56, 4], [150, 48, 8], [0x76543210, 16, 32]], { cipher: KEY.cipher });
    expect(m.enter(set[0]!, 0).result).toBe('KCT_1');
    const r = m.enter(badTi, 1);
    expect(r).toMatchObject({ result: 'RANGE', class: 2, subclass: 4 });
    expect(r.detail).toBe('tariff index 150 has more than 2 digits');
    expect(m.pendingKeyChange).toBeNull();
    expect(m.key).toBe(KEY);
  });

  it('a rollover when the key already has the last base date (2035) is RANGE; key and TID memory stay', () => {
    const last = DecoderKey.fromHex('0123456789abcdef', { ...attrs, baseDate: 2035 });
    const m = meter(last);
    const set = generateKeyChange(last, DecoderKey.fromHex('fedcba9876543210', { ...attrs, baseDate: 2035, keyRevisionNumber: 2 }), { rollover: true });
    expect(m.enter(set[0]!, 0).result).toBe('KCT_1');
    const r = m.enter(set[1]!, 1);
    expect(r).toMatchObject({ result: 'RANGE', class: 2, subclass: 4 });
    expect(r.detail).toBe('rollover: no base date after 2035 is defined');
    expect(m.key).toBe(last);
    expect(m.tidMemory.toArray()).toEqual([4000, 4000, 4000]);
    expect(m.pendingKeyChange).toBeNull();
  });
});

describe('a key installed by key change on an EA07 meter', () => {
  it('uses the STA tables the meter was given, not the sample tables', () => {
    // Sample tables with substitution table 1 reversed: a different, valid table set.
    const tables = parseStaTables({
      format: 'hydrosync-sta-tables/1', name: 'utility-x',
      substitution1: [...STA_SAMPLE_TABLES.substitution1].reverse(), substitution2: [...STA_SAMPLE_TABLES.substitution2], permutation: [...STA_SAMPLE_TABLES.permutation],
    });
    const current = DecoderKey.fromHex('0123456789abcdef', attrs, { staTables: tables });
    const next = DecoderKey.fromHex('fedcba9876543210', { ...attrs, keyRevisionNumber: 2 }, { staTables: tables });
    const m = meter(current, { keyOptions: { staTables: tables } });
    const set = generateKeyChange(current, next);
    expect(m.enter(set[0]!, 0).result).toBe('KCT_1');
    expect(m.enter(set[1]!, 1).result).toBe('ACCEPT');
    expect(m.key.staTables).toBe('utility-x');
    // 5 units (500 L) with TID 5000, encrypted with the new key under the utility's tables.
    const fields = [[1, 60, 4], [1, 56, 4], [5000, 32, 24], [5, 16, 16]] as const;
    expect(m.enter(oracleToken(0, fields, { cipher: next.cipher }), 2)).toMatchObject({ result: 'ACCEPT', litres: 500 });
    // the same token under the sample tables would not decrypt: the two table sets differ
    const sampleNext = DecoderKey.fromHex('fedcba9876543210', { ...attrs, keyRevisionNumber: 2 });
    expect(m.enter(oracleToken(0, [[1, 60, 4], [1, 56, 4], [5001, 32, 24], [5, 16, 16]], { cipher: sampleNext.cipher }), 3).result).toBe('CRC');
  });
});

describe('restoreHeld (state restore)', () => {
  it('null drops held sections and their start time', () => {
    const m = meter();
    const set = generateKeyChange(KEY, NEXT);
    expect(m.enter(set[0]!, 50).result).toBe('KCT_1');
    expect(m.heldTokens()).toMatchObject({ since: 50 });
    m.restoreHeld(null);
    expect(m.pendingKeyChange).toBeNull();
    expect(m.heldTokens()).toBeNull();
    // the 2nd section alone starts a new set
    expect(m.enter(set[1]!, 60).result).toBe('KCT_1');
    expect(m.pendingKeyChange).toEqual({ subclasses: [4], since: 60 });
  });
});
