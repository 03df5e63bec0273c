import { fail } from '../errors';
import { showInput } from '../codec/input-text';
import { parseBaseDate } from '../codec/tid';
import { parseMeterPan } from '../codec/pan';
import type { DecoderKeyAttributes, EncryptionAlgorithm, KeyParameters, KeyType } from './types';

const DIGITS = /^[0-9]+$/;

function digits(name: string, v: unknown, n: number): string {
  const s = typeof v === 'number' && Number.isInteger(v) && v >= 0 ? String(v).padStart(n, '0') : v;
  if (typeof s !== 'string' || s.length !== n || !DIGITS.test(s)) {
    fail('KEY', `${name} must be exactly ${n} decimal digits; got ${showInput(v)}`);
  }
  return s;
}

function intIn(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    fail('KEY', `${name} must be an integer from ${lo} to ${hi}; got ${showInput(v)}`);
  }
  return v;
}

export function parseEncryptionAlgorithm(v: unknown): EncryptionAlgorithm {
  const s = typeof v === 'number' ? String(v).padStart(2, '0') : v;
  if (s === '07' || s === '09' || s === '11') return s;
  if (s === 'STA' || s === 'EA07') return '07';
  if (s === 'DES' || s === 'EA09') return '09';
  if (s === 'MISTY1' || s === 'EA11') return '11';
  return fail('KEY', `encryption algorithm must be "07" (STA), "09" (DES, deprecated) or "11" (MISTY1); got ${showInput(v)}`);
}

export function parseKeyType(v: unknown): KeyType {
  return intIn('keyType (KT)', typeof v === 'string' && /^[0-3]$/.test(v) ? Number(v) : v, 0, 3) as KeyType;
}

/** Validate and normalise key parameters; throws HydroSyncError('KEY' | 'FORMAT' | 'CHECK_DIGIT'). */
export function normalizeKeyParameters(p: KeyParameters): Required<KeyParameters> {
  if (p === null || typeof p !== 'object') fail('KEY', 'key parameters must be an object');
  return {
    supplyGroupCode: digits('supplyGroupCode (SGC)', p.supplyGroupCode, 6),
    tariffIndex: digits('tariffIndex (TI)', p.tariffIndex, 2),
    keyRevisionNumber: intIn('keyRevisionNumber (KRN)', p.keyRevisionNumber, 1, 9),
    keyType: parseKeyType(p.keyType),
    keyExpiryNumber: intIn('keyExpiryNumber (KEN)', p.keyExpiryNumber ?? 255, 0, 255),
    pan: parseMeterPan(p.pan).pan,
    baseDate: parseBaseDate(p.baseDate),
    encryptionAlgorithm: parseEncryptionAlgorithm(p.encryptionAlgorithm),
  };
}

/** Attributes for a decoder key given as raw bits: defaults KT 2, KRN 1, KEN 255, SGC 000000, TI 01, base date 1993. */
export function normalizeAttributes(
  a: Partial<Omit<DecoderKeyAttributes, 'encryptionAlgorithm'>> & { encryptionAlgorithm: EncryptionAlgorithm | string },
): DecoderKeyAttributes {
  const out: DecoderKeyAttributes = {
    encryptionAlgorithm: parseEncryptionAlgorithm(a.encryptionAlgorithm),
    keyType: parseKeyType(a.keyType ?? 2),
    supplyGroupCode: digits('supplyGroupCode (SGC)', a.supplyGroupCode ?? '000000', 6),
    tariffIndex: digits('tariffIndex (TI)', a.tariffIndex ?? '01', 2),
    keyRevisionNumber: intIn('keyRevisionNumber (KRN)', a.keyRevisionNumber ?? 1, 1, 9),
    keyExpiryNumber: intIn('keyExpiryNumber (KEN)', a.keyExpiryNumber ?? 255, 0, 255),
    baseDate: parseBaseDate(a.baseDate ?? 1993),
    ...(a.pan !== undefined ? { pan: parseMeterPan(a.pan).pan } : {}),
    ...(a.dkga !== undefined ? { dkga: a.dkga } : {}),
  };
  return out;
}
