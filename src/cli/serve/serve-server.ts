/**
 * `hydrosync serve`: open (or, for a fresh embedded install, create) the store and master key,
 * build the server, listen, print the URL, and run until SIGTERM or SIGINT. Logs (JSON, pino) go
 * to stderr; stdout has the lines for people.
 */
import { hexToBytes } from '../../codec/hex';
import { initHsm } from '../../hsm';
import type { CliContext } from '../context';
import { usage } from '../exit-codes';
import {
  MASTER_KEY_ENV, MASTER_KEY_FILE_ENV, generateMasterKeyFile, readMasterKeyFile,
} from '../files/master-key-file';
import { ensurePrivateDirectory } from '../files/xdg-file';
import { removeStoreFiles, resolveStorePath, storeExists } from '../files/store-path';
import { type StoreOptionValues, isStoreUrl, masterKeyText, openStoreHsm, storeName } from '../hsm/store-options';
import { version } from '../../../package.json';
import { defaultMasterKeyPath, existingDefaultMasterKey } from './master-key-path';

export interface ServeOptionValues extends StoreOptionValues {
  host: string;
  port: number;
  rateLimit?: number;
}

/** The master key: as the hsm commands read it, else the default file of an embedded install. */
function masterKey(ctx: CliContext, o: StoreOptionValues, fresh: boolean): Uint8Array {
  const given = masterKeyText(ctx, o);
  if (given !== undefined) return hexToBytes(given.hex);
  const path = existingDefaultMasterKey(ctx.io.env);
  if (path !== undefined) {
    const r = readMasterKeyFile(path);
    ctx.addSecret(r.hex);
    return hexToBytes(r.hex);
  }
  if (!fresh) {
    return usage(`the server needs the store's master key: give --master-key-file FILE, or set ${MASTER_KEY_FILE_ENV} or ${MASTER_KEY_ENV} (no key file at ${defaultMasterKeyPath(ctx.io.env)})`);
  }
  const target = defaultMasterKeyPath(ctx.io.env);
  ensurePrivateDirectory(target, 'master key file');
  const hex = generateMasterKeyFile(target, ctx.now());
  ctx.addSecret(hex);
  ctx.out(`Created a new master key in ${target} (mode 0600). Keep it secret and backed up: without it the store cannot be opened.`);
  return hexToBytes(hex);
}

/** A fresh embedded install: the SQLite store created and initialised (removed again if that fails). */
async function createStore(ctx: CliContext, path: string, key: Uint8Array): Promise<void> {
  ensurePrivateDirectory(path, 'store');
  const { openSqliteStore } = await import('../../node/hsm-sqlite-store');
  try {
    const store = openSqliteStore(path, { create: true });
    try {
      await initHsm(store, key, {}, ctx.now());
    } finally {
      await store.close();
    }
  } catch (e) {
    removeStoreFiles(path);
    throw e;
  }
  ctx.out(`Created the security module store ${path} (mode 0600).`);
}

/** Run the server until a signal stops it. */
export async function serveServer(ctx: CliContext, o: ServeOptionValues): Promise<void> {
  const location = resolveStorePath(o.store, ctx.io.env);
  const url = isStoreUrl(location.path);
  const fresh = !url && !storeExists(location.path);
  const key = masterKey(ctx, o, fresh);
  if (fresh) await createStore(ctx, location.path, key);
  const [{ buildServer }, { openServerStore }, { listen, stopOnSignals }] = await Promise.all([
    import('../../server/build-server'), import('../../server/store/open-server-store'), import('../../server/run-server'),
  ]);
  const hsm = await openStoreHsm(ctx, o, location.path, key);
  let serverStore;
  try {
    serverStore = await openServerStore(location.path);
  } catch (e) {
    await hsm.close();
    throw e;
  }
  const app = await buildServer({
    hsm, store: serverStore, version,
    logger: { stream: { write: (line: string) => ctx.io.stderr(line) } },
    ...(o.rateLimit !== undefined ? { rateLimit: o.rateLimit === 0 ? false : { max: o.rateLimit, timeWindowMs: 60_000 } } : {}),
  });
  const stopped = stopOnSignals(app, (signal) => ctx.out(`Stopping (${signal}): finishing requests in flight, then closing the store.`));
  const base = await listen(app, o.host, o.port);
  ctx.out(`HydroSync server on ${base} (store ${storeName(location.path)}); API ${base}/v1, OpenAPI ${base}/v1/openapi.json`);
  if ((await serverStore.listApiKeys()).length === 0) {
    ctx.out(`No API keys yet: create an admin key with 'hydrosync serve key create --role admin --vending-point office${location.from === '--store' ? ` --store ${location.path}` : ''}'.`);
  }
  await stopped;
  ctx.out('Stopped.');
}
