import type { Command } from 'commander';
import type { CliContext } from '../context';
import { registerLinkReport } from './link-report';
import { registerLinkSend } from './link-send';

/** The `hydrosync link …` group: the Bluetooth link between the phone and the simulated meter. */
export function registerLink(program: Command, ctx: CliContext, requireSubcommand: (group: Command) => void): void {
  const link = program
    .command('link')
    .summary('the Bluetooth link, simulated: send a token to the meter, read a report back')
    .description('The Bluetooth Low Energy link between the customer\'s phone and the meter (docs/bluetooth.md), both ends run in this process over the in-memory radio: the phone role talks to the simulated meter of the state file.');
  registerLinkSend(link, ctx);
  registerLinkReport(link, ctx);
  requireSubcommand(link);
}
