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

/**
 * One field at the sticky position: quoted (group 1, blanks around it allowed; a closing quote is
 * never followed by another, which would make a doubled quote), or unquoted (up to a comma, line
 * break or quote).
 */
const FIELD = /[ \t]*"([^"]*(?:""[^"]*)*)"(?!")[ \t]*|[^,\r\n"]*/y;

/** Parse CSV text into records (a UTF-8 byte order mark is ignored). */
export function parseCsv(text: string): CsvRecord[] {
  if (typeof text !== 'string') fail('FORMAT', 'CSV input must be text');
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let line = 1;
  for (let i = 0; i < s.length;) {
    const start = line;
    const fields: string[] = [];
    let quotedAny = false;
    // One record: fields until a line break outside quotes, or the end.
    for (;;) {
      FIELD.lastIndex = i;
      const m = FIELD.exec(s)!;
      i = FIELD.lastIndex;
      const c = s[i];
      if (m[1] !== undefined) {
        quotedAny = true;
        line += m[1].split('\n').length - 1;
        if (c !== undefined && c !== ',' && c !== '\n' && c !== '\r') {
          fail('FORMAT', `line ${line}: unexpected ${JSON.stringify(c)} after a closing double quote; a quote inside a quoted field is written as two quotes ("")`);
        }
        fields.push(m[1].replace(/""/g, '"'));
      } else if (c === '"') {
        if (/^[ \t]*$/.test(m[0])) fail('FORMAT', `line ${line}: a quoted field is never closed; add the closing double quote`);
        fail('FORMAT', `line ${line}: a double quote inside an unquoted field; enclose the field in double quotes and double the quote ("")`);
      } else {
        fields.push(m[0]);
      }
      if (c === ',') {
        i++;
        continue;
      }
      // End of record: CRLF, LF, lone CR, or the end of the text.
      if (c === '\r') i += s[i + 1] === '\n' ? 2 : 1;
      else if (c === '\n') i++;
      if (c !== undefined) line++;
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
