import type { Command } from 'commander';
import type { StaTables } from '../cipher/sta-tables';
import { HydroSyncError } from '../errors';
import type { DecoderKey } from '../keys/decoder-key';
import { keyFromObject } from '../vectors/key-object';
import { readKeyFile } from './files/key-file';
import { loadStaTablesFile } from './files/sta-tables-file';
import type { CliContext } from './context';
import { DEMO_KEY, DEMO_KEY_NOTICE } from './demo-key';
import { usage } from './exit-codes';
import { parseInteger } from './option-values';

/** Environment variables read by the key options. */
export const KEY_ENV = Object.freeze({
  vendingKey: 'HYDROSYNC_VENDING_KEY',
  decoderKey: 'HYDROSYNC_DECODER_KEY',
  newVendingKey: 'HYDROSYNC_NEW_VENDING_KEY',
  newDecoderKey: 'HYDROSYNC_NEW_DECODER_KEY',
  staTables: 'HYDROSYNC_STA_TABLES',
});

export const COMMAND_LINE_KEY_WARNING =
  'key material on the command line ends up in shell history and process lists; use --key-file or HYDROSYNC_VENDING_KEY';

/** Values of the shared key options, as commander gives them. */
export interface KeyOptionValues {
  keyFile?: string;
  vendingKey?: string;
  decoderKey?: string;
  demoKey?: boolean;
  pan?: string;
  sgc?: string;
  ti?: string;
  krn?: string;
  kt?: string;
  ken?: string;
  baseDate?: string;
  ea?: string;
  dkga?: string;
  staTables?: string;
}

/** Values of the new-key options of `token generate key-change`. */
export interface NewKeyOptionValues {
  newKeyFile?: string;
  newKrn?: string;
  newKt?: string;
  newTi?: string;
  newKen?: string;
  newBaseDate?: string;
  newSgc?: string;
  newEa?: string;
}

/** A key built from the options, with where it came from. */
export interface ResolvedKey {
  key: DecoderKey;
  /** Human description of the source: "key file k.json", "HYDROSYNC_VENDING_KEY", "--demo-key", … */
  source: string;
  /** The vending key (hex) when the key was derived from one; kept for key changes. Secret. */
  vendingKey?: string;
}

/** Add the key options (key file, env-key parameters, demo key, STA tables) to a command. */
export function addKeyOptions(cmd: Command): Command {
  return cmd
    .optionsGroup('Key options:')
    .option('--key-file <file>', 'key file: JSON {"format":"hydrosync-key/1", vendingKey or decoderKey, attributes}')
    .option('--demo-key', 'use the public STS compliance-test key (never in production)')
    .option('--vending-key <hex>', 'vending key as hex (discouraged: use --key-file or HYDROSYNC_VENDING_KEY)')
    .option('--decoder-key <hex>', 'decoder key as hex (discouraged: use --key-file or HYDROSYNC_DECODER_KEY)')
    .option('--pan <digits>', '18-digit MeterPAN (IIN, DRN, check digit)')
    .option('--sgc <digits>', '6-digit supply group code')
    .option('--ti <digits>', '2-digit tariff index')
    .option('--krn <n>', 'key revision number, 1-9')
    .option('--kt <n>', 'key type, 0-3 (2 = unique key, DUTK)')
    .option('--ken <n>', 'key expiry number, 0-255 (default 255: never expires)')
    .option('--base-date <year>', 'TID base date: 1993, 2014 or 2035')
    .option('--ea <code>', 'encryption algorithm: 07 (STA), 09 (DES, deprecated) or 11 (MISTY1)')
    .option('--dkga <code>', 'decoder key generation algorithm: 02 or 04 (default: from the vending key length)')
    .option('--sta-tables <file>', 'STA tables for EA07 (JSON hydrosync-sta-tables/1; or HYDROSYNC_STA_TABLES)')
    .optionsGroup('Options:');
}

/** Add the new-key options of a key change. */
export function addNewKeyOptions(cmd: Command): Command {
  return cmd
    .optionsGroup('New key options:')
    .option('--new-key-file <file>', 'key file of the new key (or HYDROSYNC_NEW_VENDING_KEY / HYDROSYNC_NEW_DECODER_KEY)')
    .option('--new-krn <n>', 'new key revision number (default: the current one)')
    .option('--new-kt <n>', 'new key type (default: the current one)')
    .option('--new-ti <digits>', 'new tariff index (default: the current one)')
    .option('--new-ken <n>', 'new key expiry number (default: the current one)')
    .option('--new-base-date <year>', 'new base date (default: the current one; a change means rollover)')
    .option('--new-sgc <digits>', 'new supply group code (default: the current one)')
    .option('--new-ea <code>', 'new encryption algorithm (default: the current one)')
    .optionsGroup('Options:');
}

/** The STA tables given by --sta-tables or HYDROSYNC_STA_TABLES (loaded once per run), if any. */
export function staTablesFromOptions(ctx: CliContext, file: string | undefined): StaTables | undefined {
  const path = file ?? ctx.env(KEY_ENV.staTables);
  if (path === undefined) return undefined;
  const cache = staTablesCache.get(ctx);
  if (cache && cache.path === path) return cache.tables;
  const tables = loadStaTablesFile(path);
  staTablesCache.set(ctx, { path, tables });
  return tables;
}
const staTablesCache = new WeakMap<CliContext, { path: string; tables: StaTables }>();

/**
 * Check key hex before anything can quote it: only hex digits (optional 0x), the right length.
 * Messages give the length, never the digits.
 */
function checkKeyHex(value: unknown, what: 'vending' | 'decoder', source: string): string {
  if (typeof value !== 'string') throw new HydroSyncError('KEY', `${source}: the ${what} key must be a hex string`);
  const clean = value.trim().replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]*$/.test(clean)) {
    throw new HydroSyncError('KEY', `${source}: the ${what} key may contain only hex digits 0-9 and a-f`);
  }
  const lengths = what === 'vending' ? [16, 40] : [16, 32];
  if (!lengths.includes(clean.length)) {
    const help = what === 'vending' ? '16 hex digits (64 bits, DKGA02) or 40 (160 bits, DKGA04)' : '16 hex digits (64 bits, EA07/EA09) or 32 (128 bits, EA11)';
    throw new HydroSyncError('KEY', `${source}: a ${what} key is ${help}; got ${clean.length} characters`);
  }
  return clean.toLowerCase();
}

/** Key attribute overrides from flags (names as in the key object). */
function attributeOverrides(o: {
  pan?: string; sgc?: string; ti?: string; krn?: string; kt?: string; ken?: string; baseDate?: string; ea?: string; dkga?: string;
}, prefix = '--'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (o.pan !== undefined) out.pan = o.pan;
  if (o.sgc !== undefined) out.supplyGroupCode = o.sgc;
  if (o.ti !== undefined) out.tariffIndex = o.ti;
  if (o.krn !== undefined) out.keyRevisionNumber = parseInteger(o.krn, `${prefix}krn`, 1, 9);
  if (o.kt !== undefined) out.keyType = parseInteger(o.kt, `${prefix}kt`, 0, 3);
  if (o.ken !== undefined) out.keyExpiryNumber = parseInteger(o.ken, `${prefix}ken`, 0, 255);
  if (o.baseDate !== undefined) {
    if (!/^(1993|2014|2035|93|14|35)$/.test(o.baseDate.trim())) usage(`${prefix}base-date must be 1993, 2014 or 2035`);
    out.baseDate = o.baseDate.trim();
  }
  if (o.ea !== undefined) {
    const ea = o.ea.trim().toUpperCase().replace(/^EA/, '');
    if (!['07', '09', '11', '7', '9'].includes(ea)) usage(`${prefix}ea must be 07 (STA), 09 (DES, deprecated) or 11 (MISTY1)`);
    out.encryptionAlgorithm = ea.padStart(2, '0');
  }
  if (o.dkga !== undefined) {
    const d = o.dkga.trim().padStart(2, '0');
    if (d !== '02' && d !== '04') usage(`${prefix}dkga must be 02 or 04`);
    out.dkga = d;
  }
  return out;
}

/** Build a DecoderKey from a key object; errors name the source. */
function buildKey(ctx: CliContext, object: Record<string, unknown>, source: string, tables: StaTables | undefined): DecoderKey {
  let key: DecoderKey;
  try {
    key = keyFromObject(object, undefined, tables);
  } catch (e) {
    if (e instanceof HydroSyncError) {
      throw new HydroSyncError(e.code, `${source}: ${e.message}`);
    }
    throw e;
  }
  ctx.addSecret(key.exportHex());
  for (const w of key.warnings) ctx.warn(w);
  return key;
}

const VENDING_KEY_PARAMETERS: readonly [field: string, flag: string][] = [
  ['pan', '--pan'], ['supplyGroupCode', '--sgc'], ['tariffIndex', '--ti'], ['keyRevisionNumber', '--krn'],
  ['keyType', '--kt'], ['baseDate', '--base-date'], ['encryptionAlgorithm', '--ea'],
];

function requireParameters(object: Record<string, unknown>, needed: readonly [string, string][], source: string): void {
  const missing = needed.filter(([field]) => object[field] === undefined).map(([, flag]) => flag);
  if (missing.length > 0) usage(`the key from ${source} needs its parameters: give ${missing.join(', ')}`);
}

const KEY_SOURCES_TEXT = '--key-file FILE, HYDROSYNC_VENDING_KEY or HYDROSYNC_DECODER_KEY with --pan/--sgc/--ti/--krn/--kt/--base-date/--ea, or --demo-key to try the public test key';

/**
 * The key given by the options: --key-file, --demo-key, --vending-key, --decoder-key, or else the
 * environment (HYDROSYNC_VENDING_KEY, HYDROSYNC_DECODER_KEY). Flags override key-file attributes.
 * Returns undefined when no key is given and `required` is false.
 */
export function keyFromOptions(
  ctx: CliContext,
  o: KeyOptionValues,
  options: { required: boolean; why?: string; demoNotice?: boolean },
): ResolvedKey | undefined {
  const flags = [
    o.keyFile !== undefined && '--key-file', o.demoKey === true && '--demo-key',
    o.vendingKey !== undefined && '--vending-key', o.decoderKey !== undefined && '--decoder-key',
  ].filter((x): x is string => typeof x === 'string');
  if (flags.length > 1) usage(`give only one key source (got ${flags.join(' and ')})`);
  if (o.vendingKey !== undefined || o.decoderKey !== undefined) ctx.warn(COMMAND_LINE_KEY_WARNING);
  const tables = staTablesFromOptions(ctx, o.staTables);

  let object: Record<string, unknown>;
  let source: string;
  let fromHex = false;
  if (o.keyFile !== undefined) {
    source = `key file ${o.keyFile}`;
    const { format: _format, description: _description, ...rest } = readKeyFile(o.keyFile);
    object = rest;
  } else if (o.demoKey === true) {
    source = '--demo-key';
    if (options.demoNotice !== false) ctx.warn(DEMO_KEY_NOTICE);
    object = { ...DEMO_KEY };
  } else if (o.vendingKey !== undefined) {
    source = '--vending-key';
    object = { vendingKey: o.vendingKey };
    fromHex = true;
  } else if (o.decoderKey !== undefined) {
    source = '--decoder-key';
    object = { decoderKey: o.decoderKey };
    fromHex = true;
  } else {
    const vk = ctx.env(KEY_ENV.vendingKey);
    const dk = ctx.env(KEY_ENV.decoderKey);
    if (vk !== undefined && dk !== undefined) {
      usage(`both ${KEY_ENV.vendingKey} and ${KEY_ENV.decoderKey} are set; unset one of them`);
    }
    if (vk === undefined && dk === undefined) {
      if (!options.required) return undefined;
      return usage(`${options.why ?? 'this command needs a key'}: give ${KEY_SOURCES_TEXT}`);
    }
    source = vk !== undefined ? KEY_ENV.vendingKey : KEY_ENV.decoderKey;
    object = vk !== undefined ? { vendingKey: vk } : { decoderKey: dk };
    fromHex = true;
  }
  if (object.vendingKey !== undefined) {
    object.vendingKey = checkKeyHex(object.vendingKey, 'vending', source);
    ctx.addSecret(object.vendingKey as string);
  } else if (object.decoderKey !== undefined) {
    object.decoderKey = checkKeyHex(object.decoderKey, 'decoder', source);
    ctx.addSecret(object.decoderKey as string);
  } else {
    throw new HydroSyncError('KEY', `${source}: needs a "vendingKey" or a "decoderKey"`);
  }
  Object.assign(object, attributeOverrides(o));
  if (fromHex) {
    if (object.vendingKey !== undefined) requireParameters(object, VENDING_KEY_PARAMETERS, source);
    else {
      const needEa = (object.decoderKey as string).length === 16;
      requireParameters(object, needEa ? [['baseDate', '--base-date'], ['encryptionAlgorithm', '--ea']] : [['baseDate', '--base-date']], source);
    }
  }
  const key = buildKey(ctx, object, source, tables);
  return { key, source, ...(typeof object.vendingKey === 'string' ? { vendingKey: object.vendingKey } : {}) };
}

/**
 * The new key of a key change: --new-key-file, HYDROSYNC_NEW_VENDING_KEY or
 * HYDROSYNC_NEW_DECODER_KEY, else the current vending key again (re-derived with the new
 * attributes). Attributes not given default to the current key's; --new-* flags override.
 */
export function newKeyFromOptions(ctx: CliContext, current: ResolvedKey, o: NewKeyOptionValues & { staTables?: string }): ResolvedKey {
  const attrs = current.key.attributes();
  const inherited: Record<string, unknown> = {
    keyType: attrs.keyType, supplyGroupCode: attrs.supplyGroupCode, tariffIndex: attrs.tariffIndex,
    keyRevisionNumber: attrs.keyRevisionNumber, keyExpiryNumber: attrs.keyExpiryNumber, baseDate: attrs.baseDate,
    encryptionAlgorithm: attrs.encryptionAlgorithm, ...(attrs.pan !== undefined ? { pan: attrs.pan } : {}),
  };
  const vk = ctx.env(KEY_ENV.newVendingKey);
  const dk = ctx.env(KEY_ENV.newDecoderKey);
  const given = [o.newKeyFile !== undefined && '--new-key-file', vk !== undefined && KEY_ENV.newVendingKey, dk !== undefined && KEY_ENV.newDecoderKey]
    .filter((x): x is string => typeof x === 'string');
  if (given.length > 1) usage(`give only one new key source (got ${given.join(' and ')})`);

  let object: Record<string, unknown>;
  let source: string;
  if (o.newKeyFile !== undefined) {
    source = `key file ${o.newKeyFile}`;
    const { format: _format, description: _description, ...rest } = readKeyFile(o.newKeyFile);
    if (rest.pan !== undefined && attrs.pan !== undefined && String(rest.pan).replace(/[ -]/g, '') !== attrs.pan) {
      throw new HydroSyncError('KEY', `${source} is for MeterPAN ${String(rest.pan)}, but the current key is for ${attrs.pan}: a key change stays on one meter`);
    }
    object = { ...inherited, ...rest };
    if (rest.decoderKey !== undefined && rest.encryptionAlgorithm === undefined) delete object.encryptionAlgorithm;
  } else if (vk !== undefined) {
    source = KEY_ENV.newVendingKey;
    object = { ...inherited, vendingKey: vk };
  } else if (dk !== undefined) {
    source = KEY_ENV.newDecoderKey;
    object = { ...inherited, decoderKey: dk };
    delete object.encryptionAlgorithm;
  } else if (current.vendingKey !== undefined) {
    source = `the same vending key (${current.source})`;
    object = { ...inherited, vendingKey: current.vendingKey, ...(attrs.dkga !== undefined ? { dkga: attrs.dkga } : {}) };
  } else {
    return usage(`the current key was given as a decoder key: give the new key with --new-key-file FILE, ${KEY_ENV.newVendingKey} or ${KEY_ENV.newDecoderKey}`);
  }
  if (object.vendingKey !== undefined) {
    object.vendingKey = checkKeyHex(object.vendingKey, 'vending', source);
    ctx.addSecret(object.vendingKey as string);
  } else if (object.decoderKey !== undefined) {
    const hex = checkKeyHex(object.decoderKey, 'decoder', source);
    object.decoderKey = hex;
    ctx.addSecret(hex);
    if (object.encryptionAlgorithm === undefined && o.newEa === undefined) {
      // A new decoder key given as bits: 128 bits is EA11; 64 bits keeps the current EA07/EA09.
      if (hex.length === 32) object.encryptionAlgorithm = '11';
      else if (attrs.encryptionAlgorithm !== '11') object.encryptionAlgorithm = attrs.encryptionAlgorithm;
      else usage(`the new decoder key from ${source} is 64 bits: give --new-ea 07 (STA) or 09 (DES)`);
    }
  } else {
    throw new HydroSyncError('KEY', `${source}: needs a "vendingKey" or a "decoderKey"`);
  }
  Object.assign(object, attributeOverrides({
    ti: o.newTi, sgc: o.newSgc, krn: o.newKrn, kt: o.newKt, ken: o.newKen, baseDate: o.newBaseDate, ea: o.newEa,
  }, '--new-'));
  const tables = staTablesFromOptions(ctx, o.staTables);
  const key = buildKey(ctx, object, `new key (${source})`, tables);
  return { key, source, ...(typeof object.vendingKey === 'string' ? { vendingKey: object.vendingKey } : {}) };
}
