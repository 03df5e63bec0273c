import type { Command } from 'commander';
import type { CliContext } from '../context';
import { usage } from '../exit-codes';
import { type ConfigOptionValues, addConfigOptions, configFromOptions, configLines } from '../hsm-config-options';
import { defaultSubcommand } from '../command-groups';
import { examples } from '../help-text';
import { refusalsExit1 } from '../hsm/refusals';
import { type RequestOptionValues, addRequestOptions, operatorName } from '../hsm/request-options';
import { type StoreOptionValues, addStoreOptions, withHsm } from '../hsm/store-options';

/** `hydrosync hsm config [show]` and `hsm config set`: the module's configuration. */
export function registerHsmConfig(hsm: Command, ctx: CliContext): void {
  const config = hsm.command('config').summary('show or change the configuration: local time, daily limits, tariffs')
    .description('The security module\'s configuration: UTC offset of the meters\' local time (for TIDs), daily limits per vending point, PDAM block tariffs.');

  const show = defaultSubcommand(config.command('show', { isDefault: true })).summary('show the configuration (the default)');
  addStoreOptions(show).action(async (o: StoreOptionValues) => {
    await withHsm(ctx, o, async ({ hsm: m }) => {
      const c = await m.config();
      if (o.json) ctx.json(c);
      else for (const l of configLines(c)) ctx.out(l);
    });
  });

  const set = config.command('set').summary('change the configuration (recorded in the audit log)');
  addConfigOptions(set);
  addRequestOptions(set, { adminOnly: true });
  addStoreOptions(set, { json: 'print the new configuration as one JSON object' })
    .addHelpText('after', examples([
      'hydrosync hsm config set --daily-limit-litres 500000 --daily-limit-rupiah none',
      'hydrosync hsm config set --tariffs pdam-tariffs-2026.json',
    ]))
    .action(async (o: StoreOptionValues & ConfigOptionValues & RequestOptionValues) => {
      const changes = configFromOptions(ctx, o);
      if (Object.keys(changes).length === 0) usage('nothing to change: give --utc-offset, --daily-limit-litres, --daily-limit-rupiah, --max-litres-per-sale or --tariffs');
      await refusalsExit1(ctx, () => withHsm(ctx, o, async ({ hsm: m }) => {
        const c = await m.setConfig(changes, { operator: operatorName(ctx, o) });
        if (o.json) ctx.json(c);
        else {
          ctx.out('Configuration changed:');
          for (const l of configLines(c)) ctx.out(l);
        }
      }));
    });
}
