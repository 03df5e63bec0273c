import type { Command } from 'commander';
import type { CliContext } from '../context';
import { type StateOptionValues, addStateOptions, loadMeterForCommand, meterStateFile } from '../meter-options';
import { statusJson, statusLines } from '../meter-text';

const HELP_AFTER = `
Shows the remaining volume (m³ and litres), the valve, the low-credit and tamper flags, the key's
attributes and check value (never the key), the TID memory, held key-change tokens and the
lockout. --json prints one object with the same facts.

Examples:
  $ hydrosync meter status
  $ hydrosync meter status --state meter-0009.json --json`;

/** `hydrosync meter status`: what the meter's display and registers show. Read-only. */
export function registerMeterStatus(meter: Command, ctx: CliContext): void {
  const cmd = meter
    .command('status')
    .summary('remaining water, valve, flags, key attributes, TID memory, lockout')
    .description("Show the simulated meter's registers and flags (read-only).")
    .option('--json', 'print one JSON object');
  addStateOptions(cmd)
    .addHelpText('after', HELP_AFTER)
    .action((o: StateOptionValues & { json?: boolean }) => {
      const file = meterStateFile(ctx, o);
      const { meter, revision } = loadMeterForCommand(ctx, file);
      if (o.json) ctx.json(statusJson(file.path, meter, revision));
      else for (const l of statusLines(file.path, meter, revision)) ctx.out(l);
    });
}
