import type { Command } from 'commander';
import type { CliContext } from '../context';
import { EXIT, usage } from '../exit-codes';
import { type LinkOptionValues, addLinkOptions, runLinkOnStateFile } from '../link-options';
import { radioLine, reportJson, reportLines, uploadApplied, uploadJson, uploadLine } from '../link-session-text';
import { addMeterTimeOptions, addStateOptions, languageOf } from '../meter-options';

const HELP_AFTER = `
The phone role uploads each token to the simulated meter of the state file over the Bluetooth
link (docs/bluetooth.md) and then reads a report back; both ends run in this process over the
in-memory radio (no Bluetooth adapter is used). The meter applies each token at most once and
the phone learns what it did, even under --fault. The meter state is saved before anything is
printed. Submit the report frame to the security module with
'hydrosync hsm report submit --pan PAN --frame HEX'.
--json: {"uploads":[{"token","result","status","applied","message","tid","litres","creditLitres",
"creditCubicMetres","messageId","attempts"} | {"token","error":{code,message}}],
"report":{"frame" (hex),"counter","creditLitres","creditCubicMetres","lastTid","messageId","attempts"},
"radio":{"frames","pdus","attBytes"},"elapsedMs","mtu"}.
Exit status: 0 every token applied; 1 a token refused by the meter, or the link failed; 2 usage.

Examples:
  $ hydrosync link send --at 2026-12-08T09:00 --token "1693 6447 5489 2156 1478"
  $ hydrosync link send --mtu 247 --fault disconnect@3 --json --token 16936447548921561478`;

/** `hydrosync link send --token T`: phone → meter over the simulated link, and a report back. */
export function registerLinkSend(link: Command, ctx: CliContext): void {
  const cmd = link
    .command('send')
    .summary('upload tokens to the simulated meter over the link, read a report back')
    .description('The phone role: upload 20-digit tokens to the simulated meter over the Bluetooth link (both ends in this process), learn what the meter did with each, and read a report back.')
    .option('--token <digits>', '20-digit token (spaces allowed in quotes); repeatable', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--no-report', 'do not read a report after the tokens')
    .option('--json', 'print one JSON object')
    .option('--lang <code>', 'language of the meter\'s messages: en (default) or id (Bahasa Indonesia)');
  addLinkOptions(cmd);
  addStateOptions(cmd);
  addMeterTimeOptions(cmd, 'token entries and the report (default: the meter\'s own clock)')
    .addHelpText('after', HELP_AFTER)
    .action(async (o: LinkOptionValues & { token?: string[]; report: boolean }) => {
      const lang = languageOf(o.lang);
      const tokens = o.token ?? [];
      if (tokens.length === 0) usage('give the token to send: --token DIGITS (repeatable)');
      const s = await runLinkOnStateFile(ctx, o, tokens, o.report);
      const failed = s.uploads.some((u) => !uploadApplied(u)) || (s.report !== null && 'error' in s.report);
      if (o.json) {
        ctx.json({ uploads: s.uploads.map((u, i) => uploadJson(tokens[i]!, u, lang)), report: reportJson(s.report), radio: s.radio, elapsedMs: s.elapsedMs, mtu: s.mtu });
      } else {
        s.uploads.forEach((u, i) => ctx.out(uploadLine(tokens[i]!, u, lang)));
        for (const line of reportLines(s.report)) ctx.out(line);
        ctx.out(radioLine(s, s.mtu));
      }
      if (failed) ctx.raise(EXIT.FAILED);
    });
}
