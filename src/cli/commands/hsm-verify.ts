import type { Command } from 'commander';
import type { CliContext } from '../context';
import { CliExit, EXIT, usage } from '../exit-codes';
import { examples } from '../help-text';
import { refusalsExit1 } from '../hsm/refusals';
import { type StoreOptionValues, addStoreOptions, withHsm } from '../hsm/store-options';
import { panOption } from '../options/pan';
import { describeRows, groupDigits, publicDescription, table } from '../token-text';
import { joinGroups } from './token-decode';

/** `hydrosync hsm verify TOKEN --pan PAN`: decode a token with the meter's key, for support staff. */
export function registerHsmVerify(hsm: Command, ctx: CliContext): void {
  const cmd = hsm
    .command('verify')
    .summary('decode a token with a registered meter\'s key (for support staff)')
    .description('Decode a 20-digit token as the meter would, with the meter\'s decoder key from the store: the CRC, the kind, the fields and what they mean. Tells support staff whether a token a customer reports belongs to the meter and what it carries. Key bits of key change tokens are never shown.')
    .argument('<token...>', '20-digit token (spaces or dashes allowed; 5 groups of 4 digits may be separate arguments)')
    .option('--pan <digits>', '18-digit MeterPAN of a registered meter (required)');
  addStoreOptions(cmd)
    .addHelpText('after', `
Exit status: 0 the token decodes with the meter's key; 1 it does not (CRC: mistyped, or for
another meter or key; FORMAT; FUNCTION) or the meter is unknown; 2 a usage or store error.
${examples([
  'hydrosync hsm verify --pan 600727000000000009 "4718 6281 2079 5515 5808"',
  'hydrosync hsm verify --pan 600727000000000009 4718 6281 2079 5515 5808 --json',
])}`)
    .action(async (args: string[], o: StoreOptionValues & { pan?: string }) => {
      const pan = panOption(o.pan);
      const tokens = joinGroups(args);
      if (tokens.length !== 1) usage(`give one token (got ${tokens.length}); verify them one at a time`);
      const raw = tokens[0]!;
      const token = raw.replace(/[\s-]/g, '');
      await refusalsExit1(ctx, () => withHsm(ctx, o, async ({ hsm: m }) => {
        const meter = await m.getMeter(pan);
        const result = await m.verify(pan, raw);
        if (!result.ok) {
          // The token does not decode with this meter's key (exit 1).
          if (o.json) ctx.json({ token, pan, ok: false, error: { code: result.code, message: result.message } });
          else ctx.error(`token ${groupDigits(token)} for meter ${pan}: ${result.code}: ${result.message}`);
          throw new CliExit(EXIT.FAILED);
        }
        const d = publicDescription(result.description);
        if (o.json) return ctx.json({ token, pan, ok: true, keyRevisionNumber: meter.keyRevisionNumber, baseDate: meter.baseDate, ...d });
        ctx.out(`Token ${groupDigits(token)}: decodes with the key of meter ${pan} (KRN ${meter.keyRevisionNumber})`);
        for (const l of table(describeRows(d, meter.baseDate))) ctx.out(l);
      }));
    });
}
