import type { Command } from 'commander';
import type { VendRequest } from '../../hsm/types';
import type { CliContext } from '../context';
import { usage } from '../exit-codes';
import {
  type RequestOptionValues, type StoreOptionValues, addRequestOptions, addStoreOptions, examples, panOption,
  printIssued, refusalsExit1, requestContext, withHsm,
} from '../hsm-options';
import { exactlyOne, parseInteger } from '../option-values';

interface VendOptions extends StoreOptionValues, RequestOptionValues {
  pan?: string;
  m3?: string;
  litres?: string;
  rupiah?: string;
  currency?: string;
}

/** A positive decimal with up to `fraction` digits after the point (checked, not converted: the module does exact arithmetic). */
function decimal(text: string, option: string, fraction: number): string {
  const t = text.trim().replace(/_/g, '');
  const re = new RegExp(`^\\d+(\\.\\d{1,${fraction}})?$`);
  if (!re.test(t)) usage(`${option} must be a decimal number with up to ${fraction} digits after the point; got ${JSON.stringify(t.length > 30 ? `${t.slice(0, 27)}...` : t)}`);
  return t;
}

/** The vend request from the options: exactly one amount. */
export function vendRequestFromOptions(ctx: CliContext, o: VendOptions): VendRequest {
  const pan = panOption(o.pan);
  const which = exactlyOne({ '--m3': o.m3, '--litres': o.litres, '--rupiah': o.rupiah, '--currency': o.currency }, 'the amount');
  const base = { ...requestContext(ctx, o), pan };
  switch (which) {
    case '--m3': return { ...base, cubicMetres: decimal(o.m3!, '--m3', 3) };
    case '--litres': return { ...base, litres: parseInteger(o.litres!.replace(/_/g, ''), '--litres', 1, Number.MAX_SAFE_INTEGER) };
    case '--rupiah': return { ...base, rupiah: parseInteger(o.rupiah!.replace(/[_.,]/g, ''), '--rupiah', 1, Number.MAX_SAFE_INTEGER) };
    default: return { ...base, currency: decimal(o.currency!, '--currency', 5) };
  }
}

/** `hydrosync hsm vend`: issue a water credit token for a registered meter. */
export function registerHsmVend(hsm: Command, ctx: CliContext): void {
  const cmd = hsm
    .command('vend')
    .summary('issue water credit: --m3, --litres, --rupiah (block tariff) or --currency')
    .description('Issue a water credit token for a registered meter with its key from the store: a volume (class 0 subclass 1, 0.1 m³ units, rounded up), an amount in rupiah turned into volume with the customer group\'s PDAM block tariff (the breakdown is shown), or a water currency token (class 0 subclass 5). The TID is the next free minute of the meter; every vend is recorded in the audit log.')
    .option('--pan <digits>', '18-digit MeterPAN of a registered meter (required)')
    .option('--m3 <decimal>', 'volume in cubic metres, e.g. 2.55 (rounded up to 0.1 m³)')
    .option('--litres <n>', 'volume in whole litres (rounded up to 100 L)')
    .option('--rupiah <n>', 'amount paid in whole rupiah: volume from the block tariff, change returned')
    .option('--currency <decimal>', 'water currency token (class 0 subclass 5) for this many currency units')
    .option('--json', 'print one JSON object');
  addRequestOptions(cmd);
  addStoreOptions(cmd)
    .addHelpText('after', `
With --txn ID, asking again with the same ID returns the same token again ("reissued"): no new
credit, no new TID. Refusals (unknown meter, expired or inactive key, default key, daily limit,
amount out of range) exit 1 with one line "hydrosync: CODE: …" on stderr.
${examples([
  'hydrosync hsm vend --pan 600727000000000009 --m3 2.55',
  'hydrosync hsm vend --pan 600727000000000009 --rupiah 50000 --txn till3-000123',
  'hydrosync hsm vend --pan 600727000000000009 --currency 25000 --json',
])}`)
    .action(async (o: VendOptions) => {
      const req = vendRequestFromOptions(ctx, o);
      await refusalsExit1(ctx, () => withHsm(ctx, o, ({ hsm: m }) => {
        printIssued(ctx, m.vend(req), o);
      }));
    });
}
