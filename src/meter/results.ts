import { fail } from '../errors';
/**
 * Meter token results: the standard's token status values (reference §8.3, Conlog BEC62 table),
 * each with a stable code and short messages in English and Indonesian (the customers are
 * Indonesian). The status numbers are the register values; codes are part of the public API.
 */

/** Result codes of the meter application process, in status-value order. */
export type MeterResultCode =
  | 'ACCEPT'
  | 'KCT_1'
  | 'KCT_2'
  | 'OVERFLOW'
  | 'KEY_TYPE'
  | 'FORMAT'
  | 'RANGE'
  | 'FUNCTION'
  | 'OLD'
  | 'USED'
  | 'KEY_EXPIRED'
  | 'DDTK'
  | 'CRC'
  | 'MFR_CODE'
  | 'LOCKOUT';

export interface MeterResultInfo {
  /** Token status register value (1..15). */
  status: number;
  /** Standard name. */
  name: string;
  /** Short English display text. */
  en: string;
  /** Short Indonesian display text. */
  id: string;
  /** True for ACCEPT, KCT_1, KCT_2: the token was taken. */
  taken: boolean;
}

/** The result table (data). */
export const METER_RESULTS: Readonly<Record<MeterResultCode, MeterResultInfo>> = Object.freeze({
  ACCEPT: { status: 1, name: 'Accept', en: 'Token accepted', id: 'Token diterima', taken: true },
  KCT_1: { status: 2, name: '1stKCT', en: 'Key change: first token entered, enter the next one', id: 'Ganti kunci: token pertama diterima, masukkan token berikutnya', taken: true },
  KCT_2: { status: 3, name: '2ndKCT', en: 'Key change: token entered, enter the remaining ones', id: 'Ganti kunci: token diterima, masukkan token sisanya', taken: true },
  OVERFLOW: { status: 4, name: 'Overflow', en: 'Credit register full: token kept for later', id: 'Register kredit penuh: simpan token untuk nanti', taken: false },
  KEY_TYPE: { status: 5, name: 'KeyType', en: 'Key change not allowed for this meter', id: 'Ganti kunci tidak diizinkan untuk meter ini', taken: false },
  FORMAT: { status: 6, name: 'Format', en: 'Not a valid token: check the 20 digits', id: 'Token tidak valid: periksa 20 digit', taken: false },
  RANGE: { status: 7, name: 'Range', en: 'Token value out of range', id: 'Nilai token di luar jangkauan', taken: false },
  FUNCTION: { status: 8, name: 'Function', en: 'Token type not supported by this meter', id: 'Jenis token tidak didukung meter ini', taken: false },
  OLD: { status: 9, name: 'Old', en: 'Token is too old', id: 'Token terlalu lama', taken: false },
  USED: { status: 10, name: 'Used', en: 'Token already used', id: 'Token sudah pernah dipakai', taken: false },
  KEY_EXPIRED: { status: 11, name: 'KeyExpired', en: 'Meter key expired: a key change is needed', id: 'Kunci meter kedaluwarsa: perlu ganti kunci', taken: false },
  DDTK: { status: 12, name: 'DDTK', en: 'Credit refused: meter still has its default key', id: 'Kredit ditolak: meter masih memakai kunci bawaan', taken: false },
  CRC: { status: 13, name: 'CRC', en: 'Token rejected: wrong meter or mistyped', id: 'Token ditolak: salah meter atau salah ketik', taken: false },
  MFR_CODE: { status: 14, name: 'MfrCode', en: 'Test token for another manufacturer', id: 'Token uji untuk pabrikan lain', taken: false },
  LOCKOUT: { status: 15, name: 'Lockout', en: 'Keypad locked: wait, then try again', id: 'Keypad terkunci: tunggu, lalu coba lagi', taken: false },
});

/**
 * Every meter result code (the keys of METER_RESULTS), frozen.
 */
export const METER_RESULT_CODES = Object.freeze(Object.keys(METER_RESULTS) as MeterResultCode[]);

/**
 * Whether `v` is one of the meter result codes (METER_RESULT_CODES).
 * @param v - anything
 * @throws never
 */
export function isMeterResultCode(v: unknown): v is MeterResultCode {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(METER_RESULTS, v);
}

/**
 * Display message for a meter result code in 'en' (default) or 'id' (Bahasa Indonesia).
 * @param code - a meter result code
 * @param language - 'en' or 'id'
 * @throws HydroSyncError `USAGE` for an unknown code or language.
 */
export function meterResultMessage(code: MeterResultCode, language: 'en' | 'id' = 'en'): string {
  if (!isMeterResultCode(code)) fail('USAGE', `unknown meter result code; use one of ${METER_RESULT_CODES.join(', ')}`);
  if (language !== 'en' && language !== 'id') fail('USAGE', 'the language is "en" or "id"');
  return METER_RESULTS[code][language];
}
