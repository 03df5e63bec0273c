import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { tokenCrc, crc16Sts, hexToBytes } from '../src/codec/index';
import { errorCode } from './support';

/**
 * dev-crc16.json (shared/vectors), embedded. Provenance: STS Association worked examples
 * (www.sts.org.za cryptography page: 0FFA and 7BC4) and the CRC inputs of the first N02, C07 and
 * class-1 compliance tokens, whose published tokens reproduce with these CRCs.
 */
const CRC_VECTORS = [
  { id: 'crc-stsa-standard', data: '00004a2d900ff2', variant: 'standard', expected: '0ffa' },
  { id: 'crc-stsa-currency', data: '00004a2d900ff2', variant: 'currency', expected: '7bc4' },
  { id: 'crc-n02-ctsa01-1', data: '00055998630001', variant: 'standard', expected: '19e6' },
  { id: 'crc-c07-ctsa01-1', data: '0005014eec0001', variant: 'standard', expected: '3188' },
  { id: 'crc-class1-example', data: '01000000000100', variant: 'standard', expected: '0a50' },
] as const;

/** Bit-at-a-time reference, written from §4.1: reflected 0x8005 (0xA001), init 0xFFFF, byte swap. */
function refCrc(bytes: number[]): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return ((crc & 0xff) << 8) | (crc >> 8);
}

/** The 7 CRC-input bytes of §4.1 for class + plaintext block halves. */
function crcInput(cls: number, hi: number, lo: number): number[] {
  return [cls, hi >>> 24, (hi >>> 16) & 255, (hi >>> 8) & 255, hi & 255, lo >>> 24, (lo >>> 16) & 255];
}

describe('CRC-16 (sts-reference §4)', () => {
  for (const v of CRC_VECTORS) {
    it(`vector ${v.id}`, () => {
      const bytes = hexToBytes(v.data, 7);
      const expected = parseInt(v.expected, 16);
      const currency = v.variant === 'currency';
      const input = currency ? new Uint8Array([...bytes, 0x01]) : bytes;
      expect(crc16Sts(input)).toBe(expected);
      // The same through tokenCrc: byte 0 is the class, bytes 1..6 block bits 63..16.
      const hi = ((bytes[1] << 24) | (bytes[2] << 16) | (bytes[3] << 8) | bytes[4]) >>> 0;
      const lo = ((bytes[5] << 24) | (bytes[6] << 16)) >>> 0;
      expect(tokenCrc(bytes[0], hi, lo, currency)).toBe(expected);
      // The CRC field of lo (bits 15..0) is ignored.
      expect(tokenCrc(bytes[0], hi, (lo | 0xbeef) >>> 0, currency)).toBe(expected);
    });
  }

  it('§4.2: STSA TID-page example, class 0 sub 0 RND 5 TID 0xC02A55 amount 0x2710 → 0x1970', () => {
    expect(tokenCrc(0, 0x05c02a55, 0x27100000, false)).toBe(0x1970);
  });

  it('§4.2: N02 CTSA01 block 05599863000119E6 and C07 CTSA01 block 05014EEC00013188 check', () => {
    expect(tokenCrc(0, 0x05599863, 0x000119e6, false)).toBe(0x19e6);
    expect(tokenCrc(0, 0x05014eec, 0x00013188, false)).toBe(0x3188);
  });

  it('class 1 test tokens of §1.4 carry valid CRCs (blocks 0000000008000C00, 0000000010000600)', () => {
    expect(tokenCrc(1, 0, 0x08000c00, false)).toBe(0x0c00);
    expect(tokenCrc(1, 0, 0x10000600, false)).toBe(0x0600);
  });

  it('CRC-16/MODBUS catalogue check value: "123456789" → 0x4B37 (byte-swapped 0x374B)', () => {
    expect(crc16Sts(Uint8Array.from('123456789', (ch) => ch.charCodeAt(0)))).toBe(0x374b);
    expect(crc16Sts(new Uint8Array(0))).toBe(0xffff);
  });

  it('§4.4: not CRC-16/CCITT-FALSE (which gives 0x0F9A for the STSA example)', () => {
    expect(crc16Sts(hexToBytes('00004a2d900ff2'))).not.toBe(0x0f9a);
  });

  it('tokenCrc matches the bitwise reference for random class/blocks, both variants', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.boolean(),
        (cls, hi, lo, currency) => {
          const input = crcInput(cls, hi, lo);
          if (currency) input.push(1);
          expect(tokenCrc(cls, hi, lo, currency)).toBe(refCrc(input));
          expect(tokenCrc(cls, hi | 0, lo | 0, currency)).toBe(refCrc(input)); // signed int32 halves
          expect(crc16Sts(new Uint8Array(input))).toBe(refCrc(input));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('bad arguments: RANGE for class/halves, FORMAT for non-boolean currency or non-bytes', () => {
    expect(errorCode(() => tokenCrc(4, 0, 0, false))).toBe('RANGE');
    expect(errorCode(() => tokenCrc(-1, 0, 0, false))).toBe('RANGE');
    expect(errorCode(() => tokenCrc(0, 2 ** 32, 0, false))).toBe('RANGE');
    expect(errorCode(() => tokenCrc(0, 0, 0.5, false))).toBe('RANGE');
    expect(errorCode(() => tokenCrc(0, 0, 0, 1 as unknown as boolean))).toBe('FORMAT');
    expect(errorCode(() => crc16Sts([1, 2] as unknown as Uint8Array))).toBe('FORMAT');
    expect(errorCode(() => crc16Sts(null as unknown as Uint8Array))).toBe('FORMAT');
    // The messages say what is wanted and what came.
    expect(() => tokenCrc(0, 0, 0, 1 as unknown as boolean)).toThrow(/^currency must be true \(CRC_C, class 0 sub 4–7\) or false; got 1$/);
    expect(() => crc16Sts([1, 2] as unknown as Uint8Array)).toThrow(/^crc16Sts needs a Uint8Array; got /);
  });
});
