/** What the security module issued, for people: tokens, amounts, tariff breakdown, key change. */
import { localDateTime } from '../../codec/local-time';
import type { Issued, KeyChangeSummary } from '../../hsm/types';
import type { Hsm } from '../../hsm/hsm';
import type { CliContext } from '../context';
import { table } from '../token-text';
import { refusalsExit1 } from './refusals';
import { type StoreOptionValues, withHsm } from './store-options';

/** Kinds of the audit log and of Issued results, for people. */
const KIND_TITLES: Record<string, string> = {
  vend: 'water credit',
  'manage:clearCredit': 'clear credit',
  'manage:clearTamper': 'clear tamper',
  'manage:setWaterMeterFactor': 'set water meter factor',
  'manage:setMaximumPowerLimit': 'set maximum power limit',
  'manage:setMaximumPhasePowerUnbalanceLimit': 'set maximum phase power unbalance limit',
  keychange: 'key change',
};

/** A readable name of an issued kind ("manage:clearCredit" → "clear credit"). */
export function kindTitle(kind: string): string {
  return KIND_TITLES[kind] ?? kind;
}

/** 1234567 → "1,234,567" (integers only). */
export function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Whether the token carries more than requested in the same unit ("2.55 m³" → "2.6 m³"). */
function roundedUp(r: Issued): boolean {
  if (r.requested === undefined || r.encoded === undefined || r.requested === r.encoded) return false;
  const unit = (s: string) => s.trim().split(/\s+/).slice(1).join(' ');
  return r.tariff === undefined && unit(r.requested) !== '' && unit(r.requested) === unit(r.encoded);
}

/** The kind of an issued result, for people: a vend says what it was paid in. */
function issuedKindTitle(r: Issued): string {
  if (r.kind !== 'vend') return kindTitle(r.kind);
  if (r.tariff !== undefined) return `water credit, paid in rupiah (block tariff ${r.tariff.group})`;
  if (r.creditedLitres === undefined) return 'water currency credit (class 0 subclass 5)';
  return 'water credit (class 0 subclass 1)';
}

/** "+07:00" for 420 minutes, "-03:30" for -210. */
export function offsetText(utcOffsetMinutes: number): string {
  const m = Math.abs(utcOffsetMinutes);
  return `${utcOffsetMinutes < 0 ? '-' : '+'}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** An instant in the utility's local time with its offset: "2026-12-08T01:14+07:00" (never UTC beside local). */
export function zonedDateTime(iso: string, utcOffsetMinutes: number): string {
  return `${localDateTime(new Date(iso), utcOffsetMinutes)}${offsetText(utcOffsetMinutes)}`;
}

/**
 * The lines that show what was issued (human output). Every time is in one zone, the utility's
 * local time (config utcOffsetMinutes), written with its offset.
 */
export function issuedLines(r: Issued, utcOffsetMinutes: number): string[] {
  const lines: string[] = [];
  if (r.reissued) lines.push(`reissued: same token as transaction ${r.transactionId}, no new credit`);
  if (r.tokens.length === 1) {
    lines.push(`Token ${r.grouped[0]}`);
  } else {
    lines.push(`Tokens (${r.tokens.length}, enter them in this order):`);
    r.grouped.forEach((g, i) => lines.push(`  ${i + 1}. ${g}`));
  }
  const rows: ([string, string] | undefined)[] = [
    ['Meter (PAN)', r.pan],
    ['Kind', issuedKindTitle(r)],
    r.requested !== undefined ? ['Requested', r.requested] : undefined,
    r.encoded !== undefined
      ? ['Token carries', `${r.encoded}${r.creditedLitres !== undefined && !r.encoded.includes(' L') ? ` (${r.creditedLitres} L)` : ''}${roundedUp(r) ? ' (the standard rounds up, in the customer\'s favour)' : ''}`]
      : undefined,
    r.tid !== undefined ? ['TID', `${r.tid}${r.tidDateTime !== undefined ? ` = ${r.tidDateTime}${offsetText(utcOffsetMinutes)}` : ''}`] : undefined,
    ['Key revision', `KRN ${r.keyRevisionNumber}`],
    ['Transaction', r.transactionId],
    ['Issued at', zonedDateTime(r.issuedAt, utcOffsetMinutes)],
  ];
  lines.push(...table(rows));
  if (r.tariff) lines.push(...tariffLines(r.tariff));
  if (r.keyChange) lines.push(...keyChangeLines(r.keyChange));
  for (const n of r.notes ?? []) lines.push(`  Note: ${n}`);
  return lines;
}

/** The meter's key before → after a key change. */
function keyChangeLines(k: KeyChangeSummary): string[] {
  const pairs: [string, string | number, string | number][] = [
    ['Key revision (KRN)', k.from.keyRevisionNumber, k.to.keyRevisionNumber],
    ['Key type (KT)', k.from.keyType, k.to.keyType],
    ['Key expiry (KEN)', k.from.keyExpiryNumber, k.to.keyExpiryNumber],
    ['Tariff index (TI)', k.from.tariffIndex, k.to.tariffIndex],
    ['Supply group (SGC)', k.from.supplyGroupCode, k.to.supplyGroupCode],
    ['Base date', k.from.baseDate, k.to.baseDate],
    ['Vending key', k.from.vendingKeyId, k.to.vendingKeyId],
  ];
  const rows: [string, string][] = pairs.map(([label, a, b]) => [label, a === b ? `${String(b)} (unchanged)` : `${String(a)} → ${String(b)}`]);
  rows.push(['Rollover (RO)', k.rollover ? '1: new base date, the meter clears its TID memory' : '0']);
  return [`  Key change (${k.tokenCount} tokens):`, ...table(rows, '    ')];
}

/** The block tariff breakdown of a rupiah vend. */
function tariffLines(t: NonNullable<Issued['tariff']>): string[] {
  const lines = [`  Tariff ${t.group} (bought this month before this vend: ${thousands(t.monthToDateLitres)} L)`];
  const rows: [string, string][] = t.lines.map((l) => [
    `${l.fromCubicMetres}–${l.toCubicMetres ?? '…'} m³`,
    `${thousands(l.litres).padStart(7)} L × Rp ${thousands(l.rupiahPerCubicMetre)}/m³ = Rp ${thousands(l.rupiah)}`,
  ]);
  lines.push(...table(rows, '    '));
  lines.push(`  Paid Rp ${thousands(t.paidRupiah)}, charged Rp ${thousands(t.chargedRupiah)}, change Rp ${thousands(t.changeRupiah)}`);
  return lines;
}

/**
 * Print an issued result: one JSON document, only the grouped tokens one per line (--quiet), or
 * the human lines (times at `utcOffsetMinutes`).
 */
export function printIssued(ctx: CliContext, r: Issued, o: { json?: boolean; quiet?: boolean }, utcOffsetMinutes: number): void {
  if (o.json) ctx.json(r);
  else for (const l of o.quiet ? r.grouped : issuedLines(r, utcOffsetMinutes)) ctx.out(l);
}

/** Run an issuing operation on the store's module (a refusal exits 1) and print what it issued. */
export async function issueAndPrint(ctx: CliContext, o: StoreOptionValues & { quiet?: boolean }, issue: (hsm: Hsm) => Promise<Issued>): Promise<void> {
  await refusalsExit1(ctx, () => withHsm(ctx, o, async ({ hsm }) => printIssued(ctx, await issue(hsm), o, (await hsm.config()).utcOffsetMinutes)));
}
