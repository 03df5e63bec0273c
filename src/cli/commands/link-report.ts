import type { Command } from 'commander';
import type { CliContext } from '../context';
import { EXIT } from '../exit-codes';
import { type LinkOptionValues, addLinkOptions, runLinkOnStateFile } from '../link-options';
import { radioLine, reportJson, reportLines } from '../link-session-text';
import { addMeterTimeOptions, addStateOptions } from '../meter-options';

const HELP_AFTER = `
The phone role asks the simulated meter of the state file for a new report over the Bluetooth
link (both ends in this process; docs/bluetooth.md) and prints its 50-byte frame. The meter takes
its next report counter and is saved before anything is printed.
--json: {"report":{"frame" (hex),"counter","creditLitres","creditCubicMetres","lastTid","messageId","attempts"},
"radio":{"frames","pdus","attBytes"},"elapsedMs","mtu"}.
Exit status: 0 a report was read; 1 the link failed; 2 usage.

Examples:
  $ hydrosync link report --at 2026-12-08T09:00
  $ hydrosync link report --mtu 247 --json`;

/** `hydrosync link report`: a report read over the simulated link. */
export function registerLinkReport(link: Command, ctx: CliContext): void {
  const cmd = link
    .command('report')
    .summary('read a report from the simulated meter over the link')
    .description('The phone role: ask the simulated meter for a new report over the Bluetooth link (both ends in this process) and print its frame.')
    .option('--json', 'print one JSON object');
  addLinkOptions(cmd);
  addStateOptions(cmd);
  addMeterTimeOptions(cmd, 'report (default: the meter\'s own clock)')
    .addHelpText('after', HELP_AFTER)
    .action(async (o: LinkOptionValues) => {
      const s = await runLinkOnStateFile(ctx, o, [], true);
      if (o.json) ctx.json({ report: reportJson(s.report), radio: s.radio, elapsedMs: s.elapsedMs, mtu: s.mtu });
      else {
        for (const line of reportLines(s.report)) ctx.out(line);
        ctx.out(radioLine(s, s.mtu));
      }
      if (s.report === null || 'error' in s.report) ctx.raise(EXIT.FAILED);
    });
}
