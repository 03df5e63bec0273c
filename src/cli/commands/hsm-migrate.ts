import type { Command } from 'commander';
import type { CliContext } from '../context';
import { examples } from '../help-text';
import { storeName } from '../../node/store-file';
import { type StoreOptionValues, addStoreOptions, withHsm } from '../hsm/store-options';

/**
 * `hydrosync hsm migrate`: bring a store of an older schema version to this version's, in one
 * transaction, then open it with the master key and verify the audit log. Every other command
 * refuses such a store (STORE, naming this command); a store of a newer version is refused here too.
 */
export function registerHsmMigrate(hsm: Command, ctx: CliContext): void {
  const cmd = hsm.command('migrate')
    .summary('bring a store made by an older hydrosync to this version\'s schema')
    .description('Apply the store schema migrations this version of hydrosync has and the store lacks, all in one transaction (all or nothing), then open the store with the master key and verify its audit log. Back the store up first. Nothing else ever migrates a store; a store written by a newer hydrosync is refused, never migrated backwards.');
  addStoreOptions(cmd, { json: 'print one JSON object {"store","audit"}' })
    .addHelpText('after', examples([
      'hydrosync hsm migrate --store /var/lib/pdam/hsm.sqlite',
      'hydrosync hsm migrate --store postgres://vending@db.pdam.local/vending',
    ]))
    .action(async (o: StoreOptionValues) => {
      await withHsm(ctx, o, async ({ hsm, location }) => {
        const v = await hsm.verifyAudit();
        if (o.json) ctx.json({ store: storeName(location.path), audit: v });
        else {
          ctx.out(`The store ${storeName(location.path)} has this version's schema.`);
          ctx.out(v.ok ? `Audit log: intact, ${v.records} records.` : `Audit log: BROKEN at record ${v.firstBad!.seq} (${v.firstBad!.reason}): ${v.firstBad!.message}`);
        }
        if (!v.ok) ctx.raise(1);
      }, { migrate: true, missing: 'nothing to migrate' });
    });
}
