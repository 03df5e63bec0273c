/**
 * The files of a fleet key change (`hydrosync hsm key-change --fleet meters.csv`). In: one meter
 * per row, a header naming the columns; only `pan` is required, the other columns are the new-key
 * fields of a KeyChangeRequest and override the defaults given on the command line. Out: one
 * outcome per meter, CSV or NDJSON, tokens only (key material never reaches an outcome).
 */
import { HydroSyncError, fail } from '../errors';
import { parseBaseDate } from '../codec/tid';
import { parseMeterPan } from '../codec/pan';
import type { KeyType } from '../keys/types';
import { csvLine, parseCsv } from '../codec/csv';
import type { FleetOutcome, FleetRow } from './types';
import { checkArray, checkObject } from '../argument-checks';

/** The columns of a fleet CSV file, in output order. */
export const FLEET_COLUMNS = [
  'pan', 'newKeyRevisionNumber', 'newBaseDate', 'newKeyType', 'newKeyExpiryNumber', 'newTariffIndex',
  'newSupplyGroupCode', 'newVendingKeyId', 'threeTokenSet',
] as const satisfies readonly (keyof FleetRow)[];
export type FleetColumn = (typeof FLEET_COLUMNS)[number];

/** At most this many bad rows are listed in one error. */
const MAX_LISTED = 10;

function integer(column: string, text: string, lo: number, hi: number): number {
  if (!/^[0-9]+$/.test(text)) fail('FORMAT', `${column} must be a whole number from ${lo} to ${hi}; got ${JSON.stringify(text)}`);
  const v = Number(text);
  if (v < lo || v > hi) fail('RANGE', `${column} must be from ${lo} to ${hi}; got ${text}`);
  return v;
}

function fixedDigits(column: string, text: string, n: number): string {
  if (!/^[0-9]+$/.test(text) || text.length !== n) {
    fail('FORMAT', `${column} must be exactly ${n} digits (keep leading zeros: format the spreadsheet column as text); got ${JSON.stringify(text)}`);
  }
  return text;
}

const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0']);

/** Each column's reader: a fleet CSV value (already trimmed, not empty) → its typed value. Throws FORMAT, RANGE or CHECK_DIGIT (PAN). */
const PARSE: { [C in FleetColumn]: (text: string) => FleetRow[C] } = {
  pan: (text) => parseMeterPan(text).pan,
  newKeyRevisionNumber: (text) => integer('newKeyRevisionNumber (KRN)', text, 1, 9),
  newBaseDate: (text) => parseBaseDate(text),
  newKeyType: (text) => integer('newKeyType (KT)', text, 0, 3) as KeyType,
  newKeyExpiryNumber: (text) => integer('newKeyExpiryNumber (KEN)', text, 0, 255),
  newTariffIndex: (text) => fixedDigits('newTariffIndex (TI)', text, 2),
  newSupplyGroupCode: (text) => fixedDigits('newSupplyGroupCode (SGC)', text, 6),
  newVendingKeyId: (text) => text,
  threeTokenSet: (text) => {
    const t = text.toLowerCase();
    if (TRUE.has(t)) return true;
    if (FALSE.has(t)) return false;
    return fail('FORMAT', `threeTokenSet must be true or false (also yes/no, 1/0); got ${JSON.stringify(text)}`);
  },
};

function headerColumns(fields: string[], line: number): FleetColumn[] {
  const byLower = new Map<string, FleetColumn>(FLEET_COLUMNS.map((c) => [c.toLowerCase(), c]));
  const seen = new Set<FleetColumn>();
  const columns = fields.map((f) => {
    const name = f.trim();
    const c = byLower.get(name.toLowerCase());
    if (c === undefined) {
      fail('FORMAT', `line ${line}: unknown column ${JSON.stringify(name)}; the columns are ${FLEET_COLUMNS.join(', ')} (only pan is required)`);
    }
    if (seen.has(c)) fail('FORMAT', `line ${line}: column ${c} appears twice`);
    seen.add(c);
    return c;
  });
  if (!seen.has('pan')) fail('FORMAT', `line ${line}: the header has no pan column; the first line must name the columns, e.g. "pan,newKeyRevisionNumber"`);
  return columns;
}

/**
 * Parse a fleet CSV file. The first non-blank line is the header (column names, any case); every
 * row needs a PAN, empty cells mean "use the default". A PAN may appear once. Errors list up to 10
 * bad lines with their line numbers.
 * @param text - the CSV text
 * @throws HydroSyncError `FORMAT`; `RANGE` or `CHECK_DIGIT` when the first problem is one.
 */
export function parseFleetCsv(text: string): FleetRow[] {
  const records = parseCsv(text);
  if (records.length === 0) fail('FORMAT', 'the fleet file is empty; its first line must name the columns, e.g. "pan,newKeyRevisionNumber"');
  const header = records[0]!;
  const columns = headerColumns(header.fields, header.line);
  const rows: FleetRow[] = [];
  const problems: { code: HydroSyncError['code']; text: string }[] = [];
  const firstLine = new Map<string, number>();
  for (let r = 1; r < records.length; r++) {
    const { line, fields } = records[r]!;
    try {
      if (fields.length !== columns.length) {
        fail('FORMAT', `${fields.length} field${fields.length === 1 ? '' : 's'}, but the header has ${columns.length} column${columns.length === 1 ? '' : 's'}`);
      }
      const row: Record<string, unknown> = {};
      for (let c = 0; c < columns.length; c++) {
        const column = columns[c]!;
        const value = fields[c]!.trim();
        if (value === '') {
          if (column === 'pan') fail('FORMAT', 'the pan is empty; every row needs the meter\'s 18-digit MeterPAN');
          continue;
        }
        row[column] = PARSE[column](value);
      }
      const pan = row.pan as string;
      const seen = firstLine.get(pan);
      if (seen !== undefined) fail('FORMAT', `pan ${pan} is already on line ${seen}; give each meter once`);
      firstLine.set(pan, line);
      rows.push(row as unknown as FleetRow);
    } catch (e) {
      if (!(e instanceof HydroSyncError)) throw e;
      problems.push({ code: e.code, text: `line ${line}: ${e.message}` });
    }
  }
  if (problems.length > 0) {
    const listed = problems.slice(0, MAX_LISTED).map((p) => p.text).join('; ');
    const more = problems.length > MAX_LISTED ? `; and ${problems.length - MAX_LISTED} more bad lines` : '';
    const head = problems.length === 1 ? '' : `${problems.length} bad lines in the fleet file: `;
    throw new HydroSyncError(problems[0]!.code, head + listed + more);
  }
  return rows;
}

/**
 * Rows → fleet CSV text (header: pan and the columns any row uses), "\n" line ends, final newline.
 * @param rows - the rows (parseFleetCsv's shape)
 * @throws HydroSyncError `USAGE` not an array of objects.
 */
export function formatFleetCsv(rows: readonly FleetRow[]): string {
  checkArray(rows, 'the fleet rows');
  for (const r of rows) checkObject(r, 'each fleet row');
  const used = FLEET_COLUMNS.filter((c) => c === 'pan' || rows.some((r) => r[c] !== undefined));
  const lines = [csvLine(used)];
  for (const r of rows) lines.push(csvLine(used.map((c) => (r[c] === undefined ? '' : String(r[c])))));
  return lines.join('\n') + '\n';
}

/**
 * Fleet outcomes as text, one meter per line, "\n" line ends, final newline. CSV: the header
 * `pan,ok,errorCode,message,token1,token2,token3,token4`, then one line per outcome (the token
 * columns of a shorter set or a refusal empty). NDJSON: `{"pan","ok":true,"tokens":[…]}` or
 * `{"pan","ok":false,"errorCode","message"}`.
 * @param outcomes - the outcomes of Hsm.keyChangeFleet
 * @param format - 'csv' or 'ndjson'
 * @throws HydroSyncError `FORMAT` another format; `USAGE` outcomes not an array of objects.
 */
export function formatFleetOutcomes(outcomes: readonly FleetOutcome[], format: 'csv' | 'ndjson'): string {
  if (format !== 'csv' && format !== 'ndjson') fail('FORMAT', `the outcome format must be "csv" or "ndjson"; got ${JSON.stringify(String(format)).slice(0, 20)}`);
  checkArray(outcomes, 'the fleet outcomes');
  const lines = format === 'csv' ? ['pan,ok,errorCode,message,token1,token2,token3,token4'] : [];
  for (const o of outcomes) {
    checkObject(o, 'a fleet outcome');
    if (format === 'ndjson') {
      lines.push(JSON.stringify(o.ok ? { pan: o.pan, ok: true, tokens: o.tokens } : { pan: o.pan, ok: false, errorCode: o.errorCode, message: o.message }));
    } else {
      const tokens = o.ok ? o.tokens : [];
      lines.push(csvLine([o.pan, String(o.ok), o.ok ? '' : o.errorCode, o.ok ? '' : o.message, ...[0, 1, 2, 3].map((i) => tokens[i] ?? '')]));
    }
  }
  return lines.join('\n') + '\n';
}
