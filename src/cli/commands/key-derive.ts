import type { Command } from 'commander';
import { KEY_FILE_FORMAT } from '../../node/key-file';
import { writeSecretFile } from '../../node/secret-file';
import type { CliContext } from '../context';
import { usage } from '../exit-codes';
import { keyCheckValue } from '../../keys/key-check-value';
import { type KeyOptionValues, addKeyOptions, keyFromOptions } from '../options/key';
import { keyJson, keyRows, table } from '../token-text';

interface KeyDeriveOptions extends KeyOptionValues {
  json?: boolean;
  out?: string;
  force?: boolean;
  reveal?: boolean;
}

const HELP_AFTER = `
The decoder key itself is not printed: the output shows its attributes and a key check value
(KCV), enough to compare it with the meter's. --reveal prints it; --out writes a key file (mode
0600) that --key-file reads back.

Examples:
  $ hydrosync key derive --key-file vending-key.json
  $ HYDROSYNC_VENDING_KEY=… hydrosync key derive --pan 600727000000000009 --sgc 201457 \\
      --ti 01 --krn 1 --kt 2 --base-date 2014 --ea 11
  $ hydrosync key derive --key-file vending-key.json --pan 600727000000000009 --out meter-0009.key.json
  $ hydrosync key derive --demo-key --json`;

/** `hydrosync key derive`: DKGA02/DKGA04 decoder key from a vending key and the meter's parameters. */
export function registerKeyDerive(key: Command, ctx: CliContext): void {
  const cmd = key
    .command('derive')
    .summary('derive a meter\'s decoder key (DKGA02/DKGA04) and show its attributes and KCV')
    .description('Derive the decoder key of one meter from a vending key (DKGA02 for 64-bit, DKGA04 for 160-bit vending keys) and show its attributes and key check value, not the key.');
  cmd
    .option('--out <file>', 'write the decoder key to a key file (mode 0600)')
    .option('--force', 'with --out: replace an existing file')
    .option('--reveal', 'print the decoder key (hex) on stdout')
    .option('--json', 'print one JSON object');
  addKeyOptions(cmd)
    .addHelpText('after', HELP_AFTER)
    .action((o: KeyDeriveOptions) => {
      if (o.force && o.out === undefined) usage('--force only goes with --out FILE');
      const resolved = keyFromOptions(ctx, o, { required: true, why: 'key derive needs a vending key' })!;
      const k = resolved.key;
      if (resolved.vendingKey === undefined) {
        usage(`key derive needs a vending key, but ${resolved.source} holds a decoder key`);
      }
      if (o.out !== undefined) {
        writeSecretFile(o.out, { format: KEY_FILE_FORMAT, decoderKey: k.exportHex(), ...k.attributes() }, { force: o.force === true, what: 'key file' });
      }
      if (o.json) {
        ctx.json({
          ...keyJson(k),
          bits: k.bits,
          ...(o.out !== undefined ? { out: o.out } : {}),
          ...(o.reveal ? { decoderKey: k.exportHex() } : {}),
        });
        return;
      }
      ctx.out(`Decoder key derived with DKGA${k.dkga ?? '?'} from ${resolved.source}`);
      const rows = keyRows(k);
      if (o.reveal) rows.push(['Decoder key', `${k.exportHex()} (SECRET: do not store or share it in clear)`]);
      for (const line of table(rows)) ctx.out(line);
      if (o.out !== undefined) ctx.out(`Wrote the decoder key to ${o.out} (mode 0600; KCV ${keyCheckValue(k)}).`);
      if (!o.reveal && o.out === undefined) ctx.out('The key itself is not shown: --reveal prints it, --out FILE writes a key file.');
    });
}
