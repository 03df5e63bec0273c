import { randomBytes } from 'node:crypto';
import { Argument, type Command, Option } from 'commander';
import { KEY_FILE_FORMAT } from '../../node/key-file';
import { writeSecretFile } from '../../node/secret-file';
import { masterKeyFileContent } from '../../node/master-key-file';
import type { CliContext } from '../context';
import { usage } from '../exit-codes';
import { examples } from '../help-text';
import { type AttributeFlags, addAttributeOptions, attributeOverrides } from '../key-source';

/** What `key generate` makes: a vending key for DKGA02 (8 bytes) or DKGA04 (20 bytes), or a master key (32 bytes). */
export type GeneratedKeyKind = 'vending' | 'master';

export interface KeyGenerateRequest {
  kind: GeneratedKeyKind;
  /** Vending keys: 02 (64 bits) or 04 (160 bits). */
  dkga: '02' | '04';
  out: string;
  force: boolean;
  /** Attributes written beside a vending key (supplyGroupCode, tariffIndex, keyRevisionNumber, keyType, baseDate, encryptionAlgorithm). */
  attributes: Record<string, string | number>;
  now: Date;
}

/**
 * Make a key from the platform CSPRNG and write it to a file (mode 0600, replaced only with
 * `force`). The key is never returned or printed: only what (kind, bits, dkga) and where (out).
 */
export function generateKeyFile(req: KeyGenerateRequest): { kind: GeneratedKeyKind; bits: number; dkga?: '02' | '04'; out: string } {
  const bytes = req.kind === 'master' ? 32 : req.dkga === '02' ? 8 : 20;
  const hex = randomBytes(bytes).toString('hex');
  const content = req.kind === 'master'
    ? masterKeyFileContent(hex, req.now)
    : { format: KEY_FILE_FORMAT, description: `vending key (DKGA${req.dkga}), generated ${req.now.toISOString()}`, dkga: req.dkga, vendingKey: hex, ...req.attributes };
  writeSecretFile(req.out, content, { force: req.force, what: req.kind === 'master' ? 'master key file' : 'key file' });
  return { kind: req.kind, bits: bytes * 8, ...(req.kind === 'vending' ? { dkga: req.dkga } : {}), out: req.out };
}

type KeyGenerateOptions = Pick<AttributeFlags, 'sgc' | 'ti' | 'krn' | 'kt' | 'baseDate' | 'ea'> & {
  out: string; dkga: '02' | '04'; force?: boolean; json?: boolean; quiet?: boolean;
};

/** `hydrosync key generate vending|master --out FILE`. */
export function registerKeyGenerate(key: Command, ctx: CliContext): void {
  const cmd = key
    .command('generate')
    .summary('generate a vending key (8 or 20 bytes) or a master key (32 bytes) into a file (mode 0600)')
    .description('Generate a random key from the platform CSPRNG and write it to a file with mode 0600. The key is never printed; the file is never replaced without --force.')
    .addArgument(new Argument('<kind>', 'vending (a vending key file, hydrosync-key/1) or master (a security module master key file)').choices(['vending', 'master']))
    .requiredOption('--out <file>', 'where to write the key (mode 0600)')
    .addOption(new Option('--dkga <code>', 'vending keys: 02 (64-bit key, DKGA02) or 04 (160-bit key, DKGA04)').choices(['02', '04']).default('04'))
    .option('--force', 'replace an existing file')
    .option('--json', 'print one JSON object (never the key)')
    .option('-q, --quiet', 'print nothing on success');
  addAttributeOptions(cmd, ['sgc', 'ti', 'krn', 'kt', 'baseDate', 'ea'], { describe: (d) => `vending keys: ${d}, to record in the file` })
    .addHelpText('after', examples([
      'hydrosync key generate master --out master.key',
      'hydrosync key generate vending --out vk.json --sgc 600727 --ti 01 --krn 1 --kt 2 --base-date 2014 --ea 11',
      'hydrosync key generate vending --dkga 02 --out vk64.json',
    ]))
    .action((kind: GeneratedKeyKind, o: KeyGenerateOptions) => {
      const attributes = attributeOverrides({ sgc: o.sgc, ti: o.ti, krn: o.krn, kt: o.kt, baseDate: o.baseDate, ea: o.ea }) as Record<string, string | number>;
      if (kind === 'master' && Object.keys(attributes).length > 0) usage('a master key has no key attributes (--sgc, --ti, --krn, --kt, --base-date, --ea are for vending keys)');
      const r = generateKeyFile({ kind, dkga: o.dkga, out: o.out, force: o.force === true, attributes, now: ctx.now() });
      if (o.json) ctx.json(r);
      else if (!o.quiet) ctx.out(`Wrote a ${r.bits}-bit ${kind === 'master' ? 'master key' : `vending key (DKGA${r.dkga})`} to ${r.out} (mode 0600). The key is not shown.`);
    });
}
