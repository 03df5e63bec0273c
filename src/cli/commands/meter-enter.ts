import type { Command } from 'commander';
import { HydroSyncError } from '../../errors';
import { formatMeterTime } from '../../meter/clock';
import type { EntryResult } from '../../meter/meter';
import type { CliContext } from '../context';
import { EXIT, usage } from '../exit-codes';
import { tokenLines } from '../input-lines';
import {
  type MeterTimeOptionValues, type StateOptionValues, addMeterTimeOptions, addStateOptions, guardMeterKey, languageOf,
  meterStateFile, meterTimeFromOptions,
} from '../meter-options';
import { resultJson, resultLine, taken } from '../meter-text';
import { joinGroups } from './token-decode';

interface EnterOptions extends StateOptionValues, MeterTimeOptionValues {
  json?: boolean;
  lang?: string;
}

const HELP_AFTER = `
Each token is one transaction on the state file: lock, load, enter, save (atomically: temporary
file, fsync, rename, fsync of the directory), unlock. A result is printed only once it is on disk,
so an interruption between tokens loses nothing and credits nothing twice.

Output: one line per token: token, result code, message, litres added, credit (and the new key
after a key change, or why a token was rejected). --json prints one JSON array of
{"token","result","status","accepted","message","detail"?,"class"?,"subclass"?,"kind"?,"tid"?,
"litres","creditLitres","creditCubicMetres","lockedUntil"?,"keyChange"?}.
Result codes: ACCEPT, KCT_1, KCT_2 (a key-change token held), OVERFLOW, KEY_TYPE, FORMAT, RANGE,
FUNCTION, OLD, USED, KEY_EXPIRED, DDTK, CRC, MFR_CODE, LOCKOUT.

Tokens come from the arguments, or from standard input (one per line; blank lines and lines
starting with # are skipped) when the only argument is "-", or when there is none and standard
input is not a terminal. The meter time is --at, or --now (needs --utc-offset or
HYDROSYNC_UTC_OFFSET); all tokens of one run share an --at time.
Exit status: 0 every token was taken (ACCEPT, KCT_1, KCT_2); 1 a token was rejected; 2 no state,
a corrupt state (STATE), or a bad option.

Examples:
  $ hydrosync meter enter --at 2026-12-01T09:35 "4718 6281 2079 5515 5808"
  $ hydrosync meter enter --now --utc-offset 420 --lang id 47186281207955155808
  $ hydrosync meter enter --at 2026-12-01T09:35 --json - < tokens.txt`;

/** `hydrosync meter enter TOKEN...`: enter tokens into the simulated meter, one saved transaction each. */
export function registerMeterEnter(meter: Command, ctx: CliContext): void {
  const cmd = meter
    .command('enter')
    .summary('enter tokens into the meter (one atomic save per token)')
    .description('Enter 20-digit tokens into the simulated meter as a customer would on its keypad: the meter checks them (format, lockout, class, CRC, subclass, key expiry, DDTK, Old/Used TID, range, overflow), applies the accepted ones and shows its result for each.')
    .argument('[token...]', '20-digit tokens (groups of 4 digits may be separate arguments); "-" reads them from stdin');
  cmd
    .option('--json', 'print one JSON array of results')
    .option('--lang <code>', 'language of the meter\'s messages: en (default) or id (Bahasa Indonesia)');
  addStateOptions(cmd);
  addMeterTimeOptions(cmd, 'entry')
    .addHelpText('after', HELP_AFTER)
    .action(async (args: string[], o: EnterOptions) => {
      const lang = languageOf(o.lang);
      const stdin = ctx.io.stdin;
      // Without arguments, standard input is read unless it is an interactive terminal (in-process test streams never are).
      const fromStdin = (args.length === 1 && args[0] === '-') || (args.length === 0 && stdin !== undefined && (stdin as { isTTY?: boolean }).isTTY !== true);
      if (!fromStdin && args.includes('-')) usage('"-" (read tokens from stdin) must be the only token argument');
      if (args.length === 0 && !fromStdin) usage('give the tokens to enter as arguments, or "-" to read them from standard input');
      const at = meterTimeFromOptions(ctx, o, 'now')!;
      const file = meterStateFile(ctx, o);
      const results: Record<string, unknown>[] = [];
      let lastClock: number | null | undefined;

      const enterOne = async (token: string): Promise<void> => {
        const { result } = await file.update((m) => {
          guardMeterKey(ctx, m);
          if (lastClock === undefined) {
            lastClock = m.clock;
            if (m.clock !== null && at < m.clock) {
              ctx.warn(`meter time ${formatMeterTime(at)} is before the meter's last time ${formatMeterTime(m.clock)}: its clock goes back`);
            }
          }
          const r: EntryResult = m.enter(token, at);
          guardMeterKey(ctx, m); // a key change installs a new key: keep it out of every message too
          return r;
        });
        if (!taken(result)) ctx.raise(EXIT.FAILED);
        if (o.json) results.push(resultJson(token, result, lang));
        else ctx.out(resultLine(token, result, lang));
      };

      try {
        if (fromStdin) {
          for await (const t of tokenLines(stdin)) await enterOne(t);
        } else {
          for (const t of joinGroups(args)) await enterOne(t);
        }
      } catch (e) {
        // The tokens before the failure are saved: show their results, then the error.
        if (o.json && results.length > 0 && e instanceof HydroSyncError) ctx.json(results);
        throw e;
      }
      if (o.json) ctx.json(results);
    });
}
