import { describe, expect, it } from 'vitest';
import { deriveDecoderKey } from '../src/keys';
import { crcField, crcModbus, oracleToken } from './token-oracle';

// The spec oracle (spec/token-oracle.ts) reproduces the shared known answers before any test
// relies on it (vectors/dev-crc16.json, vectors/dev-tokens.json).

describe('token oracle', () => {
  it('CRC: the STSA worked example 00004a2d900ff2 → 0ffa (dev-crc16.json crc-stsa-standard)', () => {
    const c = crcModbus([0x00, 0x00, 0x4a, 0x2d, 0x90, 0x0f, 0xf2]);
    expect(((c & 0xff) << 8) | (c >>> 8)).toBe(0x0ffa);
    expect(crcField(0, 0x004a2d900ff2n)).toBe(0x0ffa);
  });
  it('class 1 tokens: CL1-CTSA11-bit0-sub0 and -sub1 (dev-tokens.json)', () => {
    expect(oracleToken(1, [[0, 60, 4], [1, 24, 36], [0, 16, 8]])).toBe('00000000000150997584');
    expect(oracleToken(1, [[1, 60, 4], [1, 32, 28], [0, 16, 16]])).toBe('01152921509036054672');
  });
  it('an encrypted class 0 token: C11-CTSA01-1 (dev-tokens.json)', () => {
    const key = deriveDecoderKey('abababababababab949494949494949401234567', {
      supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2, keyExpiryNumber: 255,
      pan: '600727000000000009', baseDate: 2014, encryptionAlgorithm: '11',
    });
    expect(oracleToken(0, [[0, 60, 4], [5, 56, 4], [85740, 32, 24], [1, 16, 16]], { cipher: key.cipher })).toBe('58625789986991357486');
  });
});
