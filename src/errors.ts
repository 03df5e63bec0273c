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
  | 'IO'
  /** Meter: the token's TID is below the oldest TID in the meter's TID memory (§8.2). */
  | 'OLD'
  /** Meter: the token's TID is already in the meter's TID memory: it was entered before (§8.2). */
  | 'USED'
  /** A credit token under a default key (KT 1, DDTK) is refused (§8.3). */
  | 'DDTK'
  /** A key change to a key type the meter does not allow from its current key type (§8.3). */
  | 'KEY_TYPE'
  /** Meter: a class 1 token carries another manufacturer's code (§8.1). */
  | 'MFR_CODE'
  /** Meter: accepting the token would overflow a register; the token is not consumed (§8.3). */
  | 'OVERFLOW'
  /** Meter: token entry is locked out after repeated rejected tokens (§8.4). */
  | 'LOCKOUT'
  /** A persisted state (meter state file) is corrupt or has an unknown version. */
  | 'STATE'
  /** Security module: an unknown meter, key or transaction. */
  | 'NOT_FOUND'
  /** Security module: the record already exists (e.g. a meter registered twice). */
  | 'CONFLICT'
  /** Security module: a credit limit (per vending point, per day) would be exceeded. */
  | 'LIMIT'
  /** Security module: the vending key is not active yet or past its issued-until date. */
  | 'KEY_INACTIVE'
  /** Security module: the master key is missing, malformed or not the one the store was made with. */
  | 'MASTER_KEY'
  /** Security module: the store is corrupt, locked or not a HydroSync store. */
  | 'STORE'
  /** Security module: the audit log's hash chain is broken. */
  | 'AUDIT'
  /** Meter report: the authenticator does not match (mistyped, another meter, another key, or altered). */
  | 'MAC'
  /** Bluetooth link: the meter could not be reached, did not answer in time, or the connection dropped. */
  | 'LINK';

/**
 * The brand every HydroSyncError carries, registered in the global symbol registry: the ESM and
 * CommonJS builds (or two copies of the package) loaded in one process each have their own class,
 * but share this symbol, so `isHydroSyncError` and `instanceof` recognise errors from either.
 */
const BRAND: unique symbol = Symbol.for('hydrosync.error') as never;

/**
 * The one error class of HydroSync: a stable machine-readable `code` (see HydroSyncErrorCode) and
 * a message a person can act on. Key material is never part of a message.
 *
 * `instanceof HydroSyncError` and `isHydroSyncError(e)` also recognise errors thrown by another
 * copy of the library (its ESM and CommonJS builds loaded together).
 *
 * @example
 * try {
 *   decodeToken(digits, key);
 * } catch (e) {
 *   if (isHydroSyncError(e) && e.code === 'CRC') console.log('mistyped or not for this meter');
 *   else throw e;
 * }
 */
export class HydroSyncError extends Error {
  readonly code: HydroSyncErrorCode;
  /**
   * An error with a stable code.
   * @param code - the stable code (HydroSyncErrorCode)
   * @param message - what went wrong and what to do, without key material
   * @param options - `cause`
   * @throws never
   */
  constructor(code: HydroSyncErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HydroSyncError';
    this.code = code;
  }

  /** Recognise HydroSyncErrors of every loaded copy of the library (ESM and CommonJS builds). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value);
  }
}

Object.defineProperty(HydroSyncError.prototype, BRAND, { value: true });

function hasBrand(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}

/** Throw a HydroSyncError; typed `never` so it works in expressions. */
export function fail(code: HydroSyncErrorCode, message: string): never {
  throw new HydroSyncError(code, message);
}

/**
 * Whether `e` is a HydroSyncError, from this or any other loaded copy of the library (it checks
 * the registered brand `Symbol.for('hydrosync.error')`, not the class identity).
 * @param e anything caught
 * @throws never
 * @example
 * if (isHydroSyncError(e)) console.error(`${e.code}: ${e.message}`);
 */
export function isHydroSyncError(e: unknown): e is HydroSyncError {
  return hasBrand(e);
}
