/**
 * The `hydrosync` command line. `createCli(io)` builds the commander program (one file per
 * command under ./commands); `runCli(argv, io)` runs it and returns the exit code, never calling
 * process.exit, so tests run the whole CLI in-process with a fake io.
 *
 * Exit codes: 0 success; 1 a token or a vector failed; 2 usage or input error; 70 internal error.
 */
import { registerHelp } from './commands/help';
import { Command, CommanderError } from 'commander';
import { HydroSyncError } from '../errors';
import { version } from '../../package.json';
import { registerDemo } from './commands/demo';
import { registerHsm } from './commands/hsm';
import { registerKeyDerive } from './commands/key-derive';
import { registerKeyGenerate } from './commands/key-generate';
import { registerLink } from './commands/link';
import { registerMeter } from './commands/meter';
import { registerServe } from './commands/serve';
import { registerTokenDecode } from './commands/token-decode';
import { registerTokenGenerate } from './commands/token-generate';
import { registerVectorsVerify } from './commands/vectors-verify';
import { requireSubcommand } from './command-groups';
import { CliContext } from './context';
import { CliExit, EXIT } from './exit-codes';
import type { CliIo } from './io';
import { processIo } from './process-io';

export type { CliIo } from './io';
export { EXIT } from './exit-codes';
export { DEMO_KEY } from '../keys/demo-key';

const contexts = new WeakMap<Command, CliContext>();

const ROOT_HELP = `
Keys come from a key file (--key-file FILE: {"format":"hydrosync-key/1", "vendingKey" or
"decoderKey", "keyType", "supplyGroupCode", "tariffIndex", "keyRevisionNumber", "pan",
"baseDate", "encryptionAlgorithm", "keyExpiryNumber", "dkga"}) or from the environment
(HYDROSYNC_VENDING_KEY or HYDROSYNC_DECODER_KEY, hex, with --pan --sgc --ti --krn --kt
--base-date --ea). Key material is never printed unless asked for (key derive --reveal).

Environment:
  HYDROSYNC_VENDING_KEY       vending key (hex: 16 digits DKGA02, 40 digits DKGA04)
  HYDROSYNC_DECODER_KEY       decoder key (hex: 16 digits EA07/EA09, 32 digits EA11)
  HYDROSYNC_NEW_VENDING_KEY   new vending key for token generate key-change
  HYDROSYNC_NEW_DECODER_KEY   new decoder key for token generate key-change
  HYDROSYNC_STA_TABLES        STA tables file for EA07 (else the IEC sample tables, which
                              production meters do not use)
  HYDROSYNC_UTC_OFFSET        UTC offset of the meters' local time in minutes for --now
                              (420 = WIB, 480 = WITA, 540 = WIT)
  HYDROSYNC_METER_STATE       meter state file for 'meter …' (default
                              $XDG_STATE_HOME/hydrosync/meter.json)
  HYDROSYNC_STORE             security module store for 'hsm …' (default
                              $XDG_DATA_HOME/hydrosync/hsm.sqlite)
  HYDROSYNC_MASTER_KEY_FILE   file with the security module's master key (64 hex digits)
  HYDROSYNC_MASTER_KEY        the master key itself (prefer the file)
  HYDROSYNC_OPERATOR          operator name for the audit log (default: the OS user)
  HYDROSYNC_VENDING_POINT     vending point for limits and the audit log (default: cli)

Exit status: 0 success; 1 a token or vector failed (CRC, FORMAT, FUNCTION, failing case), a
meter rejected a token, or the security module refused (LIMIT, DDTK, KEY_EXPIRED, …); 2 usage or
input error (bad or missing option, unreadable or malformed file, bad key, corrupt state or store).

Examples:
  $ hydrosync demo
  $ hydrosync key derive --key-file vending.json --pan 600727000000000009 --out meter.key.json
  $ hydrosync token generate credit --key-file meter.key.json --m3 5 --date-time 2026-12-01T09:30
  $ hydrosync token decode --key-file meter.key.json 4718 6281 2079 5515 5808
  $ hydrosync vectors verify vectors/*.json
  $ hydrosync meter init --demo-key --manufactured 2026-11-01T00:00
  $ hydrosync meter enter --at 2026-12-01T09:35 "1693 6447 5489 2156 1478"
  $ hydrosync hsm vend --pan 600727000000000009 --m3 2.55`;

function buildProgram(ctx: CliContext): Command {
  const program = new Command('hydrosync');
  program
    .description('STS (IEC 62055-41 Ed. 2) prepaid 20-digit tokens for water meters: derive keys, make and decode tokens, simulate a meter, run a security module, verify vectors.')
    .version(version, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout(s),
      writeErr: (s) => ctx.io.stderr(s),
      outputError: () => {
        // printed by runCli as one "hydrosync: …" line
      },
      getOutHelpWidth: () => 100,
      getErrHelpWidth: () => 100,
    })
    .addHelpText('after', ROOT_HELP);

  const key = program.command('key').summary('keys: generate, derive').description('Generate vending and master keys; derive decoder keys.');
  registerKeyGenerate(key, ctx);
  registerKeyDerive(key, ctx);
  requireSubcommand(key);

  const token = program.command('token').summary('tokens: generate, decode').description('Make and decode 20-digit STS tokens.');
  registerTokenGenerate(token, ctx, requireSubcommand);
  registerTokenDecode(token, ctx);
  requireSubcommand(token);

  const vectors = program.command('vectors').summary('known-answer vectors: verify').description('Known-answer test vectors (hydrosync-vectors/1).');
  registerVectorsVerify(vectors, ctx);
  requireSubcommand(vectors);

  registerMeter(program, ctx, requireSubcommand);
  registerLink(program, ctx, requireSubcommand);
  registerHsm(program, ctx, requireSubcommand);
  registerServe(program, ctx, requireSubcommand);
  registerDemo(program, ctx);
  registerHelp(program);
  requireSubcommand(program);
  contexts.set(program, ctx);
  return program;
}

/**
 * The `hydrosync` program, ready to parse (commander 14). Output goes to `io` (default: the real
 * process). Commander's own exits are overridden: parse errors reject with a CommanderError.
 * Prefer runCli, which prints errors as one line and returns the exit code.
 */
export function createCli(io: CliIo = processIo()): Command {
  return buildProgram(new CliContext(io));
}

/** The exit code a program made by createCli has reached so far (after parseAsync). */
export function exitCodeOf(program: Command): number {
  return contexts.get(program)?.exitCode ?? 0;
}

/** Turn anything thrown by a command into one stderr line and an exit code. */
function handleError(ctx: CliContext, e: unknown): number {
  if (e instanceof CliExit) return Math.max(ctx.exitCode, e.exitCode);
  if (e instanceof CommanderError) {
    if (e.exitCode === 0) return ctx.exitCode; // --help, --version
    ctx.error(e.message.replace(/^error: /, ''), 'USAGE');
    return EXIT.USAGE;
  }
  if (e instanceof HydroSyncError) {
    ctx.errorOf(e);
    return Math.max(ctx.exitCode, EXIT.USAGE);
  }
  const err = e as Error | undefined;
  ctx.error(`internal error: ${String(err?.message ?? e)} (this is a bug in hydrosync; please report it)`, 'INTERNAL');
  if (ctx.io.env.HYDROSYNC_DEBUG && err?.stack) ctx.io.stderr(`${ctx.redact(err.stack)}\n`);
  return EXIT.INTERNAL;
}

/**
 * Run the CLI on `argv` (as process.argv: node, script, arguments…) and return the exit code:
 * 0 success, 1 a token or vector failed, 2 usage or input error. Never calls process.exit.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const ctx = new CliContext(io);
  ctx.jsonErrors = argv.slice(2).includes('--json');
  try {
    await buildProgram(ctx).parseAsync([...argv], { from: 'node' });
    return ctx.exitCode;
  } catch (e) {
    return handleError(ctx, e);
  }
}
