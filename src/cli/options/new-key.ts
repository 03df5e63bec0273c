/** The new-key options of `token generate key-change` and the new key they give. */
import type { Command } from 'commander';
import { HydroSyncError } from '../../errors';
import type { CliContext } from '../context';
import { usage } from '../exit-codes';
import { KEY_ENV, type KeySource, type ResolvedKey, addAttributeOptions, attributeOverrides, envKeySource, keyFileSource, resolveKey } from '../key-source';
import { staTablesFromOptions } from './sta-tables';

/** Values of the new-key options. */
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

/** Add the new-key options of a key change. */
export function addNewKeyOptions(cmd: Command): Command {
  cmd
    .optionsGroup('New key options:')
    .option('--new-key-file <file>', 'key file of the new key (or HYDROSYNC_NEW_VENDING_KEY / HYDROSYNC_NEW_DECODER_KEY)');
  return addAttributeOptions(cmd, ['sgc', 'ti', 'krn', 'kt', 'ken', 'baseDate', 'ea'], {
    prefix: 'new-', describe: (d) => `new ${d} (default: the current one)`,
    help: { baseDate: 'new TID base date: 1993, 2014 or 2035 (default: the current one; a change means rollover)' },
  }).optionsGroup('Options:');
}

/**
 * The new key of a key change: --new-key-file, HYDROSYNC_NEW_VENDING_KEY or
 * HYDROSYNC_NEW_DECODER_KEY, else the current vending key again (re-derived with the new
 * attributes). Attributes not given default to the current key's; --new-* flags override.
 */
export function newKeyFromOptions(ctx: CliContext, current: ResolvedKey, o: NewKeyOptionValues & { staTables?: string }): ResolvedKey {
  const attrs = current.key.attributes();
  const { dkga: _dkga, ...rest } = attrs;
  const inherited: Record<string, unknown> = rest;
  const env = envKeySource(ctx, KEY_ENV.newVendingKey, KEY_ENV.newDecoderKey);
  if (o.newKeyFile !== undefined && env !== undefined) usage(`give only one new key source (got --new-key-file and ${env.source})`);
  const own = o.newKeyFile !== undefined ? keyFileSource(o.newKeyFile) : env;
  let given: KeySource;
  if (own !== undefined) {
    const pan = own.object.pan;
    if (pan !== undefined && attrs.pan !== undefined && String(pan).replace(/[ -]/g, '') !== attrs.pan) {
      throw new HydroSyncError('KEY', `${own.source} is for MeterPAN ${String(pan)}, but the current key is for ${attrs.pan}: a key change stays on one meter`);
    }
    given = { source: own.source, object: { ...inherited, ...own.object } };
    // A decoder key without its algorithm: the current one does not carry over (see `complete`).
    if (own.object.decoderKey !== undefined && own.object.encryptionAlgorithm === undefined) delete given.object.encryptionAlgorithm;
  } else if (current.vendingKey !== undefined) {
    given = {
      source: `the same vending key (${current.source})`,
      object: { ...inherited, vendingKey: current.vendingKey, ...(attrs.dkga !== undefined ? { dkga: attrs.dkga } : {}) },
    };
  } else {
    return usage(`the current key was given as a decoder key: give the new key with --new-key-file FILE, ${KEY_ENV.newVendingKey} or ${KEY_ENV.newDecoderKey}`);
  }
  return resolveKey(ctx, given, {
    overrides: attributeOverrides({ ti: o.newTi, sgc: o.newSgc, krn: o.newKrn, kt: o.newKt, ken: o.newKen, baseDate: o.newBaseDate, ea: o.newEa }, '--new-'),
    tables: staTablesFromOptions(ctx, o.staTables),
    label: `new key (${given.source})`,
    complete: (object) => {
      // A new decoder key given as bits: 128 bits is EA11; 64 bits keeps the current EA07/EA09.
      if (object.decoderKey === undefined || object.encryptionAlgorithm !== undefined) return;
      if ((object.decoderKey as string).length === 32) object.encryptionAlgorithm = '11';
      else if (attrs.encryptionAlgorithm !== '11') object.encryptionAlgorithm = attrs.encryptionAlgorithm;
      else usage(`the new decoder key from ${given.source} is 64 bits: give --new-ea 07 (STA) or 09 (DES)`);
    },
  });
}
