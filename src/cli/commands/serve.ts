import { Option, type Command } from 'commander';
import type { CliContext } from '../context';
import { usage } from '../exit-codes';
import { examples } from '../help-text';
import { hexToBytes } from '../../codec/hex';
import { resolveStorePath } from '../../node/store-file';
import { type StoreOptionValues, addStoreOptions, masterKeyText, nodeName } from '../hsm/store-options';
import { createKeyCommand, listKeysCommand, revokeKeyCommand } from '../serve/api-key-commands';
import { createUserCommand } from '../serve/user-commands';
import { version } from '../../../package.json';

type ServeOptionValues = StoreOptionValues & { host: string; port: number; rateLimit?: number; demo?: boolean; paymentSimulator?: boolean };

/** Run the server (src/server/start-server.ts) until a signal stops it. */
async function runServe(ctx: CliContext, o: ServeOptionValues): Promise<void> {
  const given = masterKeyText(ctx, o);
  const { startServer } = await import('../../server/start-server');
  const { stopped } = await startServer({
    store: resolveStorePath(o.store, ctx.io.env), ...(given !== undefined ? { masterKey: hexToBytes(given.hex) } : {}), env: ctx.io.env,
    host: o.host, port: o.port, ...(o.rateLimit !== undefined ? { rateLimit: o.rateLimit } : {}), node: nodeName(ctx, o), clock: () => ctx.now(), version, demo: o.demo === true, paymentSimulator: o.paymentSimulator === true,
    out: (line) => ctx.out(line), log: (line) => ctx.io.stderr(line), secret: (hex) => ctx.addSecret(hex),
  });
  await stopped;
  ctx.out('Stopped.');
}

function port(v: string): number {
  const n = Number(v);
  if (!/^[0-9]{1,5}$/.test(v) || n > 65535) usage(`--port must be a whole number 0 to 65535 (0: any free port); got ${JSON.stringify(v)}`);
  return n;
}

function perMinute(v: string): number {
  if (!/^[0-9]{1,7}$/.test(v)) usage(`--rate-limit must be a whole number of requests a minute (0: no limit); got ${JSON.stringify(v)}`);
  return Number(v);
}

/**
 * `hydrosync serve`: the vending server (HTTP API), and `serve key …` for its API keys. The store
 * options are also `serve`'s, and commander gives them to the parent: the key commands read them
 * with optsWithGlobals().
 */
export function registerServe(program: Command, ctx: CliContext, requireSubcommand: (c: Command) => void): void {
  const serve = program.command('serve')
    .summary('run the vending server: an HTTP API over the security module (see docs/server.md)')
    .description('Run the vending server: a versioned JSON API (/v1) over the security module, for the utility, its agents and apps. A fresh install gets an SQLite store in the data directory and a master key file in the config directory on first start. Loopback only unless --host says otherwise. Stops on SIGTERM or SIGINT after the requests in flight.')
    .option('--host <address>', 'address to listen on (0.0.0.0 or :: for every interface)', '127.0.0.1')
    .addOption(new Option('--port <n>', 'TCP port (0: any free port)').argParser(port).default(8080))
    .option('--payment-simulator', 'take payments through the local payment simulator in this process (nothing real is charged); --demo does too')
    .option('--demo', 'a throwaway store with demo data (public test key, a meter, its customer, accounts and API keys, printed); deleted on stop')
    .addOption(new Option('--rate-limit <n>', 'requests a minute per API key (per address without one); 0: no limit').argParser(perMinute).default(600));
  addStoreOptions(serve, { json: false })
    .addHelpText('after', `
The master key comes from --master-key-file FILE, HYDROSYNC_MASTER_KEY_FILE or
HYDROSYNC_MASTER_KEY, else $XDG_CONFIG_HOME/hydrosync/master.key (~/.config/hydrosync/master.key),
which the first start of a fresh embedded install creates. A PostgreSQL store (--store
postgres://…) must be made with 'hydrosync hsm init' first. Logs are JSON lines on stderr.
${examples([
  'hydrosync serve',
  'hydrosync serve --port 8443 --store /var/lib/pdam/hsm.sqlite --master-key-file /etc/pdam/master.key',
  'hydrosync serve key create --role agent --vending-point kiosk-7 --label "Toko Sari"',
])}`)
    .action((o: ServeOptionValues) => runServe(ctx, o));

  const key = serve.command('key').summary('API keys: create, list, revoke').description('API keys of the server, kept hashed in the store (no master key needed).');
  addStoreOptions(key.command('create').summary('create an API key bound to a vending point (shown once)')
    .description('Create an API key: an agent key sells (purchases, reprints, meter look-up), an admin key also manages (meters, management tokens, key changes, audit, API keys). The key is printed once; the store keeps only its scrypt hash.')
    .addOption(new Option('--role <role>', 'agent or admin').choices(['agent', 'admin']).default('agent'))
    .requiredOption('--vending-point <name>', 'the till, kiosk or channel the key sells for (A-Z a-z 0-9 . _ -, at most 40)')
    .option('--label <text>', 'a note for people'), { masterKey: false })
    .action((_o, cmd: Command) => createKeyCommand(ctx, cmd.optsWithGlobals()));
  addStoreOptions(key.command('list').summary('list API keys (never the keys)'), { masterKey: false, json: 'print JSON' })
    .action((_o, cmd: Command) => listKeysCommand(ctx, cmd.optsWithGlobals()));
  addStoreOptions(key.command('revoke').summary('revoke an API key: it stops working at once').argument('<id>', 'the key id (12 hex digits)'),
    { masterKey: false, json: 'print JSON' })
    .action((id: string, _o, cmd: Command) => revokeKeyCommand(ctx, cmd.optsWithGlobals(), id));
  requireSubcommand(key);

  const user = serve.command('user').summary('website users: create the first admin').description('Website accounts of the server, kept with a scrypt hash of the password (no master key needed).');
  addStoreOptions(user.command('create').summary('create an admin user of the website (password from stdin or HYDROSYNC_PASSWORD)')
    .description('Create an admin user of the website. The password is read from HYDROSYNC_PASSWORD or the first line of standard input (a pipe or a file, never a terminal); it is never printed. Later admin users and customer accounts are made through the API.')
    .addOption(new Option('--role <role>', 'the account\'s role').choices(['admin']).default('admin'))
    .requiredOption('--username <name>', 'the username (3 to 32 characters from a-z 0-9 . _ -)'), { masterKey: false, json: 'print JSON' })
    .action((_o, cmd: Command) => createUserCommand(ctx, cmd.optsWithGlobals()));
  requireSubcommand(user);
}
