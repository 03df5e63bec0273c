/**
 * Start the vending server as `hydrosync serve` does: open (or, for a fresh embedded install,
 * create) the store and the master key, build the server, listen, and stop on SIGTERM or SIGINT.
 * A plain function: `npm start`, tests and the CLI call it; lines for people go to `out`, the JSON
 * logs to `log`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { HydroSyncError } from '../errors';
import { hexToBytes } from '../codec/hex';
import { MASTER_KEY_ENV, MASTER_KEY_FILE_ENV, generateMasterKeyFile, readMasterKeyFile } from '../node/master-key-file';
import { createStore, isStoreUrl, openStoreHsm, storeExists, storeName } from '../node/store-file';
import { type XdgFile, ensurePrivateDirectory, resolveXdgFile } from '../node/xdg-file';
import { buildServer } from './build-server';
import { demoDataLines, seedDemoData } from './demo-data';
import { setUpPayments } from './payments/payment-setup';
import { listen, stopOnSignals } from './run-server';
import { openServerStore } from './store/open-server-store';

export interface StartServerOptions {
  /** The store (an SQLite file or a postgres:// URL) and where its name came from (`--store`, an env variable, default). */
  store: XdgFile;
  /** The master key; without one, the default key file, which the first start of a fresh embedded install creates. */
  masterKey?: Uint8Array;
  /** The environment: where the default master key file is (XDG_CONFIG_HOME, HOME). */
  env: Record<string, string | undefined>;
  host: string;
  /** 0: any free port. */
  port: number;
  /** Requests a minute per API key (per address without one); 0: no limit (default: the server's). */
  rateLimit?: number;
  /** This vending node's name (its audit chain). */
  node?: string | undefined;
  clock: () => Date;
  version: string;
  /** Lines for people (stdout). */
  out: (line: string) => void;
  /** The server's JSON log lines. */
  log: (line: string) => void;
  /** Key material read or made here, for the caller to keep out of its messages. */
  secret?: (hex: string) => void;
  /** Stop on SIGTERM or SIGINT (default true). */
  signals?: boolean;
  /**
   * Demo data (`npm start`): a fresh store in a temporary directory (ignoring `store` and
   * `masterKey`), filled by demo-data.ts, its passwords and keys printed, deleted when the server stops.
   */
  demo?: boolean;
  /** Run the local payment simulator in this process and take payments through it (also with `demo`); otherwise a gateway from the environment, if set (payments/payment-setup.ts). */
  paymentSimulator?: boolean;
}

/** Where an embedded install keeps its master key: $XDG_CONFIG_HOME/hydrosync/master.key, else ~/.config/hydrosync/master.key. */
export function defaultMasterKeyPath(env: Record<string, string | undefined>): string {
  return resolveXdgFile(undefined, '--master-key-file', { ...env, [MASTER_KEY_FILE_ENV]: undefined }, {
    env: MASTER_KEY_FILE_ENV, xdg: 'XDG_CONFIG_HOME', home: ['.config'], fileName: 'master.key',
  }).path;
}

/** The master key given, else the default file, else (fresh install) a new default file. */
function masterKey(o: StartServerOptions, fresh: boolean): Uint8Array {
  if (o.masterKey !== undefined) return o.masterKey;
  const path = defaultMasterKeyPath(o.env);
  let hex: string;
  if (existsSync(path)) {
    hex = readMasterKeyFile(path).hex;
  } else if (fresh) {
    ensurePrivateDirectory(path, 'master key file');
    hex = generateMasterKeyFile(path, o.clock());
    o.out(`Created a new master key in ${path} (mode 0600). Keep it secret and backed up: without it the store cannot be opened.`);
  } else {
    throw new HydroSyncError('USAGE', `the server needs the store's master key: give --master-key-file FILE, or set ${MASTER_KEY_FILE_ENV} or ${MASTER_KEY_ENV} (no key file at ${path})`);
  }
  o.secret?.(hex);
  return hexToBytes(hex);
}

/**
 * Start the server. Resolves once it listens, with its base URL and `stopped`, which resolves
 * after the first SIGTERM or SIGINT has closed it (in-flight requests finished, store closed).
 */
export async function startServer(o: StartServerOptions): Promise<{ app: FastifyInstance; url: string; stopped: Promise<void> }> {
  const demoDir = o.demo === true ? mkdtempSync(join(tmpdir(), 'hydrosync-demo-')) : undefined;
  const path = demoDir !== undefined ? join(demoDir, 'hsm.sqlite') : o.store.path;
  const fresh = !isStoreUrl(path) && !storeExists(path);
  const key = demoDir !== undefined ? new Uint8Array(randomBytes(32)) : masterKey(o, fresh);
  if (fresh) {
    await createStore(path, key, {}, o.clock());
    if (demoDir === undefined) o.out(`Created the security module store ${path} (mode 0600).`);
  }
  const hsm = await openStoreHsm(path, key, { node: o.node, clock: o.clock });
  let serverStore;
  try {
    serverStore = await openServerStore(path);
  } catch (e) {
    await hsm.close();
    throw e;
  }
  let payments;
  try {
    payments = await setUpPayments({ simulator: o.paymentSimulator === true || demoDir !== undefined, env: o.env, ...(o.secret !== undefined ? { secret: o.secret } : {}) });
  } catch (e) {
    await hsm.close();
    await serverStore.close();
    throw e;
  }
  const app = await buildServer({
    hsm, store: serverStore, version: o.version, ...(payments.options !== undefined ? { payments: payments.options } : {}),
    logger: { stream: { write: (line: string) => o.log(line) } },
    ...(o.rateLimit !== undefined ? { rateLimit: o.rateLimit === 0 ? false : { max: o.rateLimit, timeWindowMs: 60_000 } } : {}),
  });
  const demo = demoDir !== undefined ? await seedDemoData(hsm, serverStore, o.clock()) : undefined;
  app.addHook('onClose', () => payments.close());
  if (demoDir !== undefined) app.addHook('onClose', async () => rmSync(demoDir, { recursive: true, force: true }));
  const stopped = o.signals === false ? new Promise<void>((resolve) => app.addHook('onClose', async () => resolve()))
    : stopOnSignals(app, (signal) => o.out(`Stopping (${signal}): finishing requests in flight, then closing the store.`));
  const url = await listen(app, o.host, o.port);
  payments.listening(url);
  o.out(`HydroSync server on ${url} (store ${storeName(path)}); API ${url}/v1, OpenAPI ${url}/v1/openapi.json`);
  o.out(payments.description);
  if (demo !== undefined) for (const line of demoDataLines(demo, url)) o.out(line);
  else if ((await serverStore.listApiKeys()).length === 0) {
    o.out(`No API keys yet: create an admin key with 'hydrosync serve key create --role admin --vending-point office${o.store.from === '--store' ? ` --store ${path}` : ''}'.`);
  }
  return { app, url, stopped };
}
