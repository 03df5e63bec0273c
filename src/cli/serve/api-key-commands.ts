/** `hydrosync serve key create|list|revoke`: API keys in the server tables of the store (no master key needed). */
import { HydroSyncError } from '../../errors';
import type { CliContext } from '../context';
import { isStoreUrl, resolveStorePath, storeExists } from '../../node/store-file';
import type { StoreOptionValues } from '../hsm/store-options';
import { columns } from '../help-text';
import type { ServerStore } from '../../server/store/server-store';

export async function withServerStore<T>(ctx: CliContext, o: StoreOptionValues, f: (store: ServerStore) => Promise<T>): Promise<T> {
  const location = resolveStorePath(o.store, ctx.io.env);
  if (!isStoreUrl(location.path) && !storeExists(location.path)) {
    throw new HydroSyncError('STORE', `no store at ${location.path}: start 'hydrosync serve' once (it creates one) or run 'hydrosync hsm init'`);
  }
  const { openServerStore } = await import('../../server/store/open-server-store');
  const store = await openServerStore(location.path);
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

export async function createKeyCommand(ctx: CliContext, o: StoreOptionValues & { role: 'agent' | 'admin'; vendingPoint: string; label?: string }): Promise<void> {
  const { createApiKey } = await import('../../server/api-key');
  await withServerStore(ctx, o, async (store) => {
    const { key, row } = await createApiKey({ role: o.role, vendingPoint: o.vendingPoint, ...(o.label !== undefined ? { label: o.label } : {}) }, ctx.now());
    await store.insertApiKey(row);
    if (o.json) return ctx.json({ id: row.id, role: row.role, vendingPoint: row.vendingPoint, label: row.label, createdAt: row.createdAt, key });
    ctx.out(`Created ${row.role} key ${row.id} for vending point ${row.vendingPoint}. It is shown only now; the store keeps only a hash:`);
    ctx.out(key);
  });
}

export async function listKeysCommand(ctx: CliContext, o: StoreOptionValues): Promise<void> {
  await withServerStore(ctx, o, async (store) => {
    const rows = await store.listApiKeys();
    if (o.json) return ctx.json(rows.map(({ hash: _h, ...r }) => r));
    if (rows.length === 0) return ctx.out('No API keys.');
    for (const l of columns([['ID', 'ROLE', 'VENDING POINT', 'CREATED', 'REVOKED', 'LABEL'],
      ...rows.map((r) => [r.id, r.role, r.vendingPoint, r.createdAt, r.revokedAt ?? '-', r.label])])) ctx.out(l);
  });
}

export async function revokeKeyCommand(ctx: CliContext, o: StoreOptionValues, id: string): Promise<void> {
  await withServerStore(ctx, o, async (store) => {
    const row = await store.revokeApiKey(id, ctx.now().toISOString());
    if (row === undefined) throw new HydroSyncError('NOT_FOUND', `no API key ${id}; see 'hydrosync serve key list'`);
    if (o.json) return ctx.json({ id: row.id, revokedAt: row.revokedAt });
    ctx.out(`Revoked API key ${row.id} (at ${row.revokedAt}); it stops working at once.`);
  });
}
