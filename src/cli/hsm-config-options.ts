/**
 * The security module's configuration as options (hsm init, hsm config set): UTC offset of the
 * utility's local time, daily limits per vending point, and the PDAM block tariffs.
 */
import type { Command } from 'commander';
import type { HsmConfig } from '../hsm/types';
import { TARIFFS_FILE_FORMAT, readTariffsFile } from '../node/tariffs-file';
import type { CliContext } from './context';
import { parseInteger } from './option-values';
import { offsetText, thousands } from './hsm/issued-text';
import { table } from './token-text';
import { UTC_OFFSET_ENV, utcOffsetFromOptions } from './time-options';

export interface ConfigOptionValues {
  utcOffset?: string;
  dailyLimitLitres?: string;
  dailyLimitRupiah?: string;
  maxLitresPerSale?: string;
  tariffs?: string;
}

/** Add the configuration options. */
export function addConfigOptions(cmd: Command): Command {
  return cmd
    .optionsGroup('Configuration options:')
    .option('--utc-offset <minutes>', `UTC offset of the meters' local time for TIDs: 420 WIB, 480 WITA, 540 WIT (init default: $${UTC_OFFSET_ENV}, else the module's default)`)
    .option('--daily-limit-litres <n|none>', 'credit limit per vending point per day, in litres ("none": no limit)')
    .option('--daily-limit-rupiah <n|none>', 'limit per vending point per day for rupiah and currency vends, in whole rupiah ("none": no limit)')
    .option('--max-litres-per-sale <n>', 'the largest water sale in litres, also after a rupiah conversion (default 1000000 = 1,000 m³; at most 100000000, a water meter\'s register cap)')
    .option('--tariffs <file>', `block tariffs per customer group: JSON {"format":"${TARIFFS_FILE_FORMAT}","tariffs":[{"group":"R1","blocks":[{"upToCubicMetres":10,"rupiahPerCubicMetre":1500},…,{"upToCubicMetres":null,…}]}]}`)
    .optionsGroup('Options:');
}

function limit(text: string, option: string): number | null {
  if (text.trim().toLowerCase() === 'none') return null;
  return parseInteger(text, option, 1, Number.MAX_SAFE_INTEGER);
}

/** Configuration changes given by the options (only those given). */
export function configFromOptions(ctx: CliContext, o: ConfigOptionValues, options: { envOffset?: boolean } = {}): Partial<HsmConfig> {
  const out: Partial<HsmConfig> = {};
  const offset = o.utcOffset !== undefined || options.envOffset ? utcOffsetFromOptions(ctx, o.utcOffset) : undefined;
  if (offset !== undefined) out.utcOffsetMinutes = offset;
  if (o.dailyLimitLitres !== undefined) out.dailyLimitLitresPerVendingPoint = limit(o.dailyLimitLitres, '--daily-limit-litres');
  if (o.dailyLimitRupiah !== undefined) out.dailyLimitRupiahPerVendingPoint = limit(o.dailyLimitRupiah, '--daily-limit-rupiah');
  if (o.maxLitresPerSale !== undefined) out.maxLitresPerSale = parseInteger(o.maxLitresPerSale, '--max-litres-per-sale', 1, Number.MAX_SAFE_INTEGER);
  if (o.tariffs !== undefined) out.tariffs = readTariffsFile(o.tariffs);
  return out;
}

const ZONES: Record<number, string> = { 420: 'WIB', 480: 'WITA', 540: 'WIT' };

/** Human lines of a configuration. */
export function configLines(c: HsmConfig): string[] {
  const lines = table([
    ['Local time (TIDs)', `UTC${offsetText(c.utcOffsetMinutes)}${ZONES[c.utcOffsetMinutes] ? ` (${ZONES[c.utcOffsetMinutes]})` : ''}, ${c.utcOffsetMinutes} minutes`],
    ['Daily limit, litres', c.dailyLimitLitresPerVendingPoint === null ? 'none' : `${thousands(c.dailyLimitLitresPerVendingPoint)} L per vending point`],
    ['Daily limit, rupiah', c.dailyLimitRupiahPerVendingPoint === null ? 'none' : `Rp ${thousands(c.dailyLimitRupiahPerVendingPoint)} per vending point`],
    ['Largest sale', `${thousands(c.maxLitresPerSale)} L`],
    ['Tariffs', c.tariffs.length === 0 ? 'none (vend --rupiah needs one)' : c.tariffs.map((t) => t.group).join(', ')],
  ]);
  for (const t of c.tariffs) {
    lines.push(`  Tariff ${t.group}:`);
    let from = 0;
    for (const b of t.blocks) {
      lines.push(`    ${String(from).padStart(4)}–${b.upToCubicMetres === null ? '…' : String(b.upToCubicMetres)} m³  Rp ${thousands(b.rupiahPerCubicMetre)}/m³`);
      if (b.upToCubicMetres !== null) from = b.upToCubicMetres;
    }
  }
  return lines;
}
