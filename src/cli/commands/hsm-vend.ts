import type { Command } from 'commander';
import type { VendRequest } from '../../hsm/types';
import type { CliContext } from '../context';
import { AMOUNT_HELP, currencyOption, litresOption, m3Option, rupiahOption } from '../options/amount';
import { examples } from '../help-text';
import { issueAndPrint } from '../hsm/issued-text';
import { type RequestOptionValues, addRequestOptions, requestContext } from '../hsm/request-options';
import { type StoreOptionValues, addStoreOptions } from '../hsm/store-options';
import { panOption } from '../options/pan';
import { quietTokensOption } from '../options/quiet';
import { exactlyOne } from '../option-values';

interface VendOptions extends StoreOptionValues, RequestOptionValues {
  pan?: string;
  m3?: string;
  litres?: string;
  rupiah?: string;
  currency?: string;
}

/** The vend request from the options: exactly one amount, each already checked by its option's parser. */
export function vendRequestFromOptions(ctx: CliContext, o: VendOptions): VendRequest {
  const pan = panOption(o.pan);
  const which = exactlyOne({ '--m3': o.m3, '--litres': o.litres, '--rupiah': o.rupiah, '--currency': o.currency }, 'the amount');
  const base = { ...requestContext(ctx, o), pan };
  switch (which) {
    case '--m3': return { ...base, cubicMetres: o.m3! };
    case '--litres': return { ...base, litres: o.litres! };
    case '--rupiah': return { ...base, rupiah: o.rupiah! };
    default: return { ...base, currency: o.currency! };
  }
}

/** `hydrosync hsm vend`: issue a water credit token for a registered meter. */
export function registerHsmVend(hsm: Command, ctx: CliContext): void {
  const cmd = hsm
    .command('vend')
    .summary('issue water credit: --m3, --litres, --rupiah (block tariff) or --currency')
    .description('Issue a water credit token for a registered meter with its key from the store: a volume (class 0 subclass 1, 0.1 m³ units, rounded up), an amount in rupiah turned into volume with the customer group\'s PDAM block tariff (the breakdown is shown), or a water currency token (class 0 subclass 5). The TID is the next free minute of the meter; every vend is recorded in the audit log.')
    .option('--pan <digits>', '18-digit MeterPAN of a registered meter (required)')
    .addOption(m3Option())
    .addOption(litresOption())
    .addOption(rupiahOption())
    .addOption(currencyOption('water currency token (class 0 subclass 5) for this many currency units'))
    .addOption(quietTokensOption());
  addRequestOptions(cmd);
  addStoreOptions(cmd)
    .addHelpText('after', `
With --txn ID, asking again with the same ID returns the same token again ("reissued"): no new
credit, no new TID. Refusals (unknown meter, expired or inactive key, default key, daily limit,
amount out of range) exit 1 with one line "hydrosync: CODE: …" on stderr.
${AMOUNT_HELP}
${examples([
  'hydrosync hsm vend --pan 600727000000000009 --m3 2.55',
  'hydrosync hsm vend --pan 600727000000000009 --rupiah 50000 --txn till3-000123',
  'hydrosync hsm vend --pan 600727000000000009 --currency 25000 --json',
])}`)
    .action(async (o: VendOptions) => {
      const req = vendRequestFromOptions(ctx, o);
      await issueAndPrint(ctx, o, (m) => m.vend(req));
    });
}
