/**
 * One error class for the whole library, with a stable machine-readable `code`.
 * Codes are part of the public API: never rename one, only add.
 */
export type HydroSyncErrorCode =
  /** Input is not in the expected shape (not 20 digits, bad hex, > 2^66 − 1, …). */
  | 'FORMAT'
  /** The token's CRC does not match: mistyped, another meter, or another key. */
  | 'CRC'
  /** A value is outside the range its field or the standard allows. */
  | 'RANGE'
  /** The class or subclass is reserved or not supported. */
  | 'FUNCTION'
  /** A Luhn check digit (MeterPAN, DRN) is wrong. */
  | 'CHECK_DIGIT'
  /** A key, key object or key parameter is invalid or does not fit the algorithm. */
  | 'KEY'
  /** A date-time is before the base date or past TID rollover, or a TID is the reserved 00:01 minute. */
  | 'TID'
  /** The token's TID is past the KeyExpiryNumber of the key (TID >> 16 > KEN, §5.5). */
  | 'KEY_EXPIRED'
  /** STA tables are malformed or unknown. */
  | 'TABLES'
  /** A key-change token set is incomplete or inconsistent. */
  | 'KEY_CHANGE'
  /** A vector file is malformed or uses an unknown format/kind. */
  | 'VECTOR'
  /** Command-line usage error. */
  | 'USAGE'
  /** A file could not be read or written. */
  | 'IO';

export class HydroSyncError extends Error {
  readonly code: HydroSyncErrorCode;
  constructor(code: HydroSyncErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HydroSyncError';
    this.code = code;
  }
}

/** Throw a HydroSyncError; typed `never` so it works in expressions. */
export function fail(code: HydroSyncErrorCode, message: string): never {
  throw new HydroSyncError(code, message);
}

export function isHydroSyncError(e: unknown): e is HydroSyncError {
  return e instanceof HydroSyncError;
}
