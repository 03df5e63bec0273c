import { type Command, Option } from 'commander';
import type { KeyChangeRequest } from '../../hsm/types';
import type { CliContext } from '../context';
import { usage } from '../exit-codes';
import { type FleetOptionValues, runFleet } from '../hsm-fleet';
import { examples } from '../help-text';
import { issueAndPrint } from '../hsm/issued-text';
import { type RequestOptionValues, addRequestOptions, requestContext } from '../hsm/request-options';
import { type StoreOptionValues, addStoreOptions } from '../hsm/store-options';
import { panOption } from '../options/pan';
import { addAttributeOptions, attributeOverrides } from '../key-source';

/** The new-key options of hsm key-change (single meter and the fleet defaults). */
export interface NewKeyValues {
  newVendingKeyId?: string;
  newKrn?: string;
  newKt?: string;
  newKen?: string;
  newTi?: string;
  newSgc?: string;
  newBaseDate?: string;
  threeTokenSet?: boolean;
  /** Old spelling of --three-token-set (hidden). */
  threeToken?: boolean;
}

type KeyChangeOptions = StoreOptionValues & RequestOptionValues & NewKeyValues & FleetOptionValues & { pan?: string };

/** The new key's attributes given by the options (only those given), parsed as the key attribute flags are. */
export function newKeyFromOptions(o: NewKeyValues): Omit<KeyChangeRequest, 'pan' | 'operator' | 'vendingPoint' | 'transactionId'> {
  const a = attributeOverrides({ krn: o.newKrn, kt: o.newKt, ken: o.newKen, ti: o.newTi, sgc: o.newSgc, baseDate: o.newBaseDate }, '--new-');
  return {
    ...(o.newVendingKeyId !== undefined ? { newVendingKeyId: o.newVendingKeyId.trim() } : {}),
    ...Object.fromEntries(Object.entries(a).map(([field, v]) => [`new${field[0]!.toUpperCase()}${field.slice(1)}`, v])),
    ...(o.threeTokenSet || o.threeToken ? { threeTokenSet: true } : {}),
  };
}

/** `hydrosync hsm key-change`: key change token set for one meter, or for a fleet from a CSV file. */
export function registerHsmKeyChange(hsm: Command, ctx: CliContext): void {
  const cmd = hsm
    .command('key-change').alias('keychange')
    .summary('key change token set for one meter (--pan) or a fleet (--fleet meters.csv)')
    .description('Issue the key change token set (2, 3 or 4 tokens, in entry order) that moves a meter to a new decoder key: new KRN, KT, KEN, TI, SGC or base date (a new base date is a rollover, RO = 1). With --fleet, do it for every meter of a CSV file.')
    .option('--pan <digits>', '18-digit MeterPAN of a registered meter (one meter)')
    .optionsGroup('New key options (default: the meter\'s current values):')
    .option('--new-vending-key-id <id>', 'vending key of the new decoder key (default: the meter\'s)');
  addAttributeOptions(cmd, ['sgc', 'ti', 'krn', 'kt', 'ken', 'baseDate'], {
    prefix: 'new-', describe: (d) => `new ${d}`, help: { baseDate: 'new base date: 1993, 2014 or 2035 (a change is a rollover, RO = 1)' },
  })
    .option('--three-token-set', '64-bit keys: a 3-token set that also carries the SGC (3KCT)')
    .addOption(new Option('--three-token', 'old spelling of --three-token-set').hideHelp())
    .optionsGroup('Fleet options:')
    .option('--fleet <file>', 'CSV of meters (a header row; a "pan" column, optional columns override the flags per meter); "-" reads standard input')
    .option('--format <format>', 'outcome format: csv (default) or ndjson')
    .option('--out <file>', 'write the outcomes to FILE (refuses to overwrite without --force) instead of stdout')
    .option('--force', 'with --out: replace an existing file')
    .option('--quiet', 'one meter: print only the tokens, one per line; fleet: no progress bar and no summary line on stderr');
  addRequestOptions(cmd);
  addStoreOptions(cmd, { json: 'one meter: print one JSON object; fleet: NDJSON outcomes (with --out: a JSON summary on stdout)' })
    .addHelpText('after', `
A fleet CSV has a header row with a "pan" column; the optional columns newKeyRevisionNumber,
newBaseDate, newKeyType, newKeyExpiryNumber, newTariffIndex, newSupplyGroupCode,
newVendingKeyId and threeTokenSet override the flags for their meter (empty cell: the flag).
Outcomes, one line per meter in input order: CSV pan,ok,errorCode,message,token1..token4, or
NDJSON {"pan","ok":true,"tokens":[…]} / {"pan","ok":false,"errorCode","message"}.
A progress bar is shown on stderr only when it is a terminal (not with --quiet or --json); a
summary line follows on stderr. Exit 1 if any meter was refused. With --txn ID, meter P's
transaction is "ID:P": 'hsm key-change --pan P --txn ID:P' shows its set again.
${examples([
  'hydrosync hsm key-change --pan 600727000000000009 --new-krn 2',
  'hydrosync hsm key-change --pan 600727000000000009 --new-krn 2 --new-base-date 2014',
  'hydrosync hsm key-change --fleet meters.csv --new-krn 2 --out keychange-2026-12.csv',
])}`)
    .action(async (o: KeyChangeOptions) => {
      const next = newKeyFromOptions(o);
      if (o.fleet !== undefined) {
        if (o.pan !== undefined) usage('give either --pan (one meter) or --fleet FILE, not both');
        await runFleet(ctx, o, next);
        return;
      }
      for (const [flag, v] of [['--format', o.format], ['--out', o.out], ['--force', o.force]] as const) {
        if (v !== undefined) usage(`${flag} goes with --fleet FILE`);
      }
      if (o.quiet && o.json) usage("option '--quiet' cannot be used with option '--json'");
      const pan = panOption(o.pan, '--pan (or --fleet FILE)');
      const req: KeyChangeRequest = { ...requestContext(ctx, o), pan, ...next };
      await issueAndPrint(ctx, o, (m) => m.keyChange(req));
    });
}
