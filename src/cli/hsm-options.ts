/**
 * Shared options and helpers of `hydrosync hsm …`: where the store is, the master key, who asks
 * (operator, vending point, transaction id), how refusals map to exit codes, and how an issued
 * result is printed.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { HydroSyncError } from '../errors';
import type { Hsm, HsmStore } from '../hsm';
import { openHsm } from '../hsm';
import type { Issued, KeyChangeSummary, RequestContext } from '../hsm/types';
import {
  MASTER_KEY_ENV, MASTER_KEY_FILE_ENV, type MasterKeyText, checkMasterKeyHex, masterKeyBytes, readMasterKeyFile,
} from './files/master-key-file';
import { type StoreLocation, STORE_ENV, resolveStorePath, storeExists } from './files/store-path';
import { type CliContext, errorText } from './context';
import { CliExit, EXIT, usage } from './exit-codes';
import { table } from './token-text';

export const OPERATOR_ENV = 'HYDROSYNC_OPERATOR';
export const VENDING_POINT_ENV = 'HYDROSYNC_VENDING_POINT';

/** Values of the store options (every hsm command). */
export interface StoreOptionValues {
  store?: string;
  masterKeyFile?: string;
  json?: boolean;
}

/** Values of the request options (commands that issue tokens or change the store). */
export interface RequestOptionValues {
  operator?: string;
  vendingPoint?: string;
  txn?: string;
}

/**
 * Error codes that mean "the security module refused the operation" (exit 1): the request was
 * well-formed but policy, state or the standard says no. Everything else from a command (USAGE,
 * FORMAT, CHECK_DIGIT, KEY, IO, MASTER_KEY, STORE, …) is an input, usage or environment error
 * (exit 2).
 */
export const REFUSAL_CODES: ReadonlySet<string> = new Set([
  'KEY_EXPIRED', 'DDTK', 'LIMIT', 'KEY_INACTIVE', 'NOT_FOUND', 'CONFLICT', 'RANGE', 'AUDIT', 'TID',
  'KEY_CHANGE', 'KEY_TYPE', 'OVERFLOW',
]);

/** Add --store and --master-key-file (and --json) to a command. */
export function addStoreOptions(cmd: Command, options: { masterKey?: boolean } = {}): Command {
  cmd
    .optionsGroup('Store options:')
    .option('--store <file>', `the security module's store (default: $${STORE_ENV}, else $XDG_DATA_HOME/hydrosync/hsm.sqlite, else ~/.local/share/hydrosync/hsm.sqlite)`);
  if (options.masterKey !== false) {
    cmd.option('--master-key-file <file>', `file with the master key: 64 hex digits or {"format":"hydrosync-master-key/1","masterKey":"…"} (or $${MASTER_KEY_FILE_ENV}, or the key itself in $${MASTER_KEY_ENV})`);
  }
  return cmd.optionsGroup('Options:');
}

/** Add --operator, and unless `adminOnly` --vending-point and --txn (administration records only the operator). */
export function addRequestOptions(cmd: Command, options: { adminOnly?: boolean } = {}): Command {
  cmd
    .optionsGroup('Request options:')
    .option('--operator <name>', `who asks, for the audit log (default: $${OPERATOR_ENV}, else your user name)`);
  if (options.adminOnly !== true) {
    cmd.option('--vending-point <name>', `till, kiosk or channel, for limits and the audit log (default: $${VENDING_POINT_ENV}, else "cli")`);
    cmd.option('--txn <id>', 'transaction id: the same id again returns the same token(s) again, with no new credit (default: a new id)');
  }
  return cmd.optionsGroup('Options:');
}

function envValue(ctx: CliContext, name: string): string | undefined {
  const v = ctx.io.env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** The operator name: --operator, $HYDROSYNC_OPERATOR, the OS user name, else "unknown". */
export function operatorName(ctx: CliContext, o: RequestOptionValues): string {
  const given = o.operator ?? envValue(ctx, OPERATOR_ENV);
  if (given !== undefined) return checkName(given, o.operator !== undefined ? '--operator' : OPERATOR_ENV);
  try {
    const name = userInfo().username;
    if (name) return name;
  } catch {
    // no user database entry (containers): fall through
  }
  return envValue(ctx, 'USER') ?? envValue(ctx, 'LOGNAME') ?? 'unknown';
}

function checkName(value: string, what: string): string {
  const v = value.trim();
  if (v === '' || v.length > 100 || /[\u0000-\u001f\u007f]/.test(v)) usage(`${what} must be 1 to 100 printable characters`);
  return v;
}

/** Who asks: operator, vending point and (when given) the transaction id. */
export function requestContext(ctx: CliContext, o: RequestOptionValues): RequestContext {
  const vendingPoint = o.vendingPoint !== undefined
    ? checkName(o.vendingPoint, '--vending-point')
    : envValue(ctx, VENDING_POINT_ENV) !== undefined ? checkName(envValue(ctx, VENDING_POINT_ENV)!, VENDING_POINT_ENV) : 'cli';
  const out: RequestContext = { operator: operatorName(ctx, o), vendingPoint };
  if (o.txn !== undefined) out.transactionId = checkName(o.txn, '--txn');
  return out;
}

/** The store's location from --store / the environment. */
export function storeLocation(ctx: CliContext, o: StoreOptionValues): StoreLocation {
  return resolveStorePath(o.store, ctx.io.env);
}

/**
 * The master key: --master-key-file FILE, else $HYDROSYNC_MASTER_KEY_FILE, else
 * $HYDROSYNC_MASTER_KEY (the hex itself). Never a command-line argument. Warns when the file can
 * be read by its group or others.
 */
export function masterKeyFromOptions(ctx: CliContext, o: StoreOptionValues): Uint8Array {
  const text = masterKeyText(ctx, o);
  if (text === undefined) {
    return usage(`the security module needs its master key: give --master-key-file FILE, or set ${MASTER_KEY_FILE_ENV} (a file) or ${MASTER_KEY_ENV} (64 hex digits)`);
  }
  return masterKeyBytes(text.hex);
}

/** The master key text if one is given (also used by init to refuse ambiguity). */
export function masterKeyText(ctx: CliContext, o: StoreOptionValues): MasterKeyText | undefined {
  const file = o.masterKeyFile ?? envValue(ctx, MASTER_KEY_FILE_ENV);
  const envHex = ctx.io.env[MASTER_KEY_ENV];
  if (envHex !== undefined && envHex.trim() !== '') {
    // Register it as a secret before anything else can quote it.
    ctx.addSecret(envHex);
  }
  if (file !== undefined) {
    const r = readMasterKeyFile(file);
    ctx.addSecret(r.hex);
    if (r.exposedMode !== undefined) {
      ctx.warn(`${r.source} can be read by other users (mode ${r.exposedMode.toString(8).padStart(4, '0')}): run chmod 600 ${file}`);
    }
    return r;
  }
  if (envHex === undefined || envHex.trim() === '') return undefined;
  const hex = checkMasterKeyHex(envHex, MASTER_KEY_ENV);
  ctx.addSecret(hex);
  return { hex, source: MASTER_KEY_ENV };
}

/** Open the SQLite store (loaded on demand, so the token commands work without better-sqlite3). */
export async function openStoreFile(path: string, options: { create?: boolean } = {}): Promise<HsmStore> {
  const { openSqliteStore } = await import('../node/hsm-sqlite-store');
  return openSqliteStore(path, options);
}

/** An open security module and where its store is. */
export interface OpenHsm {
  hsm: Hsm;
  location: StoreLocation;
}

/**
 * Open the store named by the options with the master key and run `f`; always closes the store.
 * A missing store is a STORE error that says to run `hsm init`.
 */
export async function withHsm<T>(ctx: CliContext, o: StoreOptionValues, f: (open: OpenHsm) => T | Promise<T>): Promise<T> {
  const location = storeLocation(ctx, o);
  if (!storeExists(location.path)) {
    const how = location.from === '--store' ? '' : ` (the ${location.from === 'default' ? 'default location' : `location from ${location.from}`}; give --store FILE or set ${STORE_ENV} for another)`;
    throw new HydroSyncError('STORE', `no security module store at ${location.path}${how}: create one with 'hydrosync hsm init'`);
  }
  const masterKey = masterKeyFromOptions(ctx, o);
  const store = await openStoreFile(location.path, { create: false });
  let hsm: Hsm;
  try {
    hsm = openHsm({ store, masterKey, clock: ctx.io.now ?? (() => new Date()) });
  } catch (e) {
    closeQuietly(store);
    throw e;
  }
  try {
    return await f({ hsm, location });
  } finally {
    hsm.close();
  }
}

function closeQuietly(store: HsmStore): void {
  const s = store as { close?: () => void };
  try {
    s.close?.();
  } catch {
    // closing after a failed open: nothing more to say
  }
}

/**
 * Run a command body; a refusal of the security module (REFUSAL_CODES) is printed as one line and
 * ends the command with exit 1. Other errors go on to runCli (exit 2 for HydroSyncError).
 */
export async function refusalsExit1(ctx: CliContext, f: () => Promise<void> | void): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (e instanceof HydroSyncError && REFUSAL_CODES.has(e.code)) {
      ctx.error(errorText(e));
      throw new CliExit(EXIT.FAILED);
    }
    throw e;
  }
}

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

/** The lines that show what was issued (human output). */
export function issuedLines(r: Issued): string[] {
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
    r.tid !== undefined ? ['TID', `${r.tid}${r.tidDateTime !== undefined ? ` = ${r.tidDateTime} (meter local time)` : ''}`] : undefined,
    ['Key revision', `KRN ${r.keyRevisionNumber}`],
    ['Transaction', r.transactionId],
    ['Issued at', r.issuedAt],
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

/** Print an issued result: one JSON document, or the human lines. */
export function printIssued(ctx: CliContext, r: Issued, o: { json?: boolean }): void {
  if (o.json) {
    ctx.json(r);
    return;
  }
  for (const l of issuedLines(r)) ctx.out(l);
}

/** Examples block for help text. */
export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`;
}

/** An 18-digit MeterPAN from --pan (spaces and dashes allowed); the library checks the Luhn digit. */
export function panOption(value: string | undefined, what = '--pan'): string {
  if (value === undefined) return usage(`give the meter: ${what} PAN (18 digits)`);
  const d = value.replace(/[\s-]/g, '');
  if (!/^\d{18}$/.test(d)) usage(`${what} must be an 18-digit MeterPAN; got ${d.length > 30 ? `${d.length} characters` : JSON.stringify(d)}`);
  return d;
}

/** Rows of cells as left-aligned columns separated by two spaces. */
export function columns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

/**
 * The default subcommand of a group (`hsm audit` = `hsm audit list`) takes no arguments: a word
 * after the group is an unknown subcommand, said as such (not "too many arguments for 'list'").
 */
export function defaultSubcommand(cmd: Command): Command {
  return cmd.allowExcessArguments(true).hook('preAction', (_this, action) => {
    const extra = action.args;
    if (extra.length === 0) return;
    const group = action.parent!;
    const names = group.commands.map((c) => c.name());
    usage(`unknown command '${extra[0]}' for 'hydrosync hsm ${group.name()}': use one of ${names.join(', ')}`);
  });
}
