import type { Command } from 'commander';
import type { Hsm } from '../../hsm';
import type { MeterAdd, MeterRecord } from '../../hsm/types';
import type { CliContext } from '../context';
import { vendingKeyIdOption } from '../options/vending-key-id';
import { usage } from '../exit-codes';
import { columns, examples } from '../help-text';
import { refusalsExit1 } from '../hsm/refusals';
import { type RequestOptionValues, addRequestOptions, operatorName } from '../hsm/request-options';
import { type StoreOptionValues, addStoreOptions, withHsm } from '../hsm/store-options';
import { panOption } from '../options/pan';
import { type AttributeFlags, addAttributeOptions, attributeOverrides } from '../key-source';
import { sgcOf } from '../option-values';
import { algorithmText, keyTypeText, table } from '../token-text';

interface MeterAddOptions extends StoreOptionValues, RequestOptionValues, AttributeFlags {
  customerRef?: string;
  customerGroup?: string;
  profile?: string;
  vendingKeyId?: string;
}

/**
 * The meter to register. SGC, KRN, base date and algorithm not given are taken from the vending
 * key (--vending-key-id ID, or the only key in the store with the given SGC, or the only key).
 */
async function meterAddFromOptions(hsm: Hsm, o: MeterAddOptions): Promise<MeterAdd> {
  const pan = panOption(o.pan);
  if (o.customerRef === undefined || o.customerRef.trim() === '') usage('give the customer reference: --customer-ref REF (the utility\'s account number)');
  const a = attributeOverrides({ ...o, pan: undefined }) as Partial<MeterAdd>;
  let vendingKeyId = o.vendingKeyId?.trim();
  if (a.supplyGroupCode === undefined || a.keyRevisionNumber === undefined || a.baseDate === undefined || a.encryptionAlgorithm === undefined) {
    const keys = await hsm.listVendingKeys();
    const candidates = vendingKeyId !== undefined ? keys.filter((k) => k.id === vendingKeyId)
      : keys.filter((k) => (a.supplyGroupCode ?? k.supplyGroupCode) === k.supplyGroupCode && (a.keyRevisionNumber ?? k.keyRevisionNumber) === k.keyRevisionNumber);
    if (candidates.length === 1) {
      const k = candidates[0]!;
      a.supplyGroupCode ??= k.supplyGroupCode;
      a.keyRevisionNumber ??= k.keyRevisionNumber;
      a.baseDate ??= k.baseDate;
      a.encryptionAlgorithm ??= k.encryptionAlgorithm;
      vendingKeyId ??= k.id;
    } else {
      const missing = [a.supplyGroupCode === undefined && '--sgc', a.keyRevisionNumber === undefined && '--krn', a.baseDate === undefined && '--base-date', a.encryptionAlgorithm === undefined && '--ea']
        .filter((x): x is string => typeof x === 'string');
      const why = vendingKeyId !== undefined ? `there is no vending key ${vendingKeyId}`
        : candidates.length === 0 ? 'no vending key in the store fits' : `${candidates.length} vending keys fit (give --vending-key-id ID)`;
      usage(`give ${missing.join(', ')}: ${why} to take them from`);
    }
  }
  return {
    ...(a as MeterAdd),
    pan,
    customerReference: o.customerRef.trim(),
    ...(o.customerGroup !== undefined ? { customerGroup: o.customerGroup.trim() } : {}),
    ...(o.profile !== undefined ? { profile: o.profile.trim() } : {}),
    ...(vendingKeyId !== undefined ? { vendingKeyId } : {}),
  };
}

/** Human rows of a meter record. */
export function meterRows(m: MeterRecord): [string, string][] {
  return [
    ['MeterPAN', m.pan],
    ['Customer', `${m.customerReference} (group ${m.customerGroup})`],
    ['Supply group (SGC)', m.supplyGroupCode],
    ['Tariff index (TI)', m.tariffIndex],
    ['Key revision (KRN)', String(m.keyRevisionNumber)],
    ['Key type (KT)', keyTypeText(m.keyType)],
    ['Key expiry (KEN)', m.keyExpiryNumber === 255 ? '255 (never expires)' : String(m.keyExpiryNumber)],
    ['Encryption', algorithmText(m.encryptionAlgorithm)],
    ['Base date', String(m.baseDate)],
    ['Profile', m.profile],
    ['Vending key', m.vendingKeyId],
    ['Last TID', m.lastTid === null ? 'none issued yet' : String(m.lastTid)],
    ['Registered at', m.registeredAt],
  ];
}

/** `hydrosync hsm meter add|list|show`. */
export function registerHsmMeter(hsmGroup: Command, ctx: CliContext, requireSubcommand: (c: Command) => void): void {
  const meter = hsmGroup.command('meter').summary('meters: add, list, show').description('Meters registered in the security module (customer, key parameters, last TID).');

  const add = meter.command('add').summary('register a meter and its key parameters')
    .description('Register a meter: its MeterPAN, the customer, and the parameters of its decoder key. SGC, KRN, base date and encryption algorithm default to those of the vending key (--vending-key-id ID, or the only one that fits).')
    .option('--pan <digits>', '18-digit MeterPAN (required)')
    .option('--customer-ref <ref>', 'customer reference, e.g. the utility\'s account number (required)')
    .option('--customer-group <code>', 'tariff group for vend --rupiah, e.g. R1 (default: the module\'s default)');
  addAttributeOptions(add, ['sgc', 'ti', 'krn', 'kt', 'ken', 'baseDate', 'ea'], { help: { ti: '2-digit tariff index (default 01)', kt: 'key type, 0-3 (default 2, unique key)' } })
    .option('--profile <name>', 'meter profile (default: water)')
    .addOption(vendingKeyIdOption('--vending-key-id <id>', 'id of the vending key the meter\'s decoder key derives from (default: the one that fits)'));
  addRequestOptions(add, { adminOnly: true });
  addStoreOptions(add)
    .addHelpText('after', examples([
      'hydrosync hsm meter add --pan 600727000000000009 --customer-ref 01-0001234 --customer-group R1',
      'hydrosync hsm meter add --pan 600727000000000017 --customer-ref 01-0001235 --vending-key-id 201457-krn1 --ti 02',
    ]))
    .action(async (o: MeterAddOptions) => {
      await refusalsExit1(ctx, () => withHsm(ctx, o, async ({ hsm }) => {
        const record = await hsm.addMeter(await meterAddFromOptions(hsm, o), { operator: operatorName(ctx, o) });
        if (o.json) return ctx.json(record);
        ctx.out(`Registered meter ${record.pan}.`);
        for (const l of table(meterRows(record))) ctx.out(l);
      }));
    });

  const list = meter.command('list').summary('list the meters')
    .option('--sgc <digits>', 'only meters of this supply group');
  addStoreOptions(list, { json: 'print one JSON object {"meters":[…]}' }).action(async (o: StoreOptionValues & { sgc?: string }) => {
    const filter = o.sgc !== undefined ? { supplyGroupCode: sgcOf(o.sgc, '--sgc') } : undefined;
    await withHsm(ctx, o, async ({ hsm }) => {
      const meters = await hsm.listMeters(filter);
      if (o.json) return ctx.json({ meters });
      if (meters.length === 0) return ctx.out(filter ? `No meters in supply group ${filter.supplyGroupCode}.` : 'No meters: register one with hydrosync hsm meter add.');
      const head = ['PAN', 'CUSTOMER', 'GROUP', 'SGC', 'TI', 'KRN', 'KT', 'KEN', 'EA', 'BASE', 'LAST TID'];
      const rows = meters.map((m) => [m.pan, m.customerReference, m.customerGroup, m.supplyGroupCode, m.tariffIndex, String(m.keyRevisionNumber),
        String(m.keyType), String(m.keyExpiryNumber), m.encryptionAlgorithm, String(m.baseDate), m.lastTid === null ? '-' : String(m.lastTid)]);
      for (const l of columns([head, ...rows])) ctx.out(l);
      ctx.out(`${meters.length} meter${meters.length === 1 ? '' : 's'}`);
    });
  });

  const show = meter.command('show').summary('show one meter').argument('<pan>', '18-digit MeterPAN');
  addStoreOptions(show).action(async (panArg: string, o: StoreOptionValues) => {
    const pan = panOption(panArg, 'PAN');
    await refusalsExit1(ctx, () => withHsm(ctx, o, async ({ hsm }) => {
      const m = await hsm.getMeter(pan);
      const kcv = await hsm.keyCheckValue(pan);
      if (o.json) ctx.json({ ...m, kcv });
      else for (const l of table([...meterRows(m), ['Key check value', `${kcv} (as meter status shows it for the same key)`]])) ctx.out(l);
    }));
  });

  requireSubcommand(meter);
}
