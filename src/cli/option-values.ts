import { usage } from './exit-codes';

/**
 * Parsers for option values. They throw usage errors (exit 2) naming the option, and quote the
 * value only when it is short (option values are never key material; key options are parsed
 * elsewhere).
 */

function shown(text: string): string {
  return JSON.stringify(text.length > 30 ? `${text.slice(0, 27)}...` : text);
}

/** A whole number given in decimal, or in hex with 0x when `hex` is set, within [min, max]. */
export function parseInteger(text: string, option: string, min: number, max: number, options: { hex?: boolean } = {}): number {
  const t = String(text).trim();
  let v: number;
  if (/^[0-9]+$/.test(t)) v = Number(t);
  else if (options.hex && /^0x[0-9a-f]+$/i.test(t)) v = parseInt(t.slice(2), 16);
  else {
    return usage(`${option} must be a whole number${options.hex ? ' (decimal, or hex with 0x)' : ''}; got ${shown(t)}`);
  }
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    const range = options.hex && max > 9999 ? `${min} to ${max} (0x${max.toString(16)})` : `${min} to ${max}`;
    return usage(`${option} must be from ${range}; got ${shown(t)}`);
  }
  return v;
}

/** An optional integer option: undefined stays undefined. */
export function optionalInteger(text: string | undefined, option: string, min: number, max: number, options: { hex?: boolean } = {}): number | undefined {
  return text === undefined ? undefined : parseInteger(text, option, min, max, options);
}

/** Exactly one of the named options must be set; returns its name. */
export function exactlyOne(values: Record<string, unknown>, what: string): string {
  const given = Object.entries(values).filter(([, v]) => v !== undefined && v !== false).map(([k]) => k);
  if (given.length === 1) return given[0]!;
  const names = Object.keys(values).join(', ');
  if (given.length === 0) return usage(`give ${what}: one of ${names}`);
  return usage(`give only one of ${names} (got ${given.join(' and ')})`);
}
