import { usage } from '../exit-codes';

/** An 18-digit MeterPAN from --pan (spaces and dashes allowed); the library checks the Luhn digit. */
export function panOption(value: string | undefined, what = '--pan'): string {
  if (value === undefined) return usage(`give the meter: ${what} PAN (18 digits)`);
  const d = value.replace(/[\s-]/g, '');
  if (!/^\d{18}$/.test(d)) usage(`${what} must be an 18-digit MeterPAN; got ${d.length > 30 ? `${d.length} characters` : JSON.stringify(d)}`);
  return d;
}
