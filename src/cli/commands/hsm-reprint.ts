import type { Command } from 'commander';
import type { Hsm } from '../../hsm/hsm';
import type { Issued } from '../../hsm/types';
import type { TransactionSummary } from '../../hsm/reprint';
import type { CliContext } from '../context';
import { usage } from '../exit-codes';
import { columns, examples } from '../help-text';
import { printIssued } from '../hsm/issued-text';
import { refusalsExit1 } from '../hsm/refusals';
import { type RequestOptionValues, addRequestOptions, requestContext } from '../hsm/request-options';
import { type StoreOptionValues, addStoreOptions, withHsm } from '../hsm/store-options';
import { panOption } from '../options/pan';
import { quietTokensOption } from '../options/quiet';

interface ReprintOptions extends StoreOptionValues, RequestOptionValues {
  pan?: string;
  from?: string;
  to?: string;
  json?: boolean;
  quiet?: boolean;
}

/** The operation: the sealed original of --txn, or the meter's transactions (--pan, --from, --to). */
export async function reprintOperation(hsm: Hsm, ctx: CliContext, o: ReprintOptions): Promise<Issued | TransactionSummary[]> {
  if ((o.txn === undefined) === (o.pan === undefined)) usage('give --txn ID (reprint it) or --pan PAN (list its transactions)');
  if (o.txn !== undefined) {
    if (o.from !== undefined || o.to !== undefined) usage('--from and --to go with --pan');
    return hsm.reprint({ ...requestContext(ctx, o), transactionId: o.txn });
  }
  if (o.quiet) usage('--quiet prints tokens: it goes with --txn ID (a list of transactions has none)');
  return hsm.transactions(panOption(o.pan), { ...(o.from !== undefined ? { from: o.from } : {}), ...(o.to !== undefined ? { to: o.to } : {}) });
}

/** `hydrosync hsm reprint --txn ID | --pan PAN [--from D] [--to D]`. */
export function registerHsmReprint(hsm: Command, ctx: CliContext): void {
  const cmd = hsm.command('reprint').summary('show a completed transaction\'s tokens again (a lost receipt), or list a meter\'s transactions')
    .description('With --txn: the sealed original result (the same tokens, no new credit), without the original request; audited as a reprint. With --pan: the meter\'s completed transactions (id, kind, time), optionally from/to local dates, to find the id.')
    .option('--pan <digits>', 'list this meter\'s transactions')
    .option('--from <date>', 'with --pan: from this local date, YYYY-MM-DD')
    .option('--to <date>', 'with --pan: up to this local date (inclusive), YYYY-MM-DD')
    .addOption(quietTokensOption());
  addRequestOptions(cmd);
  addStoreOptions(cmd)
    .addHelpText('after', examples([
      'hydrosync hsm reprint --pan 600727000000000009 --from 2026-12-01',
      'hydrosync hsm reprint --txn pos1-000123',
    ]))
    .action(async (o: ReprintOptions) => {
      await refusalsExit1(ctx, () => withHsm(ctx, o, async ({ hsm: m }) => {
        const r = await reprintOperation(m, ctx, o);
        if (!Array.isArray(r)) return printIssued(ctx, r, o, (await m.config()).utcOffsetMinutes);
        if (o.json) return ctx.json({ transactions: r });
        if (r.length === 0) return ctx.out('No transactions.');
        for (const l of columns([['TRANSACTION', 'KIND', 'AT (UTC)'], ...r.map((t) => [t.transactionId, t.kind, t.at])])) ctx.out(l);
      }));
    });
}
