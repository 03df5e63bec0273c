/**
 * Short, printable renderings of caller input for error messages.
 * Cold path only: called when building the text of a HydroSyncError.
 */

const MAX_SHOWN = 40;

/** Render any value briefly: strings quoted and cut at 40 characters, other types named. */
export function showInput(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v.length > MAX_SHOWN ? `${v.slice(0, MAX_SHOWN - 3)}...` : v);
    case 'number':
    case 'boolean':
      return String(v);
    case 'bigint': {
      const s = String(v);
      return s.length > MAX_SHOWN ? `a ${s.length}-digit bigint` : `${s}n`;
    }
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      if (v === null) return 'null';
      if (Array.isArray(v)) return 'an array';
      if (v instanceof Date) return 'a Date';
      return 'an object';
  }
}

/** Name of the JavaScript type of a value, for "expected a string, got …" messages. */
export function typeOfInput(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  const t = typeof v;
  return t === 'object' ? 'an object' : t === 'undefined' ? 'undefined' : `a ${t}`;
}
