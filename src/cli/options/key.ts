/** The key options (key file, hex, environment, demo key, attributes, STA tables) and the key they give. */
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { DEMO_KEY, DEMO_KEY_NOTICE } from '../../keys/demo-key';
import { usage } from '../exit-codes';
import {
  type AttributeFlags, KEY_ATTRIBUTES, addAttributeOptions, KEY_ENV, type KeySource, type ResolvedKey, attributeOverrides, envKeySource, keyFileSource, resolveKey,
} from '../key-source';
import { atMostOne } from '../option-values';
import { staTablesFromOptions } from './sta-tables';

/** Values of the key options, as commander gives them. */
export interface KeyOptionValues extends AttributeFlags {
  keyFile?: string;
  vendingKey?: string;
  decoderKey?: string;
  demoKey?: boolean;
  staTables?: string;
}

export const COMMAND_LINE_KEY_WARNING =
  'key material on the command line ends up in shell history and process lists; use --key-file or HYDROSYNC_VENDING_KEY';

const KEY_SOURCES_TEXT = '--key-file FILE, HYDROSYNC_VENDING_KEY or HYDROSYNC_DECODER_KEY with --pan/--sgc/--ti/--krn/--kt/--base-date/--ea, or --demo-key to try the public test key';

/** Add the key options to a command. */
export function addKeyOptions(cmd: Command): Command {
  const sources = cmd
    .optionsGroup('Key options:')
    .option('--key-file <file>', 'key file: JSON {"format":"hydrosync-key/1", vendingKey or decoderKey, attributes}')
    .option('--demo-key', 'use the public STS compliance-test key (never in production)')
    .option('--vending-key <hex>', 'vending key as hex (discouraged: use --key-file or HYDROSYNC_VENDING_KEY)')
    .option('--decoder-key <hex>', 'decoder key as hex (discouraged: use --key-file or HYDROSYNC_DECODER_KEY)');
  return addAttributeOptions(sources, KEY_ATTRIBUTES.map(([option]) => option))
    .option('--sta-tables <file>', 'STA tables for EA07 (JSON hydrosync-sta-tables/1; or HYDROSYNC_STA_TABLES)')
    .optionsGroup('Options:');
}

/** A key given as bare hex needs the attributes a key file would carry. */
function requireParameters(object: Record<string, unknown>, source: string): void {
  const needed = object.vendingKey !== undefined ? ['pan', 'supplyGroupCode', 'tariffIndex', 'keyRevisionNumber', 'keyType', 'baseDate', 'encryptionAlgorithm']
    : (object.decoderKey as string).length === 16 ? ['baseDate', 'encryptionAlgorithm'] : ['baseDate'];
  const missing = KEY_ATTRIBUTES.filter(([, , field]) => needed.includes(field) && object[field] === undefined).map(([, flag]) => `--${flag}`);
  if (missing.length > 0) usage(`the key from ${source} needs its parameters: give ${missing.join(', ')}`);
}

/**
 * The key given by the options: --key-file, --demo-key, --vending-key, --decoder-key, or else the
 * environment (HYDROSYNC_VENDING_KEY, HYDROSYNC_DECODER_KEY). Flags override key-file attributes.
 * Returns undefined when no key is given and `required` is false.
 */
export function keyFromOptions(
  ctx: CliContext, o: KeyOptionValues, options: { required: boolean; why?: string; demoNotice?: boolean },
): ResolvedKey | undefined {
  const flag = atMostOne({
    '--key-file': o.keyFile, '--demo-key': o.demoKey, '--vending-key': o.vendingKey, '--decoder-key': o.decoderKey,
  }, 'one key source');
  if (o.vendingKey !== undefined || o.decoderKey !== undefined) ctx.warn(COMMAND_LINE_KEY_WARNING);
  const tables = staTablesFromOptions(ctx, o.staTables);
  if (flag === '--demo-key' && options.demoNotice !== false) ctx.warn(DEMO_KEY_NOTICE);
  const given: KeySource | undefined = flag === '--key-file' ? keyFileSource(o.keyFile!)
    : flag === '--demo-key' ? { source: flag, object: { ...DEMO_KEY } }
      : flag === '--vending-key' ? { source: flag, object: { vendingKey: o.vendingKey } }
        : flag === '--decoder-key' ? { source: flag, object: { decoderKey: o.decoderKey } }
          : envKeySource(ctx, KEY_ENV.vendingKey, KEY_ENV.decoderKey);
  if (given === undefined) {
    if (!options.required) return undefined;
    return usage(`${options.why ?? 'this command needs a key'}: give ${KEY_SOURCES_TEXT}`);
  }
  const fromHex = flag !== '--key-file' && flag !== '--demo-key';
  return resolveKey(ctx, given, {
    overrides: attributeOverrides(o), tables, ...(fromHex ? { complete: (object) => requireParameters(object, given.source) } : {}),
  });
}
