/**
 * The emulated security module (HSM): public types. This file is the contract between the core
 * (src/hsm), the storage adapters (memory here, SQLite in src/node) and the CLI (`hydrosync hsm`).
 *
 * Every operation is asynchronous and runs in one store transaction: a vend reads and updates the
 * meter, the limits and the audit chain's head in that transaction, so two vends never interleave.
 */
import type { BaseDate } from '../codec/tid';
import type { Dkga, EncryptionAlgorithm, KeyParameters, KeyType } from '../keys/types';

/** Vending key type (reference §7.6): unique → DUTK (KT 2), default → DDTK (KT 1), common → DCTK (KT 3). */
export type VendingKeyType = 'unique' | 'default' | 'common';

/** A vending key's attributes as listed (never the key bits). */
export interface VendingKeyInfo {
  /** Stable id chosen by the operator, e.g. "201457-krn1". Unique in the store. */
  id: string;
  dkga: Dkga;
  /** 64 or 160. */
  bits: number;
  supplyGroupCode: string;
  keyRevisionNumber: number;
  vendingKeyType: VendingKeyType;
  baseDate: BaseDate;
  encryptionAlgorithm: EncryptionAlgorithm;
  /** Naive local date-time from which the key may issue tokens. */
  activeFrom: string;
  /** Naive local date-time after which the key must not issue tokens (null: never). */
  issuedUntil: string | null;
  /** A key check value (first 6 hex digits of a one-way function of the key) so operators can compare keys without seeing them. */
  checkValue: string;
  importedAt: string;
}

/** A vending key as imported (the key bits are given once, then only stored wrapped). */
export interface VendingKeyImport extends Omit<VendingKeyInfo, 'bits' | 'activeFrom' | 'issuedUntil' | 'checkValue' | 'importedAt'> {
  /** DKGA02: 64-bit key (16 hex digits); DKGA04: 160-bit key (40 hex digits). */
  keyHex: string;
  /** Naive local date-time from which the key may issue tokens (default: now). */
  activeFrom?: string;
  /** Naive local date-time after which the key must not issue tokens (default: never). */
  issuedUntil?: string;
}

/** Block tariff of a customer group (PDAM style): integer rupiah per m³ for each monthly block. */
export interface TariffBlock {
  /** Upper bound of the block in m³ per month (exclusive of the next block); null for the last block. */
  upToCubicMetres: number | null;
  /** Price in whole rupiah per m³ within this block. */
  rupiahPerCubicMetre: number;
}
export interface Tariff {
  /** Customer group code, e.g. "R1" (household), "N2" (commercial). */
  group: string;
  blocks: TariffBlock[];
}

/** A registered meter (the utility admin's "register a customer and meter"): its key attributes and more. */
export interface MeterRecord extends MeterKeyAttributes {
  /** 18-digit MeterPAN. */
  pan: string;
  customerReference: string;
  /** Tariff group for `vend --rupiah` (see Tariff). */
  customerGroup: string;
  /** Meter profile name (default "water"). */
  profile: string;
  /** The highest TID issued to this meter under its current base date (null: none yet). */
  lastTid: number | null;
  /**
   * Water volume sold to this meter in a local calendar month ("YYYY-MM"), litres: block tariffs
   * start from it. A different month than the current one counts as 0. Absent: nothing sold yet.
   */
  monthToDate?: { month: string; litres: number };
  registeredAt: string;
}

export type MeterAdd = Omit<MeterRecord, 'lastTid' | 'monthToDate' | 'registeredAt' | 'keyExpiryNumber' | 'profile' | 'customerGroup' | 'tariffIndex' | 'keyType' | 'vendingKeyId'> & {
  keyExpiryNumber?: number; profile?: string; customerGroup?: string; tariffIndex?: string; keyType?: KeyType;
  /** Default: the vending key matching SGC, KRN, base date and algorithm. */
  vendingKeyId?: string;
};

/** Who asks, and the request's idempotency key. */
export interface RequestContext {
  /** Operator (user) name, recorded in the audit log. */
  operator: string;
  /** Vending point (till, kiosk, app channel), for credit limits and the audit log. */
  vendingPoint: string;
  /** Transaction id: a second request with the same id returns the same result again (reissue). Default: generated. */
  transactionId?: string;
}

/** What to vend: exactly one of litres, cubicMetres (decimal string), rupiah (via the tariff) or currency (class 0 sub 5). */
export interface VendRequest extends RequestContext {
  pan: string;
  /** Whole litres: a number, or text in parseDecimalAmount's grammar ("2_500"). */
  litres?: number | string;
  /** Cubic metres as text in parseDecimalAmount's grammar ("2.5": at most 3 fraction digits). */
  cubicMetres?: string;
  /** Whole rupiah (a number, or text such as "50_000"; a fraction is FORMAT), converted to volume with the customer group's block tariff. */
  rupiah?: number | string;
  /** Water currency token (class 0 subclass 5), amount in currency units as text in parseDecimalAmount's grammar ("25_000", "12.5"). */
  currency?: string;
  /** Daily limits of this vending point tighter than the module's (e.g. its API key's): litres and rupiah a local day; the smaller applies. */
  dailyLimits?: { litres?: number | null; rupiah?: number | null };
}

export interface TariffLine {
  /** Block bounds in m³ (decimal strings), price per m³, litres bought in this block and their cost. */
  fromCubicMetres: string;
  toCubicMetres: string | null;
  rupiahPerCubicMetre: number;
  litres: number;
  rupiah: number;
}

export interface TariffBreakdown {
  group: string;
  /** Volume already bought this month before this vend, litres. */
  monthToDateLitres: number;
  paidRupiah: number;
  /** Rupiah actually charged for the volume issued (≤ paid). */
  chargedRupiah: number;
  /** Rupiah left over (too little for the next 100-litre unit); returned to the customer. */
  changeRupiah: number;
  lines: TariffLine[];
}

/** Every operation's result shows what was issued. */
export interface Issued {
  transactionId: string;
  /** true when this transaction id was seen before and the same tokens are returned again. */
  reissued: boolean;
  pan: string;
  kind: string;
  /** One token, or a key-change set in entry order. */
  tokens: string[];
  /** Grouped 4-4-4-4-4. */
  grouped: string[];
  /** TID and its naive local date-time under the meter's base date (absent for key-change sets). */
  tid?: number;
  tidDateTime?: string;
  keyRevisionNumber: number;
  /** The amount as requested and as encoded (the standard rounds up), when there is one. */
  requested?: string;
  encoded?: string;
  /** For water volume: litres the token carries. */
  creditedLitres?: number;
  tariff?: TariffBreakdown;
  /** Key-change sets: the key before and after, and whether the set rolls the base date over. */
  keyChange?: KeyChangeSummary;
  /** Things the person handing out the tokens must tell the customer (entry order, …). */
  notes?: string[];
  /** ISO 8601 UTC instant of issue. */
  issuedAt: string;
}

/** A meter's key attributes (as registered, or before and after a key change): its decoder key's parameters but the PAN. */
export interface MeterKeyAttributes extends Omit<KeyParameters, 'pan' | 'keyExpiryNumber'> {
  /** Id of the vending key the meter's decoder key is derived from. */
  vendingKeyId: string;
  keyExpiryNumber: number;
}

export interface KeyChangeSummary {
  from: MeterKeyAttributes;
  to: MeterKeyAttributes;
  /** RO = 1: the base date advances and the meter resets its TID memory (§5.4). */
  rollover: boolean;
  tokenCount: 2 | 3 | 4;
}

export type ManageRequest = RequestContext & { pan: string } & (
  | { action: 'clearCredit'; register?: number }
  | { action: 'clearTamper' }
  | { action: 'setWaterMeterFactor'; factor: number }
  | { action: 'setMaximumPowerLimit'; watts: number }
  | { action: 'setMaximumPhasePowerUnbalanceLimit'; watts: number }
);

export interface KeyChangeRequest extends RequestContext {
  pan: string;
  /** The vending key of the new decoder key (default: the meter's current vending key). */
  newVendingKeyId?: string;
  newKeyRevisionNumber?: number;
  newKeyType?: KeyType;
  newKeyExpiryNumber?: number;
  newTariffIndex?: string;
  newSupplyGroupCode?: string;
  /** New base date; a change of base date is a rollover (RO = 1). */
  newBaseDate?: BaseDate;
  /** For 64-bit keys: a 3-token set carrying the SGC. */
  threeTokenSet?: boolean;
}

/** One record of the hash-chained audit log. Never carries key material. */
export interface AuditRecord {
  /**
   * The hash chain the record belongs to: one per vending node ('main' unless the module was
   * opened with another `node` name), so nodes append without waiting for each other.
   */
  chain: string;
  /** Position in its chain, from 1. */
  seq: number;
  /** ISO 8601 UTC instant. */
  at: string;
  operator: string;
  vendingPoint: string;
  transactionId: string;
  pan: string | null;
  /**
   * What was asked: 'init', 'config', 'key-import', 'meter-add', 'vend', 'manage:clearCredit',
   * 'manage:clearTamper', 'manage:setWaterMeterFactor', 'manage:setMaximumPowerLimit',
   * 'manage:setMaximumPhasePowerUnbalanceLimit', 'keychange'. A reissue keeps the original kind
   * and has outcome 'reissued'.
   */
  kind: string;
  outcome: 'issued' | 'reissued' | 'refused' | 'done';
  /** Error code for refusals. */
  errorCode: string | null;
  /**
   * Issued: the amount as encoded ("2600 L", "2.6 m³", "50000 currency", "2200 W", "register 1");
   * refused: the amount as requested; key change: the new key's attributes ("KRN 2, KT 2, …").
   */
  amount: string | null;
  tid: number | null;
  /** SHA-256 (hex) of the token digits (all tokens of a set, joined by ","); null if none. */
  tokenHash: string | null;
  /** Hash of the previous record (64 zero hex digits for the first). */
  prevHash: string;
  /** SHA-256 over this record's canonical form including prevHash. */
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  records: number;
  /**
   * The first bad record's seq and why: 'edited', 'deleted', 'inserted', 'reordered', 'truncated'
   * (records missing at the end), or 'head' (the head row itself was altered or is missing).
   */
  firstBad?: { chain: string; seq: number; reason: string; message: string };
}

/** Configuration kept in the store at init. */
export interface HsmConfig {
  /** UTC offset of the utility's local time in minutes (420 WIB, 480 WITA, 540 WIT). */
  utcOffsetMinutes: number;
  /** Daily credit limit per vending point in litres (null: no limit). */
  dailyLimitLitresPerVendingPoint: number | null;
  /** Daily limit per vending point in rupiah for rupiah/currency vends (null: no limit). */
  dailyLimitRupiahPerVendingPoint: number | null;
  /**
   * The largest water sale in litres, after a rupiah conversion too (default 1,000,000 L =
   * 1,000 m³; at most 100,000,000 L, the register cap of a water meter). Above it: RANGE.
   */
  maxLitresPerSale: number;
  tariffs: Tariff[];
}

/** One row of a fleet CSV file: a KeyChangeRequest without its RequestContext. */
export type FleetRow = Omit<KeyChangeRequest, keyof RequestContext>;

/** One meter of a fleet key change (Hsm.keyChangeFleet): a fleet row and, optionally, its own transaction id (default: a new one). */
export type FleetRequest = FleetRow & { transactionId?: string };

/**
 * One meter's outcome of a fleet key change. `errorCode` 'UNCHANGED': the meter was already on the
 * target key and was skipped (nothing recorded, not a refusal).
 */
export type FleetOutcome =
  | { pan: string; ok: true; tokens: string[] }
  | { pan: string; ok: false; errorCode: string; message: string };

/** After each recorded chunk: meters done so far, of how many, and the outcomes of that chunk. */
export interface FleetProgress {
  done: number;
  total: number;
  outcomes: readonly FleetOutcome[];
}

export interface FleetOptions {
  /** Meters per store transaction (default 2000). */
  chunkSize?: number;
  /** Called after each chunk is recorded (its outcomes are then final). If it throws, the run stops with that error. */
  onProgress?: (progress: FleetProgress) => void;
  /** Checked before each chunk: once aborted, the run stops with the signal's reason (an AbortSignal fits). */
  signal?: { readonly aborted: boolean; readonly reason?: unknown };
}

/** A whole fleet run: one outcome per request, in request order, and the counts. */
export interface FleetResult {
  outcomes: FleetOutcome[];
  issued: number;
  refused: number;
  unchanged: number;
}
