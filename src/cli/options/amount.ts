/**
 * The amount options (--m3, --litres, --rupiah, --currency), defined once for `token generate`
 * and `hsm vend`. Each parser calls the library's parseDecimalAmount, so the CLI and the library
 * accept exactly the same text (FORMAT, exit 2, with the rule quoted, before anything is opened).
 */
import { Option } from 'commander';
import { type AmountUnit, parseDecimalAmount } from '../../codec/decimal-amount';

/** Check the text against the unit's rule and keep it as written (the library re-reads it exactly). */
function amountText(unit: AmountUnit): (text: string) => string {
  return (text) => {
    parseDecimalAmount(text, unit);
    return text;
  };
}

export const m3Option = (): Option =>
  new Option('--m3 <decimal>', 'volume in cubic metres, e.g. 2.55 (at most 3 fraction digits; rounded up to 0.1 m³)').argParser(amountText('cubicMetres'));

export const litresOption = (): Option =>
  new Option('--litres <n>', 'volume in whole litres, e.g. 2500 or 2_500 (rounded up to 100 L)').argParser(amountText('litres'));

export const rupiahOption = (): Option =>
  new Option('--rupiah <n>', 'amount paid in whole rupiah, e.g. 50000 or 50_000 (no fraction, never ",")').argParser(amountText('rupiah'));

export const currencyOption = (description: string): Option =>
  new Option('--currency <decimal>', `${description}: digits, "." and at most 5 fraction digits, e.g. 25000 or 12.5`).argParser(amountText('currency'));

/** Old spelling of --currency in `token generate currency`, kept hidden for scripts. */
export const amountAliasOption = (): Option =>
  new Option('--amount <decimal>', 'old name of --currency').argParser(amountText('currency')).hideHelp();

/** One line for help texts: the grammar of every amount option. */
export const AMOUNT_HELP = `
Amounts: digits, an optional "." fraction where the unit has one (m³: 3 digits, currency: 5;
rupiah and litres: none), optionally grouped in threes by "_" or a thin space (50_000). A ","
is always refused, and "." always starts a fraction: 25.000 is 25, never 25000.`;
