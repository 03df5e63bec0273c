import type { Command } from 'commander';
import type { IssueTime } from '../tokens/issue';
import type { CliContext } from './context';
import { usage } from './exit-codes';
import { atMostOne, optionalInteger } from './option-values';

export const UTC_OFFSET_ENV = 'HYDROSYNC_UTC_OFFSET';

export interface TimeOptionValues {
  tid?: string;
  dateTime?: string;
  now?: boolean;
  utcOffset?: string;
  rnd?: string;
}

/** Add the issue-time options (for tokens that carry a TID) and --rnd. */
export function addTimeOptions(cmd: Command, options: { rnd?: boolean } = {}): Command {
  cmd
    .optionsGroup('Issue time options:')
    .option('--tid <n>', 'token identifier (minutes since the base date), 0-16777215')
    .option('--date-time <when>', 'issue time as naive local wall-clock time, YYYY-MM-DDTHH:MM')
    .option('--now', 'issue time = now, in the zone given by --utc-offset (the default when no time option is given)')
    .option('--utc-offset <minutes>', `offset of local time from UTC in minutes, e.g. 420 = WIB, 480 = WITA, 540 = WIT (or ${UTC_OFFSET_ENV})`);
  if (options.rnd !== false) cmd.option('--rnd <n>', 'the 4-bit random field, 0-15 (default: random)');
  return cmd.optionsGroup('Options:');
}

/** Minutes east of UTC from --utc-offset (`option`), else HYDROSYNC_UTC_OFFSET; undefined when neither is set. */
export function utcOffsetFromOptions(ctx: CliContext, option: string | undefined): number | undefined {
  const text = option ?? ctx.env(UTC_OFFSET_ENV);
  if (text === undefined) return undefined;
  const from = option !== undefined ? '--utc-offset' : UTC_OFFSET_ENV;
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) usage(`${from} must be a whole number of minutes east of UTC, e.g. 420 for WIB; got ${JSON.stringify(t.slice(0, 20))}`);
  const v = Number(t);
  if (Math.abs(v) > 1080) usage(`${from} must be from -1080 to 1080 minutes; got ${v}`);
  return v;
}

/**
 * The issue time: exactly one of --tid, --date-time or --now; none means --now. --now needs a UTC
 * offset (--utc-offset or HYDROSYNC_UTC_OFFSET): the host time zone is never used.
 */
export function issueTimeFromOptions(ctx: CliContext, o: TimeOptionValues): IssueTime {
  atMostOne({ '--tid': o.tid, '--date-time': o.dateTime, '--now': o.now }, 'one of --tid, --date-time and --now');
  if (o.tid !== undefined) return { tid: optionalInteger(o.tid, '--tid', 0, 0xffffff)! };
  if (o.dateTime !== undefined) return { dateTime: o.dateTime };
  const utcOffsetMinutes = utcOffsetFromOptions(ctx, o.utcOffset);
  if (utcOffsetMinutes === undefined) {
    return usage(`no issue time: give --tid N, --date-time YYYY-MM-DDTHH:MM, or --now with --utc-offset MINUTES (or ${UTC_OFFSET_ENV}; 420 = WIB); the host time zone is never used`);
  }
  return { at: ctx.now(), utcOffsetMinutes };
}

/** --rnd as a number, or undefined for a random one. */
export function rndFromOptions(o: TimeOptionValues): number | undefined {
  return optionalInteger(o.rnd, '--rnd', 0, 15);
}
