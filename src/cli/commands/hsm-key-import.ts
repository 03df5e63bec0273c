import type { Command } from 'commander';
import { HydroSyncError } from '../../errors';
import type { VendingKeyImport, VendingKeyInfo, VendingKeyType } from '../../hsm/types';
import type { CliContext } from '../context';
import { vendingKeyIdOption } from '../options/vending-key-id';
import { usage } from '../exit-codes';
import { examples } from '../help-text';
import { refusalsExit1 } from '../hsm/refusals';
import { type RequestOptionValues, addRequestOptions, operatorName } from '../hsm/request-options';
import { type StoreOptionValues, addStoreOptions, withHsm } from '../hsm/store-options';
import { checkKeyHex } from '../../keys/key-hex';
import { type AttributeFlags, KEY_ATTRIBUTES, KEY_ENV, addAttributeOptions, keyFileSource } from '../key-source';
import { algorithmText, table } from '../token-text';

interface KeyImportOptions extends StoreOptionValues, RequestOptionValues, AttributeFlags {
  id?: string;
  keyFile?: string;
  vendingKeyType?: string;
  activeFrom?: string;
  issuedUntil?: string;
}

const KEY_TYPE_FROM_KT: Record<number, VendingKeyType> = { 1: 'default', 2: 'unique', 3: 'common' };
const KT_OF: Record<VendingKeyType, string> = { unique: 'DUTK, KT 2', default: 'DDTK, KT 1', common: 'DCTK, KT 3' };

/** The attributes a vending key needs, as options of KEY_ATTRIBUTES (flag, field, parser). */
const IMPORT_ATTRIBUTES = KEY_ATTRIBUTES.filter(([option]) => ['sgc', 'krn', 'baseDate', 'ea', 'dkga'].includes(option));

/** The import request from a key file or HYDROSYNC_VENDING_KEY plus flags (flags win). */
export function keyImportFromOptions(ctx: CliContext, o: KeyImportOptions): VendingKeyImport {
  // --id is checked (and trimmed) by its option parser, the module's own rule.
  const id = o.id ?? usage('give the vending key an id: --id ID (e.g. 201457-krn1)');
  const env = ctx.env(KEY_ENV.vendingKey);
  const { source, object: file } = o.keyFile !== undefined ? keyFileSource(o.keyFile)
    : env !== undefined ? { source: KEY_ENV.vendingKey, object: { vendingKey: env } }
      : usage(`give the vending key: --key-file FILE (hydrosync-key/1 with "vendingKey") or ${KEY_ENV.vendingKey}; never on the command line`);
  if (file.vendingKey === undefined) throw new HydroSyncError('KEY', `${source} holds a decoder key; hsm key import needs a vending key ("vendingKey")`);
  if (typeof file.vendingKey === 'string') ctx.addSecret(file.vendingKey);
  const keyHex = checkKeyHex(file.vendingKey, 'vending', source);
  ctx.addSecret(keyHex);

  // Each attribute from its flag, else from the file, checked by the flag's parser (errors name where it came from).
  const a: Record<string, unknown> = {};
  for (const [option, flag, field, parse] of IMPORT_ATTRIBUTES) {
    const given = o[option];
    const value = given ?? file[field];
    if (value !== undefined) a[field] = parse(String(value), given !== undefined ? `--${flag}` : `${source}: ${field}`);
  }
  a.dkga ??= keyHex.length === 40 ? '04' : '02';
  if (a.dkga === '04') a.encryptionAlgorithm ??= '11';
  if ((a.dkga === '04') !== (keyHex.length === 40)) {
    throw new HydroSyncError('KEY', `${source}: DKGA${String(a.dkga)} needs a ${a.dkga === '04' ? '160-bit (40 hex digits)' : '64-bit (16 hex digits)'} vending key; got ${keyHex.length * 4} bits`);
  }
  const missing = IMPORT_ATTRIBUTES.filter(([, , field]) => a[field] === undefined).map(([, flag]) => `--${flag}`);
  if (missing.length > 0) usage(`the vending key from ${source} needs its attributes: give ${missing.join(', ')}`);

  const typeFlag = o.vendingKeyType?.trim().toLowerCase();
  if (typeFlag !== undefined && typeFlag !== 'unique' && typeFlag !== 'default' && typeFlag !== 'common') usage('--vending-key-type must be unique, default or common');
  const vendingKeyType = typeFlag ?? (file.keyType === undefined ? 'unique' : KEY_TYPE_FROM_KT[Number(file.keyType)]);
  if (vendingKeyType === undefined) {
    throw new HydroSyncError('KEY', `${source}: keyType ${String(file.keyType)} is not a vending key type; use --vending-key-type unique|default|common`);
  }
  return {
    ...(a as Pick<VendingKeyImport, 'dkga' | 'supplyGroupCode' | 'keyRevisionNumber' | 'baseDate' | 'encryptionAlgorithm'>),
    id, keyHex, vendingKeyType,
    ...(o.activeFrom !== undefined ? { activeFrom: o.activeFrom.trim() } : {}),
    ...(o.issuedUntil !== undefined ? { issuedUntil: o.issuedUntil.trim() } : {}),
  };
}

/** Human rows of a vending key (never the key bits). */
export function vendingKeyRows(k: VendingKeyInfo): [string, string][] {
  return [
    ['Id', k.id],
    ['DKGA', `${k.dkga} (${k.bits}-bit vending key)`],
    ['Supply group (SGC)', k.supplyGroupCode],
    ['Key revision (KRN)', String(k.keyRevisionNumber)],
    ['Vending key type', `${k.vendingKeyType} (decoder keys ${KT_OF[k.vendingKeyType] ?? '?'})`],
    ['Base date', String(k.baseDate)],
    ['Encryption', algorithmText(k.encryptionAlgorithm)],
    ['Active from', k.activeFrom],
    ['Issued until', k.issuedUntil ?? 'no end'],
    ['Key check value', `${k.checkValue} (the key itself is never shown)`],
    ['Imported at', k.importedAt],
  ];
}

/** `hydrosync hsm key import`: wrap a vending key into the store. */
export function registerHsmKeyImport(key: Command, ctx: CliContext): void {
  const cmd = key
    .command('import')
    .summary('import a vending key (wrapped with the master key; never shown again)')
    .description('Import a vending key into the store, where it is kept wrapped with the master key. The key comes from a key file (--key-file, hydrosync-key/1 with "vendingKey") or HYDROSYNC_VENDING_KEY, never from the command line; its attributes from the file or the flags (flags win).')
    .addOption(vendingKeyIdOption('--id <id>', 'the key\'s id in the store, e.g. 201457-krn1 (required; A-Z a-z 0-9 . _ -)'))
    .option('--key-file <file>', 'key file: JSON {"format":"hydrosync-key/1","vendingKey":"…", attributes} (or HYDROSYNC_VENDING_KEY)')
    .option('--vending-key-type <type>', 'unique (DUTK), default (DDTK) or common (DCTK) (default: from the key file\'s keyType, else unique)')
    .option('--active-from <when>', 'local date-time from which the key may issue tokens, YYYY-MM-DDTHH:MM (default: now)')
    .option('--issued-until <when>', 'local date-time after which the key issues no tokens (default: no end)');
  addAttributeOptions(cmd, ['sgc', 'krn', 'baseDate', 'ea', 'dkga'], { help: { ea: 'encryption algorithm of the decoder keys: 07, 09 or 11 (default for DKGA04: 11)' } });
  addRequestOptions(cmd, { adminOnly: true });
  addStoreOptions(cmd)
    .addHelpText('after', examples([
      'hydrosync hsm key import --id 201457-krn1 --key-file vending-201457.json',
      'HYDROSYNC_VENDING_KEY=… hydrosync hsm key import --id 201457-krn1 --sgc 201457 --krn 1 --base-date 2014 --ea 11',
    ]))
    .action(async (o: KeyImportOptions) => {
      const imp = keyImportFromOptions(ctx, o);
      await refusalsExit1(ctx, () => withHsm(ctx, o, async ({ hsm }) => {
        const info = await hsm.importVendingKey(imp, { operator: operatorName(ctx, o) });
        if (o.json) return ctx.json(info);
        ctx.out(`Imported vending key ${info.id} (stored wrapped with the master key).`);
        for (const l of table(vendingKeyRows(info))) ctx.out(l);
      }));
    });
}
