/**
 * `hydrosync token generate KIND`: one subcommand per token kind, registered from the KINDS table;
 * each runs a plain function that makes the token and reports it decoded back with the same key.
 */
import { type Command, Option } from 'commander';
import { decodeTransferAmount, encodeTransferAmount } from '../../codec/amount';
import { parseDecimalAmountNumber } from '../../codec/decimal-amount';
import type { DecoderKey } from '../../keys/decoder-key';
import { keyCheckValue } from '../../keys/key-check-value';
import { decodeToken } from '../../tokens/decode';
import { TOKEN_NAMES, describeToken } from '../../tokens/describe';
import { generateToken } from '../../tokens/generate';
import { issueCredit, issueCurrencyCredit, resolveTid } from '../../tokens/issue';
import { generateKeyChange, keyChangeTokens } from '../../tokens/key-change';
import type { TokenInput } from '../../tokens/types';
import type { CliContext } from '../context';
import { usage } from '../exit-codes';
import { examples } from '../help-text';
import { AMOUNT_HELP, amountAliasOption, currencyOption, litresOption, m3Option } from '../options/amount';
import { type KeyOptionValues, addKeyOptions, keyFromOptions } from '../options/key';
import { type NewKeyOptionValues, addNewKeyOptions, newKeyFromOptions } from '../options/new-key';
import { exactlyOne, optionalInteger, parseInteger } from '../option-values';
import { type TimeOptionValues, addTimeOptions, issueTimeFromOptions, rndFromOptions } from '../time-options';
import {
  CREDIT_UNITS, algorithmText, creditText, describeRows, groupDigits, keyJson, publicDescription, table, tenthsText,
} from '../token-text';

type GenerateOptions = KeyOptionValues & TimeOptionValues & { json?: boolean };
type Rows = [string, string][];

/** What a generated token is reported with, beyond its decoded description. */
interface Extra {
  /** Replaces or adds human rows (label → value). */
  rows?: Rows;
  /** Added to the JSON object. */
  json?: Record<string, unknown>;
}

/** A token kind: its subcommand (summary, options, help) and the operation it runs. */
interface Kind {
  name: string;
  summary: string;
  /** false: no key options (test tokens), no issue-time options (no TID), no --rnd. */
  key?: false;
  time?: false;
  rnd?: false;
  options?: Option[];
  help: string;
  run: (ctx: CliContext, o: never) => void;
}

/** The current key from the key options (every kind but test needs one). */
function needKey(ctx: CliContext, o: KeyOptionValues, why = 'this token is encrypted with the meter\'s decoder key'): DecoderKey {
  return keyFromOptions(ctx, o, { required: true, why })!.key;
}

/** Credit under a default key (KT 1, DDTK) is refused by meters (DDTK error, reference §7.6). */
function warnDefaultKey(ctx: CliContext, key: DecoderKey): void {
  if (key.keyType === 1) {
    ctx.warn('the key is a default key (KT 1, DDTK): meters reject credit tokens made with it (DDTK error); credit needs the meter\'s unique key (KT 2)');
  }
}

/** Decode the new token back with the same key (a self-check) and print it. */
function report(ctx: CliContext, kind: string, token: string, key: DecoderKey | null, o: { json?: boolean }, extra: Extra = {}): void {
  const d = publicDescription(describeToken(decodeToken(token, key), key ? { baseDate: key.baseDate, keyExpiryNumber: key.keyExpiryNumber } : {}));
  if (o.json) {
    ctx.json({
      generated: kind, token, grouped: groupDigits(token), ...d,
      ...(key && d.fields.tid !== undefined ? { tid: d.fields.tid, dateTime: d.meaning.dateTime, baseDate: key.baseDate } : {}),
      ...extra.json,
      ...(key ? { key: keyJson(key) } : {}),
    });
    return;
  }
  const rows = describeRows(d, key?.baseDate);
  for (const [label, value] of extra.rows ?? []) {
    const at = rows.findIndex(([l]) => l === label);
    if (at >= 0) rows[at] = [label, value];
    else rows.push([label, value]);
  }
  if (key) {
    rows.push(['Key', `KRN ${key.keyRevisionNumber}, SGC ${key.supplyGroupCode}, TI ${key.tariffIndex}, KT ${key.keyType}, ${algorithmText(key.encryptionAlgorithm)}, KCV ${keyCheckValue(key)}`]);
  }
  ctx.out(`Token ${groupDigits(token)}`);
  for (const line of table(rows)) ctx.out(line);
}

/** `credit`: class 0, subclass 0-3, from --litres, --m3 or --tenths. */
export function generateCredit(ctx: CliContext, o: GenerateOptions & { subclass: string; litres?: string; m3?: string; tenths?: string }): void {
  const subclass = parseInteger(o.subclass, '--subclass', 0, 3) as 0 | 1 | 2 | 3;
  const which = exactlyOne({ '--litres': o.litres, '--m3': o.m3, '--tenths': o.tenths }, 'the amount');
  const litres = o.litres === undefined ? undefined : parseDecimalAmountNumber(o.litres, 'litres');
  const tenths = optionalInteger(o.tenths, '--tenths', 0, 18201624);
  if (which !== '--tenths' && subclass !== 1 && subclass !== 2) {
    usage(`${which} is a volume: use it for water (--subclass 1) or gas (--subclass 2); for ${CREDIT_UNITS[subclass].utility} give --tenths`);
  }
  const time = issueTimeFromOptions(ctx, o);
  const key = needKey(ctx, o);
  const rnd = rndFromOptions(o);
  warnDefaultKey(ctx, key);
  const issued = issueCredit(key, {
    ...time, subclass,
    ...(litres !== undefined ? { litres } : {}),
    ...(tenths !== undefined ? { tenths } : {}),
    ...(o.m3 !== undefined ? { cubicMetres: o.m3 } : {}),
    ...(rnd !== undefined ? { rnd } : {}),
  });
  const requested = litres !== undefined ? `${litres} L` : o.m3 !== undefined ? `${o.m3.trim()} m³` : `${tenthsText(tenths!)} ${CREDIT_UNITS[subclass].unit}`;
  const carried = creditText(subclass, issued.creditedTenths);
  report(ctx, 'credit', issued.token, key, o, {
    rows: [['Credit', `requested ${requested}, token carries ${carried}`]],
    json: {
      requested: { text: requested, tenths: issued.requestedTenths },
      carried: { text: carried, tenths: issued.creditedTenths, ...(issued.creditedLitres !== undefined ? { litres: issued.creditedLitres } : {}) },
    },
  });
}

/** `currency`: class 0, subclass 4-7, from --currency (or the old --amount). */
export function generateCurrency(ctx: CliContext, o: GenerateOptions & { subclass: string; currency?: string; amount?: string }): void {
  const subclass = parseInteger(o.subclass, '--subclass', 4, 7) as 4 | 5 | 6 | 7;
  exactlyOne({ '--currency': o.currency, '--amount': o.amount }, 'the amount');
  const time = issueTimeFromOptions(ctx, o);
  const key = needKey(ctx, o);
  warnDefaultKey(ctx, key);
  const issued = issueCurrencyCredit(key, { ...time, subclass, amount: (o.currency ?? o.amount)! });
  report(ctx, 'currency', issued.token, key, o, {
    rows: [['Credit', `requested ${issued.requested}, token carries ${issued.credited} currency units`]],
    json: { requested: issued.requested, carried: issued.credited },
  });
}

/** `test`: class 1, not encrypted, no key. */
export function generateTest(ctx: CliContext, o: { subclass: string; control: string; mfrCode: string; mfr?: string; json?: boolean }): void {
  const subclass = parseInteger(o.subclass, '--subclass', 0, 1) as 0 | 1;
  const control = parseInteger(o.control, '--control', 0, subclass === 0 ? 2 ** 36 - 1 : 2 ** 28 - 1, { hex: true });
  const manufacturerCode = parseInteger(o.mfr ?? o.mfrCode, '--mfr-code', 0, subclass === 0 ? 99 : 9999);
  report(ctx, 'test', generateToken({ kind: 'meterTest', class: 1, subclass, fields: { control, manufacturerCode } }), null, o);
}

/** A class 2 kind with a TID: the token kind, its subclass and its one 16-bit field, read from the options by `value`. */
interface Class2 {
  kind: TokenInput['kind'];
  subclass: number;
  field: string;
  value: (ctx: CliContext, o: Record<string, string | undefined>) => Extra & { raw: number };
}

/** A class 2 token: the field's value, the issue time and the key from the options. */
export function generateClass2(ctx: CliContext, name: string, spec: Class2, o: GenerateOptions & Record<string, string | undefined>): void {
  const { raw, ...extra } = spec.value(ctx, o);
  const time = issueTimeFromOptions(ctx, o);
  const key = needKey(ctx, o);
  const tid = resolveTid(key, time);
  const rnd = rndFromOptions(o);
  const input = { kind: spec.kind, class: 2, subclass: spec.subclass, fields: { ...(rnd !== undefined ? { rnd } : {}), tid, [spec.field]: raw } };
  report(ctx, name, generateToken(input as unknown as TokenInput, key), key, o, extra);
}

/** A limit in watts, coded like a transfer amount (rounded up). */
function watts(_ctx: CliContext, o: Record<string, string | undefined>): Extra & { raw: number } {
  const requested = parseInteger(String(o.watts), '--watts', 0, 18201624);
  const raw = encodeTransferAmount(requested);
  const carried = decodeTransferAmount(raw);
  return { raw, rows: [['Limit', `requested ${requested} W, token carries ${carried} W`]], json: { requested: { watts: requested }, carried: { watts: carried } } };
}

/** A raw 16-bit field (decimal or 0x hex) from `flag`. */
const raw16 = (flag: string, text: string | undefined): number => parseInteger(String(text), flag, 0, 0xffff, { hex: true });

const WATTS_OPTION = (): Option => new Option('--watts <n>', 'limit in watts (coded like a transfer amount, rounded up)').makeOptionMandatory();

const RESERVED_HELP = (field: string, reservedFor: string, example: string): string => `
The ${field} field is "reserved ${reservedFor}"
(IEC 62055-41): its meaning is not defined, so the value is carried raw. Only use it with a
meter whose maker documents it.
${examples([example])}`;

/** `key-change`: the 2, 3 or 4 tokens, encrypted with the current key, that carry the new key. */
export function generateKeyChangeSet(
  ctx: CliContext, o: KeyOptionValues & NewKeyOptionValues & { rollover?: boolean; threeTokenSet?: boolean; json?: boolean },
): void {
  const current = keyFromOptions(ctx, o, { required: true, why: 'a key change is encrypted with the meter\'s current key' })!;
  const next = newKeyFromOptions(ctx, current, o);
  if (current.key.exportHex() === next.key.exportHex()) {
    usage('the new key is the same as the current key: give another key, or change --new-krn, --new-base-date, --new-sgc, --new-ti or --new-kt');
  }
  const options = { ...(o.rollover !== undefined ? { rollover: o.rollover } : {}), ...(o.threeTokenSet ? { threeTokenSet: true } : {}) };
  const typed = keyChangeTokens(current.key, next.key, options);
  const tokens = generateKeyChange(current.key, next.key, options);
  const rollover = typed[0]!.kind === 'set1stSectionDecoderKey' ? typed[0]!.fields.rollover === 1 : false;
  if (o.json) {
    ctx.json({
      generated: 'key-change', tokens, grouped: tokens.map(groupDigits),
      names: typed.map((t) => TOKEN_NAMES[t.kind]), rollover, threeTokenSet: o.threeTokenSet === true,
      currentKey: keyJson(current.key), newKey: keyJson(next.key),
    });
    return;
  }
  const k = (key: DecoderKey) =>
    `KRN ${key.keyRevisionNumber}, KT ${key.keyType}, SGC ${key.supplyGroupCode}, TI ${key.tariffIndex}, KEN ${key.keyExpiryNumber}, base date ${key.baseDate}, ${algorithmText(key.encryptionAlgorithm)}, KCV ${keyCheckValue(key)}`;
  ctx.out(`Key change${current.key.pan ? ` for meter ${current.key.pan}` : ''}: ${tokens.length} tokens. Enter them in this order:`);
  tokens.forEach((t, i) => ctx.out(`  ${i + 1}. ${groupDigits(t)}   ${TOKEN_NAMES[typed[i]!.kind]}`));
  for (const line of table([
    ['From (current key)', k(current.key)],
    ['To (new key)', k(next.key)],
    ['New key from', next.source],
    ['Rollover', rollover ? 'yes: the meter clears its TID memory (new base date)' : 'no: the meter keeps its TID memory'],
  ], '')) ctx.out(line);
  ctx.out('Enter any credit token bought under the current key BEFORE these: after the change the meter rejects it.');
  ctx.out(`Issue every later token with the new key (KRN ${next.key.keyRevisionNumber}).`);
}

/** A class 2 kind as a Kind (its operation: generateClass2). */
function class2(name: string, summary: string, spec: Class2, options: Option[], help: string): Kind {
  return { name, summary, options, help, run: (ctx, o: GenerateOptions & Record<string, string | undefined>) => generateClass2(ctx, name, spec, o) };
}

const KINDS: Kind[] = [
  {
    name: 'credit', summary: 'credit token: class 0, subclass 0-3 (default 1 = water, 0.1 m³ per unit)',
    options: [m3Option(), litresOption(), new Option('--tenths <n>', 'amount in tenths of the unit (0.1 m³, 0.1 kWh, …)'),
      new Option('--subclass <n>', '0 electricity (0.1 kWh), 1 water (0.1 m³), 2 gas (0.1 m³), 3 time (0.1 min)').default('1')],
    help: `
The token carries amounts in steps of 0.1 unit (and coarser steps above 1638.3 units); an amount
in between is rounded UP, in the customer's favour, and the output says what the token carries.
A credit of 0 is refused (RANGE), as the security module refuses it.
${AMOUNT_HELP}
${examples([
  'hydrosync token generate credit --key-file meter.key.json --m3 5 --date-time 2026-12-01T09:30',
  'hydrosync token generate credit --key-file meter.key.json --litres 2550 --tid 6987654 --rnd 7',
  'hydrosync token generate credit --demo-key --m3 2.55 --now --utc-offset 420 --json',
])}`,
    run: generateCredit,
  },
  {
    name: 'currency', summary: 'currency credit token: class 0, subclass 4-7 (default 5 = water currency)', rnd: false,
    options: [currencyOption('amount in currency units (a debit is negative)'), amountAliasOption(),
      new Option('--subclass <n>', '4 electricity, 5 water, 6 gas, 7 time (currency)').default('5')],
    help: `
STS does not name the currency: the meter and the utility agree on it. The 20-bit amount field
has limited precision: a credit is rounded up (a debit, given as a negative amount, rounded
towards zero), in the customer's favour, and the output says what the token carries.
${AMOUNT_HELP}
${examples(['hydrosync token generate currency --key-file meter.key.json --currency 50000 --date-time 2026-12-01T09:30'])}`,
    run: generateCurrency,
  },
  {
    name: 'test', summary: 'meter test / display token: class 1, not encrypted, no key needed', key: false, time: false,
    options: [
      new Option('--control <n>', 'control bits (decimal or 0x hex): bit i asks for test/display i; all ones = all tests').default('1'),
      new Option('--mfr-code <n>', 'manufacturer code of the meter').default('0'),
      new Option('--mfr <n>', 'old spelling of --mfr-code').hideHelp(),
      new Option('--subclass <n>', '0: 36-bit control, 2-digit manufacturer code; 1: 28-bit control, 4-digit code').default('0'),
    ],
    help: `
Class 1 tokens are not encrypted and carry no TID: any meter with that manufacturer code accepts
them, so they need no key.
${examples([
  'hydrosync token generate test',
  'hydrosync token generate test --control 0xFFFFFFFFF --mfr-code 12',
  'hydrosync token generate test --subclass 1 --control 0x1 --mfr-code 1234',
])}`,
    run: generateTest,
  },
  class2('clear-credit', 'clear a credit register: class 2, subclass 1', {
    kind: 'clearCredit', subclass: 1, field: 'register',
    value: (ctx, o) => {
      const text = String(o.register).trim().toLowerCase();
      const raw = text === 'all' ? 0xffff : parseInteger(text, '--register', 0, 0xffff, { hex: true });
      if (raw > 7 && raw !== 0xffff) ctx.warn(`register ${raw} is not defined by the standard (0-7 or all); meters reject it`);
      return { raw };
    },
  }, [new Option('--register <n>', 'register: 0 electricity, 1 water, 2 gas, 3 time, 4-7 currency, all (0xFFFF)').default('1')],
  examples(['hydrosync token generate clear-credit --key-file meter.key.json --date-time 2026-12-01T09:30'])),
  class2('clear-tamper', 'clear the tamper condition: class 2, subclass 5', { kind: 'clearTamperCondition', subclass: 5, field: 'pad', value: () => ({ raw: 0 }) },
    [], examples(['hydrosync token generate clear-tamper --key-file meter.key.json --now --utc-offset 420'])),
  class2('max-power', 'set the maximum power limit: class 2, subclass 0', { kind: 'setMaximumPowerLimit', subclass: 0, field: 'maximumPowerLimit', value: watts },
    [WATTS_OPTION()], examples(['hydrosync token generate max-power --key-file meter.key.json --watts 2200 --date-time 2026-12-01T09:30'])),
  class2('phase-unbalance', 'set the maximum phase power unbalance limit: class 2, subclass 6',
    { kind: 'setMaximumPhasePowerUnbalanceLimit', subclass: 6, field: 'maximumPhasePowerUnbalanceLimit', value: watts },
    [WATTS_OPTION()], examples(['hydrosync token generate phase-unbalance --key-file meter.key.json --watts 500 --date-time 2026-12-01T09:30'])),
  class2('tariff-rate', 'set tariff rate: class 2, subclass 2 (field reserved by the STS Association)',
    { kind: 'setTariffRate', subclass: 2, field: 'rate', value: (_ctx, o) => ({ raw: raw16('--raw', o.raw) }) },
    [new Option('--raw <n>', 'the raw 16-bit rate field, 0-65535 (decimal or 0x hex)').makeOptionMandatory()],
    RESERVED_HELP('rate', 'for future definition by the STS Association', 'hydrosync token generate tariff-rate --key-file meter.key.json --raw 0x0100 --date-time 2026-12-01T09:30')),
  class2('water-meter-factor', 'set water meter factor: class 2, subclass 7 (field reserved by the STS Association)',
    { kind: 'setWaterMeterFactor', subclass: 7, field: 'waterMeterFactor', value: (_ctx, o) => ({ raw: raw16('--factor', o.factor ?? o.raw ?? usage('give the factor: --factor N (0-65535)')) }) },
    [new Option('--factor <n>', 'the raw 16-bit factor field, 0-65535 (decimal or 0x hex) (required)'), new Option('--raw <n>', 'old spelling').hideHelp()],
    RESERVED_HELP('WaterMeterFactor', 'by the STS Association for water application', 'hydrosync token generate water-meter-factor --key-file meter.key.json --factor 1000 --date-time 2026-12-01T09:30')),
  {
    name: 'key-change', summary: 'key change token set: 2, 3 or 4 tokens (class 2, subclasses 3, 4, 8, 9)', time: false,
    options: [
      new Option('--rollover', 'set the rollover flag: the meter resets its TID memory (default: when the base date changes)'),
      new Option('--no-rollover', 'clear the rollover flag'),
      new Option('--three-token-set', 'for a 64-bit new key: add the 3rd token carrying the supply group code (3KCT)'),
    ],
    help: `
The tokens are encrypted with the CURRENT key and carry the NEW key (KRN, KT, TI, KEN, SGC and
the key bits). The new key comes from --new-key-file, HYDROSYNC_NEW_VENDING_KEY or
HYDROSYNC_NEW_DECODER_KEY; without one, it is derived from the current vending key with the
--new-* attributes. Attributes not given keep the current key's values. A new base date (e.g.
1993 -> 2014) is a rollover key change.

Tell the customer to enter every credit token bought under the current key BEFORE the key
change tokens, and to enter the key change tokens in the order printed.
${examples([
  'hydrosync token generate key-change --key-file krn1.key.json --new-key-file krn2.key.json',
  'hydrosync token generate key-change --key-file vk.json --new-krn 2',
  'hydrosync token generate key-change --key-file vk-bd1993.json --new-krn 2 --new-base-date 2014',
])}`,
    run: generateKeyChangeSet,
  },
];

const TIME_HELP = `
Issue time (tokens with a TID): exactly one of --tid N, --date-time YYYY-MM-DDTHH:MM (the
meter's local wall-clock time) or --now; without one, --now is used. --now needs the UTC offset
of the meter's local time: --utc-offset MINUTES or HYDROSYNC_UTC_OFFSET (420 = WIB, 480 = WITA,
540 = WIT); the computer's time zone is never used.`;

/** `hydrosync token generate KIND`: one subcommand per entry of KINDS. */
export function registerTokenGenerate(token: Command, ctx: CliContext, requireSubcommand: (c: Command) => void): void {
  const generate = token
    .command('generate')
    .summary('make a token: credit, currency, test, clear-credit, clear-tamper, key-change, …')
    .description('Make a 20-digit STS token of the given kind. Every kind but "test" needs the meter\'s key.')
    .addHelpText('after', examples([
      'hydrosync token generate credit --key-file meter.key.json --m3 5 --date-time 2026-12-01T09:30',
      'hydrosync token generate credit --key-file meter.key.json --litres 2550 --now --utc-offset 420',
      'hydrosync token generate test --control 0xFFFFFFFFF',
      'hydrosync token generate key-change --key-file old.key.json --new-key-file new.key.json',
    ]));
  for (const kind of KINDS) {
    const cmd = generate.command(kind.name).summary(kind.summary).description(`${kind.summary.charAt(0).toUpperCase()}${kind.summary.slice(1)}.`);
    for (const option of kind.options ?? []) cmd.addOption(option);
    cmd.option('--json', 'print one JSON object');
    if (kind.key !== false) addKeyOptions(cmd);
    if (kind.time !== false) addTimeOptions(cmd, { rnd: kind.rnd !== false }).addHelpText('after', TIME_HELP);
    if (kind.name === 'key-change') addNewKeyOptions(cmd);
    cmd.addHelpText('after', kind.help).action((o: object) => kind.run(ctx, o as never));
  }
  requireSubcommand(generate);
}
