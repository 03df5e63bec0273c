/**
 * Options shared by the `hydrosync meter …` commands: the state file, STA tables for EA07 meters,
 * the meter's clock (--at, --now with a UTC offset; never the host time zone) and the language of
 * the meter's messages.
 */
import type { Command } from 'commander';
import { floorDiv } from '../codec/wall-clock';
import { meterSeconds } from '../meter/clock';
import type { Meter } from '../meter/meter';
import { type LoadedMeter, MeterStateFile } from '../node/meter-state-file';
import { METER_STATE_ENV, resolveMeterStatePath } from './files/meter-state-path';
import type { CliContext } from './context';
import { usage } from './exit-codes';
import { staTablesFromOptions } from './options/sta-tables';
import { UTC_OFFSET_ENV, utcOffsetFromOptions } from './time-options';

export interface StateOptionValues {
  state?: string;
  staTables?: string;
}

export interface MeterTimeOptionValues {
  at?: string;
  now?: boolean;
  utcOffset?: string;
}

export const STATE_OPTION_HELP = `meter state file (default: $${METER_STATE_ENV}, else $XDG_STATE_HOME/hydrosync/meter.json, else ~/.local/state/hydrosync/meter.json)`;

/** Add --state and --sta-tables. */
export function addStateOptions(cmd: Command): Command {
  return cmd
    .option('--state <file>', STATE_OPTION_HELP)
    .option('--sta-tables <file>', 'STA tables for an EA07 meter (or HYDROSYNC_STA_TABLES; give the same tables every time)');
}

/** Add --at, --now and --utc-offset. */
export function addMeterTimeOptions(cmd: Command, what: string): Command {
  return cmd
    .optionsGroup('Meter clock options:')
    .option('--at <when>', `meter time of the ${what}: naive local time YYYY-MM-DDTHH:MM[:SS]`)
    .option('--now', `meter time = now, in the zone given by --utc-offset or ${UTC_OFFSET_ENV}`)
    .option('--utc-offset <minutes>', `offset of the meter's local time from UTC in minutes for --now: 420 WIB, 480 WITA, 540 WIT (or ${UTC_OFFSET_ENV})`)
    .optionsGroup('Options:');
}

/** The state file (--state, the environment or the XDG default) with the STA tables from --sta-tables or HYDROSYNC_STA_TABLES. */
export function meterStateFile(ctx: CliContext, o: StateOptionValues): MeterStateFile {
  const tables = staTablesFromOptions(ctx, o.staTables);
  return new MeterStateFile(resolveMeterStatePath(o.state, ctx.io.env).path, { keyOptions: tables ? { staTables: tables } : {} });
}

/**
 * Note a loaded (or updated) meter's key as secret for this run, so no message can carry it, and
 * show the key's warnings (EA09, sample STA tables).
 */
export function guardMeterKey(ctx: CliContext, meter: Meter): void {
  ctx.addSecret(meter.key.exportHex());
  for (const w of meter.key.warnings) ctx.warn(w);
}

/** Load for a read-only command; warns when the state file is readable by others. */
export function loadMeterForCommand(ctx: CliContext, file: MeterStateFile): LoadedMeter {
  const loaded = file.load();
  guardMeterKey(ctx, loaded.meter);
  warnOpenMode(ctx, file.path, loaded.mode);
  return loaded;
}

/** The state holds the decoder key: say so when group or others may read it. */
export function warnOpenMode(ctx: CliContext, path: string, mode: number): void {
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    ctx.warn(`the meter state ${path} is readable by other users (mode 0${mode.toString(8)}) and holds the meter's decoder key: chmod 600 ${path}`);
  }
}

/**
 * The meter time (seconds of naive local time) from --at or --now. With neither: `fallback`
 * 'now' means --now (which then needs a UTC offset), 'none' returns undefined (the command keeps
 * the meter's own clock).
 */
export function meterTimeFromOptions(ctx: CliContext, o: MeterTimeOptionValues, fallback: 'now' | 'none'): number | undefined {
  if (o.at !== undefined && o.now === true) usage('give only one of --at and --now');
  if (o.at !== undefined) {
    if (o.utcOffset !== undefined) usage('--utc-offset goes with --now; --at is already the meter\'s local time');
    return meterSeconds(o.at.trim());
  }
  if (o.now !== true && fallback === 'none') {
    if (o.utcOffset !== undefined) usage('--utc-offset goes with --now');
    return undefined;
  }
  const offset = utcOffsetFromOptions(ctx, o.utcOffset);
  if (offset === undefined) {
    return usage(`no meter time: give --at YYYY-MM-DDTHH:MM, or --now with --utc-offset MINUTES (or ${UTC_OFFSET_ENV}; 420 = WIB); the host time zone is never used`);
  }
  return floorDiv(ctx.now().getTime(), 1000) + offset * 60;
}

/**
 * One locked update of the state at the time of --at/--now, else at the meter's own clock (which
 * an earlier event must have set): `apply` runs with the meter and that time.
 */
export function updateMeterAt<T>(
  ctx: CliContext, o: StateOptionValues & MeterTimeOptionValues, apply: (meter: Meter, at: number | undefined) => T | Promise<T>,
): Promise<{ result: T; meter: Meter }> {
  const at = meterTimeFromOptions(ctx, o, 'none');
  return meterStateFile(ctx, o).update((meter) => {
    guardMeterKey(ctx, meter);
    if (at === undefined && meter.clock === null) usage("the meter's clock is not set yet (no event so far): give --at YYYY-MM-DDTHH:MM or --now");
    return apply(meter, at);
  });
}

export type MeterLanguage = 'en' | 'id';

/** --lang en|id (Indonesian: id). */
export function languageOf(value: string | undefined): MeterLanguage {
  const v = (value ?? 'en').trim().toLowerCase();
  if (v === 'en' || v === 'id') return v;
  return usage('--lang must be en (English) or id (Bahasa Indonesia)');
}
