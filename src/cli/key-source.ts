/**
 * A key given as a key object (a key file, the demo key, hex from a flag or the environment) made
 * into a DecoderKey: the hex checked before anything can quote it, the attribute flags applied,
 * every message naming where the key came from and never its digits.
 */
import type { Command } from 'commander';
import type { StaTables } from '../cipher/sta-tables';
import { HydroSyncError } from '../errors';
import type { DecoderKey } from '../keys/decoder-key';
import { keyFromObject } from '../vectors/key-object';
import type { CliContext } from './context';
import { usage } from './exit-codes';
import { readKeyFile } from '../node/key-file';
import { checkKeyHex } from '../keys/key-hex';
import { baseDateOf, eaOf, parseInteger, sgcOf, tiOf } from './option-values';

/** Environment variables that give keys as hex. */
export const KEY_ENV = Object.freeze({
  vendingKey: 'HYDROSYNC_VENDING_KEY',
  decoderKey: 'HYDROSYNC_DECODER_KEY',
  newVendingKey: 'HYDROSYNC_NEW_VENDING_KEY',
  newDecoderKey: 'HYDROSYNC_NEW_DECODER_KEY',
});

/** A key object and where it came from: "key file k.json", "--demo-key", "HYDROSYNC_VENDING_KEY", … */
export interface KeySource {
  source: string;
  object: Record<string, unknown>;
}

/** A key built from the options, with where it came from. */
export interface ResolvedKey {
  key: DecoderKey;
  source: string;
  /** The vending key (hex) when the key was derived from one; kept for key changes. Secret. */
  vendingKey?: string;
}

/** Key attribute flags (names as the options; `--new-` ones are passed under these names). */
export interface AttributeFlags {
  pan?: string; sgc?: string; ti?: string; krn?: string; kt?: string; ken?: string; baseDate?: string; ea?: string; dkga?: string;
}

/** The key object of a key file, without its format and description. */
export function keyFileSource(path: string): KeySource {
  const { format: _format, description: _description, ...object } = readKeyFile(path);
  return { source: `key file ${path}`, object };
}

/** The key in the environment: `vk` names a vending key, `dk` a decoder key (hex); both set is a usage error. */
export function envKeySource(ctx: CliContext, vk: string, dk: string): KeySource | undefined {
  const vending = ctx.env(vk);
  const decoder = ctx.env(dk);
  if (vending !== undefined && decoder !== undefined) usage(`both ${vk} and ${dk} are set; unset one of them`);
  if (vending !== undefined) return { source: vk, object: { vendingKey: vending } };
  return decoder === undefined ? undefined : { source: dk, object: { decoderKey: decoder } };
}

/**
 * The attribute flags, each defined once: option, flag (without "--"), field of the key object,
 * parser (errors name the flag), argument and description (addAttributeOptions).
 */
export const KEY_ATTRIBUTES: readonly [keyof AttributeFlags, string, string, (text: string, flag: string) => unknown, string, string][] = [
  ['pan', 'pan', 'pan', (text) => text, '<digits>', '18-digit MeterPAN (IIN, DRN, check digit)'],
  ['sgc', 'sgc', 'supplyGroupCode', sgcOf, '<digits>', '6-digit supply group code'],
  ['ti', 'ti', 'tariffIndex', tiOf, '<digits>', '2-digit tariff index'],
  ['krn', 'krn', 'keyRevisionNumber', (text, flag) => parseInteger(text, flag, 1, 9), '<n>', 'key revision number, 1-9'],
  ['kt', 'kt', 'keyType', (text, flag) => parseInteger(text, flag, 0, 3), '<n>', 'key type, 0-3 (2 = unique key, DUTK)'],
  ['ken', 'ken', 'keyExpiryNumber', (text, flag) => parseInteger(text, flag, 0, 255), '<n>', 'key expiry number, 0-255 (default 255: never expires)'],
  ['baseDate', 'base-date', 'baseDate', baseDateOf, '<year>', 'TID base date: 1993, 2014 or 2035'],
  ['ea', 'ea', 'encryptionAlgorithm', eaOf, '<code>', 'encryption algorithm: 07 (STA), 09 (DES, deprecated) or 11 (MISTY1)'],
  ['dkga', 'dkga', 'dkga', (text, flag) => {
    const d = text.trim().padStart(2, '0');
    return d === '02' || d === '04' ? d : usage(`${flag} must be 02 or 04`);
  }, '<code>', 'decoder key generation algorithm: 02 or 04 (default: from the vending key length)'],
];

/**
 * Add the attribute flags `names` to a command, in KEY_ATTRIBUTES order: `prefix` ("new-") before
 * each flag, `describe` rewording every description, `help` one flag's own for a command that means more by it.
 */
export function addAttributeOptions(cmd: Command, names: readonly (keyof AttributeFlags)[], options: {
  prefix?: string; describe?: (description: string) => string; help?: Partial<Record<keyof AttributeFlags, string>>;
} = {}): Command {
  for (const [option, flag, , , arg, description] of KEY_ATTRIBUTES) {
    if (names.includes(option)) cmd.option(`--${options.prefix ?? ''}${flag} ${arg}`, options.help?.[option] ?? options.describe?.(description) ?? description);
  }
  return cmd;
}

/** Key attribute overrides from flags (names as in the key object); `prefix` names the flags in errors. */
export function attributeOverrides(o: AttributeFlags, prefix = '--'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [option, flag, field, parse] of KEY_ATTRIBUTES) {
    const text = o[option];
    if (text !== undefined) out[field] = parse(text, `${prefix}${flag}`);
  }
  return out;
}

/**
 * The key of a source: its hex checked and kept secret, then the `overrides`, then `complete`
 * (which may ask for missing attributes), then built (with STA tables for EA07); build errors are
 * prefixed with `label`, the key's warnings shown.
 */
export function resolveKey(
  ctx: CliContext, { source, object }: KeySource,
  options: { overrides: Record<string, unknown>; tables: StaTables | undefined; label?: string; complete?: (object: Record<string, unknown>) => void },
): ResolvedKey {
  const field = object.vendingKey !== undefined ? 'vendingKey' : object.decoderKey !== undefined ? 'decoderKey' : undefined;
  if (field === undefined) throw new HydroSyncError('KEY', `${source}: needs a "vendingKey" or a "decoderKey"`);
  const hex = checkKeyHex(object[field], field === 'vendingKey' ? 'vending' : 'decoder', source);
  ctx.addSecret(hex);
  const full = { ...object, [field]: hex, ...options.overrides };
  options.complete?.(full);
  let key: DecoderKey;
  try {
    key = keyFromObject(full, undefined, options.tables);
  } catch (e) {
    if (e instanceof HydroSyncError) throw new HydroSyncError(e.code, `${options.label ?? source}: ${e.message}`);
    throw e;
  }
  ctx.addSecret(key.exportHex());
  for (const w of key.warnings) ctx.warn(w);
  return { key, source, ...(field === 'vendingKey' ? { vendingKey: hex } : {}) };
}
