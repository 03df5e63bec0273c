import type { Command } from 'commander';
import type { CliContext } from '../context';
import { columns } from '../help-text';
import { type StoreOptionValues, addStoreOptions, withHsm } from '../hsm/store-options';

/** `hydrosync hsm key list`: the vending keys in the store (attributes and KCV, never the keys). */
export function registerHsmKeyList(key: Command, ctx: CliContext): void {
  const cmd = key
    .command('list')
    .summary('list the vending keys (attributes and key check values, never the keys)');
  addStoreOptions(cmd, { json: 'print one JSON object {"vendingKeys":[…]}' }).action(async (o: StoreOptionValues) => {
    await withHsm(ctx, o, async ({ hsm }) => {
      const keys = await hsm.listVendingKeys();
      if (o.json) return ctx.json({ vendingKeys: keys });
      if (keys.length === 0) return ctx.out('No vending keys: import one with hydrosync hsm key import.');
      const head = ['ID', 'DKGA', 'SGC', 'KRN', 'TYPE', 'BASE', 'EA', 'ACTIVE FROM', 'ISSUED UNTIL', 'KCV'];
      const rows = keys.map((k) => [k.id, k.dkga, k.supplyGroupCode, String(k.keyRevisionNumber), k.vendingKeyType, String(k.baseDate),
        k.encryptionAlgorithm, k.activeFrom, k.issuedUntil ?? '-', k.checkValue]);
      for (const l of columns([head, ...rows])) ctx.out(l);
    });
  });
}

