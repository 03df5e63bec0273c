/** Command groups (`hydrosync token`, `hsm audit`, …): a missing or unknown subcommand is a one-line usage error. */
import type { Command } from 'commander';
import { usage } from './exit-codes';

/** Full name of a command, e.g. "hydrosync token generate". */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * A command group (hydrosync, key, token, token generate, vectors) needs a subcommand: a missing
 * or unknown one is a one-line usage error (exit 2), not a page of help on stderr.
 */
export function requireSubcommand(group: Command): void {
  group.allowExcessArguments(true).action((_options: unknown, cmd: Command) => {
    const names = group.commands.map((c) => c.name());
    const path = commandPath(group);
    const given = cmd.args[0];
    if (given === undefined) usage(`missing command: ${path} ${names.join('|')} (see '${path} --help')`);
    usage(`unknown command '${given}' for '${path}': use one of ${names.join(', ')}`);
  });
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
    usage(`unknown command '${extra[0]}' for '${commandPath(group)}': use one of ${names.join(', ')}`);
  });
}
