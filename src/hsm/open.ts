/**
 * initHsm and openHsm. A store is a HydroSync store when its meta row 'hsm_format' says so; the
 * master key is checked against the check value written at init before anything else happens.
 */
import { fail } from '../errors';
import type { StaTables } from '../cipher/sta-tables';
import { MAIN_CHAIN, appendAudit, checkChainName, initAudit } from './audit';
import { DEFAULT_CONFIG, mergeConfig } from './config';
import { Hsm } from './hsm';
import { checkMasterKey, masterKeyCheckValue, masterKeys, sameText } from './master-key';
import type { HsmStore } from './store';
import type { HsmConfig } from './types';
import { newTransactionId } from './context';

export const HSM_FORMAT = 'hydrosync-hsm/1';

function checkStore(store: unknown): asserts store is HsmStore {
  if (store === null || typeof store !== 'object' || typeof (store as HsmStore).transaction !== 'function') {
    fail('STORE', 'a security module needs an HsmStore (MemoryStore, or openSqliteStore(path) from the Node adapter)');
  }
}

/**
 * Initialise an empty store: format, master-key check value, configuration, empty audit chain
 * and its first record ('init').
 * @param store - an empty HsmStore (MemoryStore, or openSqliteStore(path, { create: true }))
 * @param masterKey - 32 bytes (parseMasterKey)
 * @param config - overrides of DEFAULT_CONFIG
 * @param now - the time recorded as created_at and in the first audit record
 * @throws HydroSyncError `CONFLICT` (nothing changed) if the store is initialised already; `STORE`
 *   not an HsmStore; `MASTER_KEY` not a 32-byte key; `FORMAT` or `RANGE` a malformed config.
 * @example
 * ```ts
 * const store = new MemoryStore();
 * const masterKey = parseMasterKey(masterKeyHex); // 64 hex digits
 * await initHsm(store, masterKey, {});           // once
 * const hsm = await openHsm({ store, masterKey });
 * ```
 */
export async function initHsm(store: HsmStore, masterKey: Uint8Array, config: Partial<HsmConfig> = {}, now: Date = new Date()): Promise<void> {
  checkStore(store);
  const master = checkMasterKey(masterKey);
  const cfg = mergeConfig(DEFAULT_CONFIG, config);
  const keys = masterKeys(master);
  await store.transaction(async (tx) => {
    if ((await tx.getMeta('hsm_format', { lock: true })) !== undefined || (await tx.getMeta('master_key_check')) !== undefined) {
      fail('CONFLICT', 'this store is already initialised; nothing was changed (open it with openHsm, or choose another path)');
    }
    await tx.setMeta('hsm_format', HSM_FORMAT);
    await tx.setMeta('created_at', now.toISOString());
    await tx.setMeta('master_key_check', masterKeyCheckValue(master));
    await tx.setMeta('config', JSON.stringify(cfg));
    await initAudit(tx, keys.audit);
    await appendAudit(tx, keys.audit, MAIN_CHAIN, {
      at: now.toISOString(), operator: 'system', vendingPoint: '', transactionId: newTransactionId(now), pan: null, kind: 'init',
      outcome: 'done', errorCode: null, amount: null, tid: null, tokenHash: null,
    });
  });
}

/**
 * Open an initialised store.
 * @param options - `store`, `masterKey` (32 bytes), optionally `node` (this vending node's name:
 *   its audit chain, default 'main'; give each node sharing a database its own), `clock` (for
 *   tests) and `staTables` (EA07)
 * @returns the security module
 * @throws HydroSyncError `USAGE` no options object; `STORE` not an initialised store (or damaged);
 *   `MASTER_KEY` the key is not the store's.
 * @example
 * ```ts
 * const hsm = await openHsm({ store: openSqliteStore('pdam.hsm'), masterKey }); // hydrosync/node
 * ```
 */
export async function openHsm(options: { store: HsmStore; masterKey: Uint8Array; node?: string; clock?: () => Date; staTables?: StaTables }): Promise<Hsm> {
  if (options === null || typeof options !== 'object') fail('USAGE', 'openHsm needs { store, masterKey }');
  const { store, clock = () => new Date() } = options;
  checkStore(store);
  const master = checkMasterKey(options.masterKey);
  const chain = options.node === undefined ? MAIN_CHAIN : checkChainName(options.node);
  const [format, check] = await store.transaction(async (tx) => [await tx.getMeta('hsm_format'), await tx.getMeta('master_key_check')] as const, { readOnly: true });
  if (format === undefined) fail('STORE', 'this store is not initialised; run hsm init first');
  if (format !== HSM_FORMAT) fail('STORE', `this store has format "${format.slice(0, 40)}"; this version of hydrosync reads "${HSM_FORMAT}" and never migrates silently`);
  if (check === undefined) fail('STORE', 'this store has no master-key check value; it is damaged');
  if (!sameText(check, masterKeyCheckValue(master))) {
    fail('MASTER_KEY', 'the master key is not the one this store was initialised with; nothing was read or changed. Check HYDROSYNC_MASTER_KEY or the master key file');
  }
  if (typeof clock !== 'function') fail('USAGE', 'clock must be a function returning a Date');
  const hsm = Hsm.create(store, masterKeys(master), clock, chain, options.staTables);
  await hsm.config();
  return hsm;
}
