import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HydroSyncError } from '../src/errors';
import { luhnCheckDigit, makeMeterPan } from '../src/codec/pan';
import { csvLine, parseCsv } from '../src/codec/csv';
import { formatFleetCsv, formatFleetOutcomes, parseFleetCsv } from '../src/hsm/fleet-csv';
import type { FleetOutcome, FleetRow } from '../src/hsm/types';
import { errorCode } from './support';

// Fleet CSV in (RFC 4180, line-numbered errors) and outcomes out (CSV and NDJSON).

function pan(n: number): string {
  const body = '04' + String(n).padStart(8, '0');
  return makeMeterPan('600727', body + luhnCheckDigit(body));
}
const P1 = pan(1);
const P2 = pan(2);
const P3 = pan(3);

function failure(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof HydroSyncError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a HydroSyncError');
}

describe('parseCsv (RFC 4180)', () => {
  it('quoted fields with commas, doubled quotes and line breaks; CRLF; blank lines skipped', async () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""","two\r\nlines"\r\n\r\n  \n1,,3\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\r\nlines'] },
      { line: 6, fields: ['1', '', '3'] },
    ]);
  });
  it('a byte order mark, a missing final newline, a lone CR, blanks around quoted fields', async () => {
    expect(parseCsv('\uFEFFpan\r1\r2')).toEqual([{ line: 1, fields: ['pan'] }, { line: 2, fields: ['1'] }, { line: 3, fields: ['2'] }]);
    expect(parseCsv('a, "b" ,c')).toEqual([{ line: 1, fields: ['a', 'b', 'c'] }]);
  });
  it('malformed quoting is FORMAT with the line', async () => {
    expect(failure(() => parseCsv('a\n"never closed,b\nc\n'))).toEqual({ code: 'FORMAT', message: expect.stringMatching(/^line 2: a quoted field is never closed/) });
    expect(failure(() => parseCsv('a\nb\n"x"y,z'))).toEqual({ code: 'FORMAT', message: expect.stringMatching(/^line 3: unexpected "y" after a closing double quote/) });
    expect(failure(() => parseCsv('a\nab"c'))).toEqual({ code: 'FORMAT', message: expect.stringMatching(/^line 2: a double quote inside an unquoted field/) });
  });
  it('property: csvLine then parseCsv gives the fields back', async () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '\t', ',', '"', '\n', '\r', 'é', '€') , maxLength: 8 });
    fc.assert(fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }), (records) => {
      const text = records.map(csvLine).join('\r\n');
      expect(parseCsv(text).map((r) => r.fields)).toEqual(records);
    }), { numRuns: 300 });
  });
});

describe('parseFleetCsv', () => {
  it('reads every column; empty cells stay unset; header names in any case', async () => {
    const text = [
      'PAN,newKeyRevisionNumber,newBaseDate,newKeyType,newKeyExpiryNumber,newTariffIndex,newSupplyGroupCode,newVendingKeyId,threeTokenSet',
      `${P1},2,2035,2,200,07,203557,"sgc-203557, krn 2",yes`,
      `${P2},,,,,,,,`,
      `"${P3.slice(0, 6)} ${P3.slice(6)}",9,14,0,0,99,000001,k,FALSE`,
    ].join('\n');
    expect(parseFleetCsv(text)).toEqual([
      { pan: P1, newKeyRevisionNumber: 2, newBaseDate: 2035, newKeyType: 2, newKeyExpiryNumber: 200, newTariffIndex: '07', newSupplyGroupCode: '203557', newVendingKeyId: 'sgc-203557, krn 2', threeTokenSet: true },
      { pan: P2 },
      { pan: P3, newKeyRevisionNumber: 9, newBaseDate: 2014, newKeyType: 0, newKeyExpiryNumber: 0, newTariffIndex: '99', newSupplyGroupCode: '000001', newVendingKeyId: 'k', threeTokenSet: false },
    ]);
  });
  it('a PAN-only file, with blank lines and CRLF', async () => {
    expect(parseFleetCsv(`\r\npan\r\n${P1}\r\n\r\n${P2}\r\n`)).toEqual([{ pan: P1 }, { pan: P2 }]);
    expect(parseFleetCsv('pan\n')).toEqual([]);
  });
  it('the header: required, pan required, known columns only, no duplicates', async () => {
    expect(failure(() => parseFleetCsv(''))).toMatchObject({ code: 'FORMAT', message: expect.stringMatching(/fleet file is empty/) });
    expect(failure(() => parseFleetCsv(`newKeyRevisionNumber\n2\n`))).toMatchObject({ code: 'FORMAT', message: expect.stringMatching(/^line 1: the header has no pan column/) });
    expect(failure(() => parseFleetCsv(`${P1}\n${P2}\n`))).toMatchObject({ code: 'FORMAT', message: expect.stringMatching(/^line 1: unknown column "600727/) });
    expect(failure(() => parseFleetCsv(`pan,newKrn\n${P1},2\n`))).toMatchObject({ code: 'FORMAT', message: expect.stringMatching(/unknown column "newKrn"; the columns are pan, newKeyRevisionNumber/) });
    expect(failure(() => parseFleetCsv(`pan,PAN\n`))).toMatchObject({ code: 'FORMAT', message: 'line 1: column pan appears twice' });
  });
  it('bad rows name their physical line (blank lines and quoted line breaks counted)', async () => {
    const text = `pan,newKeyRevisionNumber,newVendingKeyId\n\n${P1},2,"a\nb"\n${P2},10,x\n`;
    expect(failure(() => parseFleetCsv(text))).toEqual({ code: 'RANGE', message: 'line 5: newKeyRevisionNumber (KRN) must be from 1 to 9; got 10' });
    expect(failure(() => parseFleetCsv(`pan,newBaseDate\n${P1},2000\n`)).message).toMatch(/^line 2: base date must be 1993, 2014 or 2035/);
    expect(failure(() => parseFleetCsv(`pan,newTariffIndex\n${P1},1\n`)).message).toMatch(/^line 2: newTariffIndex \(TI\) must be exactly 2 digits \(keep leading zeros/);
    expect(failure(() => parseFleetCsv(`pan,newSupplyGroupCode\n${P1},1457\n`)).message).toMatch(/^line 2: newSupplyGroupCode \(SGC\) must be exactly 6 digits/);
    expect(failure(() => parseFleetCsv(`pan,threeTokenSet\n${P1},maybe\n`)).message).toMatch(/^line 2: threeTokenSet must be true or false/);
    expect(failure(() => parseFleetCsv(`pan,newKeyType\n${P1},x\n`))).toMatchObject({ code: 'FORMAT', message: expect.stringMatching(/^line 2: newKeyType \(KT\) must be a whole number from 0 to 3/) });
    expect(failure(() => parseFleetCsv(`pan\n${P1.slice(0, 17)}${(Number(P1[17]) + 1) % 10}\n`))).toMatchObject({ code: 'CHECK_DIGIT', message: expect.stringMatching(/^line 2: MeterPAN/) });
    expect(failure(() => parseFleetCsv(`pan,newKeyType\n${P1}\n`)).message).toBe('line 2: 1 field, but the header has 2 columns');
    expect(failure(() => parseFleetCsv(`pan,newKeyType\n,2\n`)).message).toMatch(/^line 2: the pan is empty/);
    expect(failure(() => parseFleetCsv(`pan\n${P1}\n${P2}\n${P1}\n`)).message).toBe(`line 4: pan ${P1} is already on line 2; give each meter once`);
  });
  it('several bad lines are listed together (at most 10)', async () => {
    const rows = Array.from({ length: 14 }, (_, i) => `${pan(i)},${i % 2 === 0 ? 0 : 2}`);
    const f = failure(() => parseFleetCsv(`pan,newKeyRevisionNumber\n${rows.join('\n')}\n`));
    expect(f.code).toBe('RANGE');
    expect(f.message).toMatch(/^7 bad lines in the fleet file: line 2: .*; line 4: .*; line 14: /);
    const many = Array.from({ length: 25 }, (_, i) => `${pan(i)},0`);
    const listed = failure(() => parseFleetCsv(`pan,newKeyRevisionNumber\n${many.join('\n')}`)).message;
    expect(listed).toMatch(/^25 bad lines in the fleet file: line 2: .*line 11: .*; and 15 more bad lines$/);
    expect(listed).not.toContain('line 12:');
  });
  it('property: formatFleetCsv then parseFleetCsv gives the rows back', async () => {
    const id = fc.string({ unit: fc.constantFrom('a', 'B', '7', '-', ' ', ',', '"', '\n', 'ü'), minLength: 1, maxLength: 12 })
      .filter((s) => s.trim() === s && s !== '');
    const row = (n: number) => fc.record({
      newKeyRevisionNumber: fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }),
      newBaseDate: fc.option(fc.constantFrom(1993 as const, 2014 as const, 2035 as const), { nil: undefined }),
      newKeyType: fc.option(fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const), { nil: undefined }),
      newKeyExpiryNumber: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
      newTariffIndex: fc.option(fc.integer({ min: 0, max: 99 }).map((v) => String(v).padStart(2, '0')), { nil: undefined }),
      newSupplyGroupCode: fc.option(fc.integer({ min: 0, max: 999999 }).map((v) => String(v).padStart(6, '0')), { nil: undefined }),
      newVendingKeyId: fc.option(id, { nil: undefined }),
      threeTokenSet: fc.option(fc.boolean(), { nil: undefined }),
    }).map((r) => {
      const out: Record<string, unknown> = { pan: pan(n) };
      for (const [k, v] of Object.entries(r)) if (v !== undefined) out[k] = v;
      return out as unknown as FleetRow;
    });
    const rows = fc.uniqueArray(fc.integer({ min: 0, max: 99_999_999 }), { minLength: 0, maxLength: 8 })
      .chain((ns) => (ns.length === 0 ? fc.constant([] as FleetRow[]) : fc.tuple(...ns.map(row))));
    fc.assert(fc.property(rows, (rs) => {
      expect(parseFleetCsv(formatFleetCsv(rs))).toEqual(rs);
    }), { numRuns: 200 });
  });
});

describe('single values', () => {
  it('base dates in two digits, ranges (RANGE) and non-numbers (FORMAT)', async () => {
    expect(parseFleetCsv(`pan,newBaseDate,newKeyRevisionNumber\n${P1},35,4\n`)).toEqual([{ pan: P1, newBaseDate: 2035, newKeyRevisionNumber: 4 }]);
    expect(errorCode(() => parseFleetCsv(`pan,newKeyExpiryNumber\n${P1},256\n`))).toBe('RANGE');
    expect(errorCode(() => parseFleetCsv(`pan,newKeyExpiryNumber\n${P1},-1\n`))).toBe('FORMAT');
  });
});

describe('outcome output', () => {
  const four: FleetOutcome = { pan: P1, ok: true, tokens: ['03854447086453451911', '02791799436242461152', '67118070329353977190', '19019128690902932218'] };
  const two: FleetOutcome = { pan: P2, ok: true, tokens: ['69216387981282392896', '25624275038289322098'] };
  const refused: FleetOutcome = { pan: P3, ok: false, errorCode: 'NOT_FOUND', message: 'new key: vending key "a,b" is not loaded; import it' };

  it('CSV: header, token columns padded, messages quoted', async () => {
    const lines = formatFleetOutcomes([four, two, refused], 'csv').split('\n');
    expect(lines).toEqual([
      'pan,ok,errorCode,message,token1,token2,token3,token4',
      `${P1},true,,,03854447086453451911,02791799436242461152,67118070329353977190,19019128690902932218`,
      `${P2},true,,,69216387981282392896,25624275038289322098,,`,
      `${P3},false,NOT_FOUND,"new key: vending key ""a,b"" is not loaded; import it",,,,`,
      '',
    ]);
    const back = parseCsv(lines.join('\n'));
    expect(back.map((r) => r.fields.length)).toEqual([8, 8, 8, 8]);
    expect(back[3]!.fields[3]).toBe(refused.ok ? '' : refused.message);
  });
  it('NDJSON: {pan, ok, tokens} or {pan, ok: false, errorCode, message}, one line each', async () => {
    const lines = formatFleetOutcomes([two, refused, four], 'ndjson').split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    expect(JSON.parse(lines[0]!)).toEqual({ pan: P2, ok: true, tokens: two.ok ? two.tokens : [] });
    expect(lines[1]).toBe(JSON.stringify({ pan: P3, ok: false, errorCode: 'NOT_FOUND', message: 'new key: vending key "a,b" is not loaded; import it' }));
    expect(formatFleetOutcomes([], 'csv')).toBe('pan,ok,errorCode,message,token1,token2,token3,token4\n');
    expect(errorCode(() => formatFleetOutcomes([four], 'xml' as 'csv'))).toBe('FORMAT');
  });
});
