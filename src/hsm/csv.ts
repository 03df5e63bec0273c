/**
 * RFC 4180 CSV, small and strict: comma separated, fields optionally enclosed in double quotes
 * (a quote inside is doubled; quoted fields may hold commas and line breaks), CRLF or LF line
 * ends. Blank lines are skipped. Errors are FORMAT and name the line.
 */
import { fail } from '../errors';

export interface CsvRecord {
  /** 1-based line number where the record starts. */
  line: number;
  fields: string[];
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/** Parse CSV text into records (a UTF-8 byte order mark is ignored). */
export function parseCsv(text: string): CsvRecord[] {
  if (typeof text !== 'string') fail('FORMAT', 'CSV input must be text');
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  const n = s.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let quotedAny = false;
    // One record: fields until a line break outside quotes, or the end.
    for (;;) {
      let j = i;
      while (j < n && isBlank(s.charCodeAt(j))) j++;
      if (j < n && s.charCodeAt(j) === QUOTE) {
        // Quoted field.
        quotedAny = true;
        const opened = line;
        let value = '';
        let k = j + 1;
        for (;;) {
          const q = s.indexOf('"', k);
          if (q < 0) fail('FORMAT', `line ${opened}: a quoted field is never closed; add the closing double quote`);
          const piece = s.slice(k, q);
          for (let p = 0; p < piece.length; p++) if (piece.charCodeAt(p) === LF) line++;
          value += piece;
          if (s.charCodeAt(q + 1) === QUOTE) {
            value += '"';
            k = q + 2;
            continue;
          }
          k = q + 1;
          break;
        }
        while (k < n && isBlank(s.charCodeAt(k))) k++;
        const c = k < n ? s.charCodeAt(k) : -1;
        if (c !== -1 && c !== COMMA && c !== LF && c !== CR) {
          fail('FORMAT', `line ${line}: unexpected ${JSON.stringify(s[k])} after a closing double quote; a quote inside a quoted field is written as two quotes ("")`);
        }
        fields.push(value);
        i = k;
      } else {
        let k = i;
        while (k < n) {
          const c = s.charCodeAt(k);
          if (c === COMMA || c === LF || c === CR) break;
          if (c === QUOTE) fail('FORMAT', `line ${line}: a double quote inside an unquoted field; enclose the field in double quotes and double the quote ("")`);
          k++;
        }
        fields.push(s.slice(i, k));
        i = k;
      }
      const c = i < n ? s.charCodeAt(i) : -1;
      if (c === COMMA) {
        i++;
        continue;
      }
      // End of record: CRLF, LF, lone CR, or the end of the text.
      if (c === CR) i += s.charCodeAt(i + 1) === LF ? 2 : 1;
      else if (c === LF) i++;
      if (c !== -1) line++;
      break;
    }
    const blank = !quotedAny && fields.length === 1 && fields[0]!.trim() === '';
    if (!blank) records.push({ line: start, fields });
  }
  return records;
}

/** One field, quoted when it holds a comma, quote, line break or surrounding blanks. */
export function csvField(value: string): string {
  if (/[",\r\n]/.test(value) || /^[ \t]|[ \t]$/.test(value)) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

/** One record, without a line terminator. */
export function csvLine(fields: readonly string[]): string {
  // A record of one empty field is written "" so that it is not read back as a blank line.
  if (fields.length === 1 && fields[0] === '') return '""';
  return fields.map(csvField).join(',');
}
