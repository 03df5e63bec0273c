import type { Command } from 'commander';
import { HydroSyncError, type HydroSyncErrorCode } from '../../errors';
import type { DecoderKey } from '../../keys/decoder-key';
import { tryDecodeToken } from '../../tokens/decode';
import { type TokenDescription, describeToken } from '../../tokens/describe';
import { assembleKeyChange, decodeKeyChange } from '../../tokens/key-change';
import type { Token } from '../../tokens/types';
import type { CliContext } from '../context';
import { errorText } from '../context';
import { EXIT, usage } from '../exit-codes';
import { tokenLines } from '../input-lines';
import { keyCheckValue } from '../../keys/key-check-value';
import { type KeyOptionValues, addKeyOptions, keyFromOptions } from '../options/key';
import { staTablesFromOptions } from '../options/sta-tables';
import { algorithmText, describeLines, groupDigits, keyTypeText, publicDescription, table, tokenDigits } from '../token-text';

type DecodeOptions = KeyOptionValues & { json?: boolean };

type Outcome =
  | { ok: true; token: string; decoded: Token; description: TokenDescription & { redactedFields?: string[] } }
  | { ok: false; token: string; error: { code: HydroSyncErrorCode; message: string }; exitCode: number };

const KCT_KINDS = new Set(['set1stSectionDecoderKey', 'set2ndSectionDecoderKey', 'set3rdSectionDecoderKey', 'set4thSectionDecoderKey', 'setSupplyGroupCode']);

const NO_KEY_HELP =
  'give --key-file FILE, HYDROSYNC_DECODER_KEY or HYDROSYNC_VENDING_KEY (with its parameters), or --demo-key';

/** Decode one token; a bad token is an expected outcome here (stdin may carry thousands): no Error is built for it. */
function decodeOne(raw: string, key: DecoderKey | undefined): Outcome {
  const token = tokenDigits(raw);
  const r = tryDecodeToken(raw.trim(), key ?? null);
  if (!r.ok) {
    if (r.code === 'KEY' && key === undefined) {
      return { ok: false, token, exitCode: EXIT.USAGE, error: { code: 'KEY', message: `${r.message}; ${NO_KEY_HELP}` } };
    }
    return { ok: false, token, error: { code: r.code, message: r.message }, exitCode: EXIT.FAILED };
  }
  const description = publicDescription(describeToken(r.token, key ? { baseDate: key.baseDate, keyExpiryNumber: key.keyExpiryNumber } : {}));
  return { ok: true, token, decoded: r.token, description };
}

function outcomeJson(r: Outcome): Record<string, unknown> {
  if (r.ok) return { token: r.token, ok: true, ...r.description };
  return { token: r.token, ok: false, error: { code: r.error.code, message: r.error.message } };
}

/** Report a set of key-change tokens (all decoded): complete or not, new attributes and KCV. */
function reportKeyChange(ctx: CliContext, results: Extract<Outcome, { ok: true }>[], key: DecoderKey, o: DecodeOptions): void {
  const decoded = results.map((r) => r.decoded);
  let summary: Record<string, unknown>;
  let lines: string[];
  try {
    const has4 = decoded.some((t) => t.kind === 'set3rdSectionDecoderKey' || t.kind === 'set4thSectionDecoderKey');
    const progress = assembleKeyChange(decoded, has4 ? 128 : key.bits);
    if (!progress.complete) {
      summary = { complete: false, have: progress.have, need: progress.need };
      lines = [`Key change set: incomplete, ${progress.have} of ${progress.need} tokens (give all tokens of the set together)`];
    } else {
      const tables = staTablesFromOptions(ctx, o.staTables);
      const { change, newKey } = decodeKeyChange(results.map((r) => r.token), key, tables ? { staTables: tables } : {});
      const kcv = keyCheckValue(newKey);
      summary = {
        complete: true, tokenCount: change.tokenCount, keyRevisionNumber: change.keyRevisionNumber, keyType: change.keyType,
        tariffIndex: change.tariffIndex, keyExpiryNumber: change.keyExpiryNumber, rollover: change.rollover,
        supplyGroupCode: newKey.supplyGroupCode, baseDate: newKey.baseDate, encryptionAlgorithm: newKey.encryptionAlgorithm,
        bits: newKey.bits, kcv,
      };
      lines = [
        `Key change set: complete (${change.tokenCount} tokens); the meter would change to this key:`,
        ...table([
          ['Key revision (KRN)', `${change.keyRevisionNumber} (now ${key.keyRevisionNumber})`],
          ['Key type (KT)', keyTypeText(change.keyType)],
          ['Tariff index (TI)', change.tariffIndex],
          ['Key expiry (KEN)', String(change.keyExpiryNumber)],
          ['Supply group (SGC)', `${newKey.supplyGroupCode}${change.supplyGroupCode === undefined ? ' (unchanged: not in a 2-token set)' : ''}`],
          ['Rollover', change.rollover ? `yes: new base date ${newKey.baseDate}, TID memory cleared` : `no (base date stays ${newKey.baseDate})`],
          ['Encryption', `${algorithmText(newKey.encryptionAlgorithm)}, ${newKey.bits}-bit key`],
          ['Key check value', `${kcv} (the key itself is not shown)`],
        ]),
      ];
    }
  } catch (e) {
    if (!(e instanceof HydroSyncError)) throw e;
    ctx.raise(EXIT.FAILED);
    if (o.json) ctx.json({ keyChangeSet: { complete: false, ok: false, error: { code: e.code, message: e.message } } });
    else ctx.error(`key change set: ${errorText(e)}`);
    return;
  }
  if (o.json) ctx.json({ keyChangeSet: summary });
  else {
    ctx.out('');
    for (const l of lines) ctx.out(l);
  }
}

/** `hydrosync token decode TOKEN...` (or `-` for one token per line on stdin, NDJSON out). */
export function registerTokenDecode(token: Command, ctx: CliContext): void {
  const cmd = token
    .command('decode')
    .summary('decode tokens: kind, fields and meaning (class 0/2 need the meter\'s key)')
    .description('Decode 20-digit tokens as the meter would: check the CRC, and show the kind, the fields and what they mean. Class 1 (test) tokens need no key; class 0 and 2 tokens are encrypted and need the meter\'s decoder key (or the vending key and the meter\'s parameters). When all tokens given form a key change set, the new key\'s attributes and key check value are shown too (never the key).')
    .argument('<token...>', '20-digit tokens (spaces or dashes allowed inside quotes); "-" reads one per line from stdin');
  cmd.option('--json', 'print one JSON object per token (NDJSON)');
  addKeyOptions(cmd)
    .addHelpText('after', `
With "-", tokens are read one per line from standard input (blank lines are skipped) and the
output is always NDJSON, one object per token:
  {"token":"…","ok":true,"kind":…,"name":…,"class":…,"subclass":…,"fields":{…},"meaning":{…}}
  {"token":"…","ok":false,"error":{"code":"CRC","message":"…"}}
With --json and a key change set, one more line follows: {"keyChangeSet":{…}}.
Exit status: 0 all tokens decoded; 1 a token failed (FORMAT, CRC, FUNCTION, …); 2 no key given
for an encrypted token, or a bad option.

Examples:
  $ hydrosync token decode 0000 0000 0001 5099 7584
  $ hydrosync token decode --key-file meter.key.json "4718 6281 2079 5515 5808"
  $ hydrosync token decode --key-file meter.key.json --json 47186281207955155808
  $ cat tokens.txt | hydrosync token decode --key-file meter.key.json -`)
    .action(async (args: string[], o: DecodeOptions) => {
      const stdinMode = args.length === 1 && args[0] === '-';
      if (!stdinMode && args.includes('-')) usage('"-" (read tokens from stdin) must be the only token argument');
      const key = keyFromOptions(ctx, o, { required: false })?.key;
      // Standard input may carry thousands of tokens: its results are printed as NDJSON, not kept.
      const decoded: Extract<Outcome, { ok: true }>[] = [];
      let count = 0;
      for await (const t of stdinMode ? tokenLines(ctx.io.stdin) : joinGroups(args)) {
        const r = decodeOne(t, key);
        if (!r.ok) ctx.raise(r.exitCode);
        if (o.json || stdinMode) ctx.json(outcomeJson(r));
        else if (!r.ok) ctx.error(`token ${groupDigits(r.token)}: ${r.error.code}: ${r.error.message}`);
        else {
          if (count > 0) ctx.out('');
          for (const line of describeLines(r.token, r.description, key?.baseDate)) ctx.out(line);
        }
        count++;
        if (r.ok && !stdinMode) decoded.push(r);
      }
      if (key && decoded.length === count && count > 0 && !stdinMode && decoded.every((r) => KCT_KINDS.has(r.decoded.kind))) {
        reportKeyChange(ctx, decoded, key, o);
      }
    });
}

/**
 * Arguments → tokens: a token typed as "7063 0503 4700 2872 6114" without quotes arrives as five
 * arguments of 4 digits; consecutive 4-digit arguments are joined into 20-digit tokens.
 */
export function joinGroups(args: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < args.length) {
    const five = args.slice(i, i + 5);
    if (five.length === 5 && five.every((x) => /^\d{4}$/.test(x))) {
      out.push(five.join(''));
      i += 5;
    } else {
      out.push(args[i]!);
      i++;
    }
  }
  return out;
}
