/** `hydrosync help [<command> [<subcommand>…]]`: the help of any command, nested ones included. */
import type { Command } from 'commander';
import { commandPath } from '../command-groups';
import { usage } from '../exit-codes';

/** The command named by words under root (names or aliases); USAGE for an unknown one. */
export function findCommand(root: Command, words: readonly string[]): Command {
  let cmd = root;
  for (const w of words) {
    const next = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (next === undefined) {
      const names = cmd.commands.map((c) => c.name()).filter((n) => n !== 'help');
      return usage(names.length === 0 ? `'${commandPath(cmd)}' has no subcommand '${w}'`
        : `unknown command '${w}' for '${commandPath(cmd)}': use one of ${names.join(', ')}`);
    }
    cmd = next;
  }
  return cmd;
}

export function registerHelp(program: Command): void {
  program.command('help').summary('help for a command, e.g. "hydrosync help hsm vend"')
    .argument('[command...]', 'the command and subcommands')
    .action((words: string[]) => {
      findCommand(program, words).outputHelp();
    });
}
