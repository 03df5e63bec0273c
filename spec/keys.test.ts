import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { DecoderKey, VendingKey, deriveDecoderKey, dkga02, dkga04 } from '../src/keys';
import { dkga04Message } from '../src/keys/dkga04';
import { normalizeKeyParameters } from '../src/keys/parameters';
import { bytesToHex } from '../src/codec/hex';
import type { KeyParameters } from '../src/keys';
import { errorCode } from './support';

const VK02 = 'abababababababab';
const VK04 = 'abababababababab949494949494949401234567';
const N02: KeyParameters = {
  keyType: 2, supplyGroupCode: '123456', tariffIndex: '01', keyRevisionNumber: 1,
  pan: '600727000000000009', baseDate: 1993, encryptionAlgorithm: '07',
};

describe('DKGA02 (IEC 62055-41 §6.5.3.4, reference §7.2)', () => {
  it('N02 PAN A: DK E653341F9D5BF36F (STS 531-1-0-02)', () => {
    expect(bytesToHex(dkga02(VK02, N02))).toBe('e653341f9d5bf36f');
  });
  it('N02 PAN B (IIN 0000, 13-digit DRN): DK E94023262E9993C2', () => {
    expect(bytesToHex(dkga02(VK02, { ...N02, pan: '000001000000000082' }))).toBe('e94023262e9993c2');
  });
  it('parity choice only matters for VKs without odd parity', () => {
    expect(bytesToHex(dkga02(VK02, N02, { parity: 'odd-parity' }))).toBe('e653341f9d5bf36f');
    const even = '0000000000000000';
    expect(bytesToHex(dkga02(even, N02, { parity: 'raw' }))).not.toBe(bytesToHex(dkga02(even, N02, { parity: 'odd-parity' })));
  });
  it('a common key (KT 3) ignores the DRN', () => {
    const a = dkga02(VK02, { ...N02, keyType: 3 });
    const b = dkga02(VK02, { ...N02, keyType: 3, pan: '600727111111111153' });
    expect(bytesToHex(a)).toBe(bytesToHex(b));
    expect(bytesToHex(dkga02(VK02, N02))).not.toBe(bytesToHex(dkga02(VK02, { ...N02, pan: '600727111111111153' })));
  });
  it('rejects a 160-bit VK and EA11', () => {
    expect(errorCode(() => dkga02(VK04, N02))).toBe('KEY');
    expect(errorCode(() => dkga02(VK02, { ...N02, encryptionAlgorithm: '11' }))).toBe('KEY');
  });
});

describe('DKGA04 (reference §7.5)', () => {
  const C07: KeyParameters = { ...N02, supplyGroupCode: '201457', baseDate: 2014, encryptionAlgorithm: '07' };
  it('C07 message layout matches the worked example', () => {
    expect(bytesToHex(dkga04Message(normalizeKeyParameters(C07), 64))).toBe(
      ['04', '023034', '023134', '023037', '023031', '00', '04', '06323031343537', '0132', '0131',
        '12363030373237303030303030303030303039', '00000040'].join(''),
    );
  });
  it('C07: L = 64 → 87F3ECBB2E46B48F', () => {
    expect(bytesToHex(dkga04(VK04, C07))).toBe('87f3ecbb2e46b48f');
  });
  it('N04: BD 1993, EA11, SGC 123457 → F94B6ED353C3BFDB113E2D3A7EA3C41D', () => {
    expect(bytesToHex(dkga04(VK04, { ...N02, supplyGroupCode: '123457', encryptionAlgorithm: '11' }))).toBe('f94b6ed353c3bfdb113e2d3a7ea3c41d');
  });
  it('C11: BD 2014, EA11 → 929BD3A415C9420A05EC5EE9F3CE91C3', () => {
    expect(bytesToHex(dkga04(VK04, { ...C07, encryptionAlgorithm: '11' }))).toBe('929bd3a415c9420a05ec5ee9f3ce91c3');
  });
  it('the prepared HMAC state gives the same keys as a fresh one, in any order', () => {
    const vk = VendingKey.fromHex(VK04);
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.constantFrom('01', '02', '99'), (krn, ti) => {
      const p = { ...C07, keyRevisionNumber: krn, tariffIndex: ti };
      expect(bytesToHex(dkga04(vk, p))).toBe(bytesToHex(dkga04(VK04, p)));
    }), { numRuns: 50 });
  });
  it('rejects a 64-bit VK and EA09', () => {
    expect(errorCode(() => dkga04(VK02, C07))).toBe('KEY');
    expect(errorCode(() => dkga04(VK04, { ...C07, encryptionAlgorithm: '09' }))).toBe('KEY');
  });
});

describe('key parameters are validated', () => {
  const bad: [string, Partial<KeyParameters>, string][] = [
    ['SGC with 5 digits', { supplyGroupCode: '12345' }, 'KEY'],
    ['TI with letters', { tariffIndex: 'ab' }, 'KEY'],
    ['KRN 0', { keyRevisionNumber: 0 }, 'KEY'],
    ['KRN 10', { keyRevisionNumber: 10 }, 'KEY'],
    ['KT 4', { keyType: 4 as never }, 'KEY'],
    ['KEN 256', { keyExpiryNumber: 256 }, 'KEY'],
    ['PAN check digit', { pan: '600727000000000008' }, 'CHECK_DIGIT'],
    ['PAN length', { pan: '60072700000000009' }, 'FORMAT'],
    ['base date 2000', { baseDate: 2000 as never }, 'FORMAT'],
    ['EA 10', { encryptionAlgorithm: '10' as never }, 'KEY'],
  ];
  for (const [name, change, want] of bad) {
    it(name, () => expect(errorCode(() => deriveDecoderKey(VK02, { ...N02, ...change }))).toBe(want));
  }
});

describe('DecoderKey keeps its secret', () => {
  const key = deriveDecoderKey(VK04, { ...N02, supplyGroupCode: '201457', baseDate: 2014, encryptionAlgorithm: '11' });
  const hex = key.exportHex();
  it('carries its attributes', () => {
    expect(key.attributes()).toMatchObject({ encryptionAlgorithm: '11', keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyExpiryNumber: 255, baseDate: 2014, dkga: '04' });
    expect(key.bits).toBe(128);
  });
  it('never shows key bits in JSON, toString or inspect', () => {
    for (const s of [JSON.stringify(key), String(key), inspect(key), inspect({ key }), JSON.stringify(VendingKey.fromHex(VK04)), inspect(VendingKey.fromHex(VK04))]) {
      expect(s).not.toContain(hex);
      expect(s.toLowerCase()).not.toContain('949494');
    }
  });
  it('exportBytes returns a copy', () => {
    const b = key.exportBytes();
    b.fill(0);
    expect(key.exportHex()).toBe(hex);
  });
  it('rejects a key of the wrong length for the algorithm', () => {
    expect(errorCode(() => DecoderKey.fromHex('00112233445566778899aabbccddeeff', { encryptionAlgorithm: '07' }))).toBe('KEY');
    expect(errorCode(() => DecoderKey.fromHex('0011223344556677', { encryptionAlgorithm: '11' }))).toBe('KEY');
    expect(errorCode(() => DecoderKey.fromHex('xyz', { encryptionAlgorithm: '11' }))).toBe('KEY');
  });
  it('EA09 keys carry the deprecation warning; EA07 sample-table keys say so', () => {
    expect(DecoderKey.fromHex('0123456789abcdef', { encryptionAlgorithm: '09' }).warnings.join(' ')).toMatch(/deprecated/);
    expect(DecoderKey.fromHex('0123456789abcdef', { encryptionAlgorithm: '07' }).warnings.join(' ')).toMatch(/sample/);
  });
});
