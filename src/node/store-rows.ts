/**
 * Rows of the meters and vending_keys tables, as both SQL stores name their columns (SQLite and
 * PostgreSQL): a row read ↔ the core's record, and a record's values in the column order of their
 * INSERT and UPDATE statements (the PAN last).
 */
import type { VendingKeyRow } from '../hsm/store';
import type { MeterRecord } from '../hsm/types';

type Row = Record<string, unknown>;

export const meterFromRow = (r: Row): MeterRecord => ({
  pan: r.pan as string, customerReference: r.customer_reference as string, customerGroup: r.customer_group as string,
  supplyGroupCode: r.supply_group_code as string, tariffIndex: r.tariff_index as string, keyRevisionNumber: r.key_revision_number as number,
  keyType: r.key_type as MeterRecord['keyType'], keyExpiryNumber: r.key_expiry_number as number,
  encryptionAlgorithm: r.encryption_algorithm as MeterRecord['encryptionAlgorithm'], baseDate: r.base_date as MeterRecord['baseDate'],
  profile: r.profile as string, vendingKeyId: r.vending_key_id as string, lastTid: r.last_tid as number | null,
  ...(r.month_to_date_month === null ? {} : { monthToDate: { month: r.month_to_date_month as string, litres: r.month_to_date_litres as number } }),
  registeredAt: r.registered_at as string,
});
export const meterParams = (m: MeterRecord) => [
  m.customerReference, m.customerGroup, m.supplyGroupCode, m.tariffIndex, m.keyRevisionNumber, m.keyType, m.keyExpiryNumber,
  m.encryptionAlgorithm, m.baseDate, m.profile, m.vendingKeyId, m.lastTid, m.monthToDate?.month ?? null, m.monthToDate?.litres ?? null,
  m.registeredAt, m.pan,
];
export const keyFromRow = (r: Row): VendingKeyRow => ({
  id: r.id as string, dkga: r.dkga as VendingKeyRow['dkga'], bits: r.bits as number, supplyGroupCode: r.supply_group_code as string,
  keyRevisionNumber: r.key_revision_number as number, vendingKeyType: r.vending_key_type as VendingKeyRow['vendingKeyType'],
  baseDate: r.base_date as VendingKeyRow['baseDate'], encryptionAlgorithm: r.encryption_algorithm as VendingKeyRow['encryptionAlgorithm'],
  activeFrom: r.active_from as string, issuedUntil: r.issued_until as string | null, checkValue: r.check_value as string,
  importedAt: r.imported_at as string, wrapped: Uint8Array.from(r.wrapped as Uint8Array),
});
