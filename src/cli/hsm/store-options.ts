/**
 * Where the security module's store is and its master key (--store, --master-key-file and their
 * environment variables), and opening the store for one command.
 */
import type { Command } from 'commander';
import { hexToBytes } from '../../codec/hex';
import { HydroSyncError } from '../../errors';
import type { Hsm } from '../../hsm';
import { checkKeyHex } from '../../keys/key-hex';
import { MASTER_KEY_ENV, MASTER_KEY_FILE_ENV, type MasterKeyText, readMasterKeyFile } from '../../node/master-key-file';
import { STORE_ENV, isStoreUrl, openStoreHsm, resolveStorePath, storeExists } from '../../node/store-file';
import type { XdgFile } from '../../node/xdg-file';
import type { CliContext } from '../context';
import { usage } from '../exit-codes';

/** Values of the store options (every hsm command). */
export interface StoreOptionValues {
  store?: string;
  masterKeyFile?: string;
  node?: string;
  json?: boolean;
}

/** Environment variable naming this vending node (its audit chain). */
export const NODE_ENV = 'HYDROSYNC_NODE';

/**
 * Add --store, --node and (unless `masterKey` is false) --master-key-file, and --json (`json`: what
 * it prints; false: none) to a command.
 */
export function addStoreOptions(cmd: Command, options: { json?: string | false; masterKey?: boolean } = {}): Command {
  cmd
    .optionsGroup('Store options:')
    .option('--store <file|url>', `the security module's store: an SQLite file, or postgres://user@host/db for several vending nodes (default: $${STORE_ENV}, else $XDG_DATA_HOME/hydrosync/hsm.sqlite, else ~/.local/share/hydrosync/hsm.sqlite)`)
    .option('--node <name>', `this vending node's name: its own audit chain in a shared store (default: $${NODE_ENV}, else main)`);
  if (options.masterKey !== false) {
    cmd.option('--master-key-file <file>', `file with the master key: 64 hex digits or {"format":"hydrosync-master-key/1","masterKey":"…"} (or $${MASTER_KEY_FILE_ENV}, or the key itself in $${MASTER_KEY_ENV})`);
  }
  cmd.optionsGroup('Options:');
  return options.json === false ? cmd : cmd.option('--json', options.json ?? 'print one JSON object');
}

/**
 * The master key: --master-key-file FILE, else $HYDROSYNC_MASTER_KEY_FILE, else
 * $HYDROSYNC_MASTER_KEY (the hex itself). Never a command-line argument. Warns when the file can
 * be read by its group or others.
 */
export function masterKeyFromOptions(ctx: CliContext, o: StoreOptionValues): Uint8Array {
  const text = masterKeyText(ctx, o);
  if (text === undefined) {
    return usage(`the security module needs its master key: give --master-key-file FILE, or set ${MASTER_KEY_FILE_ENV} (a file) or ${MASTER_KEY_ENV} (64 hex digits)`);
  }
  return hexToBytes(text.hex);
}

/** The master key text if one is given (also used by init to refuse ambiguity). */
export function masterKeyText(ctx: CliContext, o: StoreOptionValues): MasterKeyText | undefined {
  const file = o.masterKeyFile ?? ctx.env(MASTER_KEY_FILE_ENV);
  const envHex = ctx.io.env[MASTER_KEY_ENV];
  if (envHex !== undefined && envHex.trim() !== '') {
    // Register it as a secret before anything else can quote it.
    ctx.addSecret(envHex);
  }
  if (file !== undefined) {
    const r = readMasterKeyFile(file);
    ctx.addSecret(r.hex);
    if (r.exposedMode !== undefined) {
      ctx.warn(`${r.source} can be read by other users (mode ${r.exposedMode.toString(8).padStart(4, '0')}): run chmod 600 ${file}`);
    }
    return r;
  }
  if (envHex === undefined || envHex.trim() === '') return undefined;
  const hex = checkKeyHex(envHex, 'master', MASTER_KEY_ENV);
  ctx.addSecret(hex);
  return { hex, source: MASTER_KEY_ENV };
}

/** The node name from --node or $HYDROSYNC_NODE (undefined: the module's default, main). */
export function nodeName(ctx: CliContext, o: StoreOptionValues): string | undefined {
  const v = o.node ?? ctx.env(NODE_ENV);
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** An open security module and where its store is. */
export interface OpenHsm {
  hsm: Hsm;
  location: XdgFile;
}

/**
 * Open the store named by the options with the master key and run `f`; always closes the store.
 * A missing store is a STORE error that says to run `hsm init`.
 */
export async function withHsm<T>(
  ctx: CliContext, o: StoreOptionValues, f: (open: OpenHsm) => T | Promise<T>,
  /** `migrate`: migrate an older store (hsm migrate); `missing`: what to say after a missing store. */
  options: { migrate?: boolean; missing?: string } = {},
): Promise<T> {
  const location = resolveStorePath(o.store, ctx.io.env);
  if (!isStoreUrl(location.path) && !storeExists(location.path)) {
    const how = location.from === '--store' ? '' : ` (the ${location.from === 'default' ? 'default location' : `location from ${location.from}`}; give --store FILE or set ${STORE_ENV} for another)`;
    throw new HydroSyncError('STORE', `no security module store at ${location.path}${how}: ${options.missing ?? "create one with 'hydrosync hsm init'"}`);
  }
  const hsm = await openStoreHsm(location.path, masterKeyFromOptions(ctx, o), { node: nodeName(ctx, o), clock: () => ctx.now(), migrate: options.migrate === true });
  try {
    return await f({ hsm, location });
  } finally {
    await hsm.close();
  }
}
