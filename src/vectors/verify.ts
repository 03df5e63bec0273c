import { HydroSyncError, fail } from '../errors';
import { createDes } from '../cipher/des';
import { createMisty1 } from '../cipher/misty1';
import { createSta } from '../cipher/sta';
import { STA_SAMPLE_TABLES, type StaTables } from '../cipher/sta-tables';
import type { BlockCipher64 } from '../cipher/types';
import { crc16Sts } from '../codec/crc16';
import { bytesToHex, halvesToHex, hexToBytes, hexToHalves } from '../codec/hex';
import { decodeTransferAmount, encodeTransferAmount } from '../codec/amount';
import { decodeCurrencyUnits, encodeCurrencyAmount, formatCurrencyAmount, parseCurrencyAmount } from '../codec/amount';
import { parseBaseDate, tidFromWallClock } from '../codec/tid';
import { type DecodeFailure, decodeToken, tryDecodeToken } from '../tokens/decode';
import { generateToken } from '../tokens/generate';
import { decodeKeyChange, generateKeyChange } from '../tokens/key-change';
import { LAYOUTS } from '../tokens/layout';
import type { Token, TokenInput } from '../tokens/types';
import { decoderKeyBytes } from '../keys/decoder-key';
import { keyFromObject } from './key-object';
import { runMeterSequence } from './meter-sequence';
import { runReportCase } from './report-case';

/**
 * The `format` of a vector file (`hydrosync-vectors/1`).
 */
export const VECTOR_FORMAT = 'hydrosync-vectors/1';

/** Kinds this verifier knows. A case of any other kind fails (never passes silently). */
export const VECTOR_KINDS = ['crc16', 'amount', 'tid', 'cipher', 'decoderKey', 'token', 'keyChange', 'decode', 'meterSequence', 'report'] as const;

export interface VerifyOptions {
  /** STA table sets by name, for cases whose `tables` names one; 'sample' is always known. */
  staTables?: Readonly<Record<string, StaTables>>;
  /** Table set for EA07 cases that name none (default: the sample tables). */
  defaultStaTables?: StaTables;
}

export interface CaseResult {
  id: string;
  kind: string;
  ok: boolean;
  /** Why it failed (absent when it passed). */
  message?: string;
}

export interface FileReport {
  title: string;
  provenance: string;
  cases: CaseResult[];
  passed: number;
  failed: number;
}

type Case = Record<string, unknown> & { id?: unknown; kind?: unknown; expected?: unknown };

function str(c: Case, name: string): string {
  const v = c[name];
  if (typeof v !== 'string') fail('VECTOR', `field ${name} must be a string`);
  return v;
}

function expectedError(expected: unknown): string | undefined {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected) && typeof (expected as { error?: unknown }).error === 'string') {
    return (expected as { error: string }).error;
  }
  return undefined;
}

function same(what: string, got: unknown, want: unknown): void {
  if (got !== want) fail('VECTOR', `${what}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
}

function tablesFor(c: Case, o: VerifyOptions): StaTables {
  const name = c.tables;
  if (name === undefined) return o.defaultStaTables ?? STA_SAMPLE_TABLES;
  if (name === 'sample') return STA_SAMPLE_TABLES;
  if (typeof name !== 'string') fail('VECTOR', 'tables must be a string');
  const t = o.staTables?.[name];
  if (t === undefined) fail('VECTOR', `this case needs the STA table set "${name}"; load it with --sta-tables FILE (or HYDROSYNC_STA_TABLES)`);
  return t;
}

function cipherFor(c: Case, o: VerifyOptions): BlockCipher64 {
  const alg = str(c, 'algorithm');
  const key = hexToBytes(str(c, 'key'));
  if (alg === 'DES') return createDes(key);
  if (alg === 'MISTY1') return createMisty1(key);
  if (alg === 'STA') return createSta(key, tablesFor(c, o));
  return fail('VECTOR', `unknown cipher algorithm ${JSON.stringify(alg)}`);
}

/** Field values: integers, or hex strings for key halves. */
function fieldValues(f: unknown): Record<string, number> {
  if (f === null || typeof f !== 'object' || Array.isArray(f)) fail('VECTOR', 'fields must be an object');
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(f as Record<string, unknown>)) {
    if (typeof v === 'number') out[k] = v;
    else if (typeof v === 'boolean') out[k] = v ? 1 : 0;
    else if (typeof v === 'string' && /^(0x)?[0-9a-fA-F]+$/.test(v)) out[k] = parseInt(v.replace(/^0x/i, ''), 16);
    else fail('VECTOR', `field ${k} must be an integer or a hex string`);
  }
  return out;
}

/**
 * Decimal text in exponent notation ("1.82044E+29") → the same number written out, exactly;
 * other text is returned as is. Vector files should write amounts out in full; this is leniency.
 */
export function expandExponent(text: string): string {
  const m = /^([+-]?)(\d+)(?:\.(\d*))?[eE]([+-]?\d+)$/.exec(text.trim());
  if (!m) return text;
  const [, sign, int, frac = '', expText] = m;
  const exp = Number(expText);
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 400) fail('VECTOR', `amount ${text} is out of range`);
  const digits = int! + frac;
  const point = int!.length + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  out = out.replace(/^0+(?=\d)/, '');
  if (out.includes('.')) out = out.replace(/0+$/, '').replace(/\.$/, '');
  return (sign === '-' ? '-' : '') + out;
}

function tokenInputFrom(c: Case, baseDate?: number): TokenInput {
  const cls = c.class;
  const sub = c.subclass;
  if (typeof cls !== 'number' || typeof sub !== 'number' || !Number.isInteger(cls) || !Number.isInteger(sub) || cls < 0 || cls > 3 || sub < 0 || sub > 15) {
    fail('VECTOR', 'class must be 0..3 and subclass 0..15');
  }
  const fields = fieldValues(c.fields);
  const layout = LAYOUTS[cls * 16 + sub];
  if (layout === undefined) fail('FUNCTION', `class ${cls} subclass ${sub} is reserved or not supported`);
  // `dateTime` is informational; it stands in for the TID only when `fields` has none.
  if (layout.names.has('tid') && fields.tid === undefined && typeof c.dateTime === 'string') {
    fields.tid = tidFromWallClock(c.dateTime, parseBaseDate(baseDate ?? 1993));
  }
  const kind = cls === 2 && sub === 8 && 'supplyGroupCode' in fields ? 'setSupplyGroupCode' : layout.kind;
  return { kind, class: cls, subclass: sub, fields } as unknown as TokenInput;
}

function compareFields(got: Token, want: unknown): void {
  if (want === null || typeof want !== 'object') fail('VECTOR', 'expected decode result must be an object');
  const w = want as { class?: unknown; subclass?: unknown; fields?: unknown };
  if (w.class !== undefined) same('class', got.class, w.class);
  if (w.subclass !== undefined) same('subclass', got.subclass, w.subclass);
  if (w.fields !== undefined) {
    const wf = fieldValues(w.fields);
    const gf = got.fields as Record<string, number>;
    for (const [k, v] of Object.entries(wf)) same(`field ${k}`, gf[k], v);
  }
}

function sameNumber(a: string, b: string): boolean {
  return parseCurrencyAmount(a) === parseCurrencyAmount(b);
}

/**
 * Run one case. Throws on a mismatch or an error; a `decode` case whose token does not decode
 * returns the rejection instead (an expected outcome in error cases: no Error is built for it).
 */
function runCase(c: Case, o: VerifyOptions): DecodeFailure | undefined {
  const expected = c.expected;
  switch (c.kind) {
    case 'crc16': {
      const data = hexToBytes(str(c, 'data'));
      const variant = c.variant ?? 'standard';
      if (variant !== 'standard' && variant !== 'currency') fail('VECTOR', `unknown crc16 variant ${JSON.stringify(variant)}`);
      const bytes = variant === 'currency' ? Uint8Array.from([...data, 0x01]) : data;
      const want = typeof expected === 'number' ? expected : parseInt(String(expected).replace(/^0x/i, ''), 16);
      same('crc', crc16Sts(bytes).toString(16).padStart(4, '0'), want.toString(16).padStart(4, '0'));
      return;
    }
    case 'amount': {
      if (c.encoding === 'transfer') {
        const value = typeof c.value === 'string' && /^\d+$/.test(c.value) ? Number(c.value) : c.value;
        if (typeof value !== 'number') fail('VECTOR', 'transfer amount value must be an integer (tenths)');
        same('encoded field', encodeTransferAmount(value), expected);
        if (c.decoded !== undefined) same('decoded tenths', decodeTransferAmount(expected as number), c.decoded);
        return;
      }
      if (c.encoding === 'currency') {
        const value = expandExponent(typeof c.value === 'number' ? String(c.value) : str(c, 'value'));
        same('encoded field', encodeCurrencyAmount(value), expected);
        if (c.decoded !== undefined) {
          const got = formatCurrencyAmount(decodeCurrencyUnits(expected as number));
          const want = expandExponent(String(c.decoded));
          if (!sameNumber(got, want)) fail('VECTOR', `decoded amount: got ${got}, expected ${want}`);
        }
        return;
      }
      return fail('VECTOR', `unknown amount encoding ${JSON.stringify(c.encoding)}`);
    }
    case 'tid':
      same('TID', tidFromWallClock(str(c, 'dateTime'), parseBaseDate(c.baseDate)), expected);
      return;
    case 'cipher': {
      const cipher = cipherFor(c, o);
      const block = new Uint32Array(2);
      hexToHalves(str(c, 'plaintext'), block);
      cipher.encrypt(block);
      same('ciphertext', halvesToHex(block[0]!, block[1]!), String(expected).toLowerCase());
      cipher.decrypt(block);
      same('decrypt(ciphertext)', halvesToHex(block[0]!, block[1]!), str(c, 'plaintext').toLowerCase());
      return;
    }
    case 'decoderKey': {
      const key = keyFromObject(c.key, undefined, tablesFor(c, o));
      same('decoder key', bytesToHex(decoderKeyBytes(key)), String(expected).toLowerCase());
      return;
    }
    case 'token': {
      const key = c.class === 1 ? null : keyFromObject(c.key, c.encryptionAlgorithm as string | undefined, tablesFor(c, o));
      const input = tokenInputFrom(c, key?.baseDate);
      // Vectors pin encodings, so a case that expects a token may use any TID; a case that expects
      // an error (e.g. KEY_EXPIRED, TID) is generated with the vending-side checks on.
      const policy = expectedError(expected) === undefined ? { allowReservedTid: true, allowExpiredKey: true } : {};
      const token = generateToken(input, key, policy);
      same('token', token, String(expected).replace(/[\s-]/g, ''));
      const subclass8 = input.kind === 'setSupplyGroupCode' ? '3-token' : input.kind === 'set3rdSectionDecoderKey' ? '4-token' : 'auto';
      compareFields(decodeToken(token, key, { subclass8 }), { class: c.class, subclass: c.subclass, fields: input.fields });
      return;
    }
    case 'keyChange': {
      const ea = c.encryptionAlgorithm as string | undefined;
      const tables = tablesFor(c, o);
      const current = keyFromObject(c.key, ea, tables);
      const next = keyFromObject(c.newKey, (c.newKey as { encryptionAlgorithm?: string } | null)?.encryptionAlgorithm ?? ea, tables);
      if (!Array.isArray(expected)) fail('VECTOR', 'keyChange expected must be an array of tokens');
      const tokens = generateKeyChange(current, next, {
        ...(typeof c.rollover === 'boolean' ? { rollover: c.rollover } : {}),
        ...(typeof c.threeTokenSet === 'boolean' ? { threeTokenSet: c.threeTokenSet } : {}),
        ...(typeof c.keyExpiryNumber === 'number' ? { keyExpiryNumber: c.keyExpiryNumber } : {}),
      });
      same('token count', tokens.length, expected.length);
      tokens.forEach((t, i) => same(`token ${i + 1}`, t, String(expected[i]).replace(/[\s-]/g, '')));
      // Reverse direction: the set decodes (in reverse order, too) to the new key and its attributes.
      const { change } = decodeKeyChange([...tokens].reverse(), current, { newKeyBits: next.bits });
      same('new decoder key', bytesToHex(change.newKeyBytes), bytesToHex(decoderKeyBytes(next)));
      same('KRN', change.keyRevisionNumber, next.keyRevisionNumber);
      same('KT', change.keyType, next.keyType);
      same('TI', change.tariffIndex, next.tariffIndex);
      same('KEN', change.keyExpiryNumber, typeof c.keyExpiryNumber === 'number' ? c.keyExpiryNumber : next.keyExpiryNumber);
      if (typeof c.rollover === 'boolean') same('RO', change.rollover, c.rollover);
      if (change.supplyGroupCode !== undefined) same('SGC', change.supplyGroupCode, next.supplyGroupCode);
      return;
    }
    case 'decode': {
      const token = str(c, 'token');
      const needsKey = c.key !== undefined && c.key !== null;
      const key = needsKey ? keyFromObject(c.key, c.encryptionAlgorithm as string | undefined, tablesFor(c, o)) : null;
      const r = tryDecodeToken(token, key);
      if (!r.ok) return r;
      compareFields(r.token, expected);
      return;
    }
    case 'meterSequence':
      runMeterSequence(c, tablesFor(c, o));
      return;
    case 'report':
      runReportCase(c, tablesFor(c, o));
      return;
    default:
      fail('VECTOR', `unknown case kind ${JSON.stringify(c.kind)}; this verifier knows ${VECTOR_KINDS.join(', ')}`);
  }
}

/**
 * Run one vector case; an `expected: { "error": CODE }` case passes only if that HydroSyncError code is raised.
 * @param c - one case of a vector file
 * @param options - `staTables` by name, `defaultStaTables`
 * @returns `{ id, kind, ok }`, with `message` when it failed
 * @throws never: a malformed or failing case is a failed result.
 */
export function verifyCase(c: unknown, options: VerifyOptions = {}): CaseResult {
  const cc = (c !== null && typeof c === 'object' ? c : {}) as Case;
  const id = typeof cc.id === 'string' ? cc.id : '(no id)';
  const kind = typeof cc.kind === 'string' ? cc.kind : '(no kind)';
  const wantError = expectedError(cc.expected);
  // A malformed case or an unknown kind fails outright, whatever it expects.
  if (c === null || typeof c !== 'object' || Array.isArray(c)) return { id, kind, ok: false, message: 'a case must be an object' };
  if (!(VECTOR_KINDS as readonly string[]).includes(kind)) {
    return { id, kind, ok: false, message: `unknown case kind ${JSON.stringify(kind)}; this verifier knows ${VECTOR_KINDS.join(', ')}` };
  }
  let failure: { code: string; message: string } | undefined;
  try {
    failure = runCase(cc, options);
  } catch (e) {
    failure = e instanceof HydroSyncError ? e : { code: 'VECTOR', message: `unexpected failure: ${String((e as Error)?.message ?? e)}` };
  }
  if (failure === undefined) {
    if (wantError !== undefined) return { id, kind, ok: false, message: `expected error ${wantError}, but it succeeded` };
    return { id, kind, ok: true };
  }
  if (wantError !== undefined && failure.code === wantError) return { id, kind, ok: true };
  if (wantError !== undefined) return { id, kind, ok: false, message: `expected error ${wantError}, got ${failure.code}: ${failure.message}` };
  const message = failure.code === 'VECTOR' ? failure.message : `${failure.code}: ${failure.message}`;
  return { id, kind, ok: false, message };
}

/**
 * Verify a parsed `hydrosync-vectors/1` document: every case, and that case ids are unique.
 * @param doc - the parsed JSON document
 * @param options - `staTables` by name, `defaultStaTables`
 * @returns the file's report: each case's result and the totals
 * @throws HydroSyncError `VECTOR` for an unknown format or a malformed file (no `cases` array);
 *   failing cases are results, not throws.
 * @example
 * ```ts
 * const report = verifyVectors(JSON.parse(readFileSync('vectors/dev-misty1.json', 'utf8')));
 * report.failed; // 0; report.cases.filter((c) => !c.ok) says what failed and why
 * ```
 */
export function verifyVectors(doc: unknown, options: VerifyOptions = {}): FileReport {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) fail('VECTOR', 'a vector file must be a JSON object');
  const d = doc as { format?: unknown; title?: unknown; provenance?: unknown; cases?: unknown };
  if (d.format !== VECTOR_FORMAT) fail('VECTOR', `unknown vector format ${JSON.stringify(d.format)}; expected "${VECTOR_FORMAT}"`);
  if (!Array.isArray(d.cases)) fail('VECTOR', 'a vector file needs a "cases" array');
  const cases = d.cases.map((c) => verifyCase(c, options));
  const seen = new Set<string>();
  for (const r of cases) {
    if (seen.has(r.id) && r.ok) Object.assign(r, { ok: false, message: `duplicate case id ${r.id}` });
    seen.add(r.id);
  }
  const passed = cases.filter((r) => r.ok).length;
  return {
    title: typeof d.title === 'string' ? d.title : '',
    provenance: typeof d.provenance === 'string' ? d.provenance : '',
    cases, passed, failed: cases.length - passed,
  };
}
