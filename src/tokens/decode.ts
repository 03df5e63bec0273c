/**
 * Decoding a 20-digit token: parse (FORMAT), undo the transposition, decrypt with the decoder key
 * (class 0 and 2; KEY without one), verify the CRC (CRC; CRC_C for currency), then the class and
 * subclass (FUNCTION; reserved ones are refused after the CRC check, as a meter would).
 *
 * One path, three ways to call it: `decodeToken` throws a HydroSyncError (convenient where a bad
 * token is a mistake), `tryDecodeToken` returns a result union (where a bad token is an expected
 * outcome: no Error, no stack capture), `decodeTokenInto` fills a caller's DecodedToken and returns
 * the code (a hot loop allocates nothing). All three agree on every input.
 */
import { type HydroSyncErrorCode, fail } from '../errors';
import { tokenCrc } from '../codec/crc16';
import { readToken, tokenFormatProblem } from '../codec/token-digits';
import type { DecoderKey } from '../keys/decoder-key';
import { LAYOUTS, SUPPLY_GROUP_CODE_LAYOUT, type Layout, readBits } from './layout';
import type { Token, TokenKind } from './types';

export interface DecodeOptions {
  /**
   * How to read class 2 subclass 8: '4-token' (SGC low 12 bits + key bytes 4–7), '3-token'
   * (the 24-bit SGC of a 3KCT set), or 'auto' (default): 3-token when bits 35..16 are zero,
   * which a 4-token NKMO2 only does with probability 2^-20.
   */
  subclass8?: 'auto' | '3-token' | '4-token';
}

/** The codes a decode can fail with: FORMAT, KEY, CRC or FUNCTION. */
export type DecodeErrorCode = Extract<HydroSyncErrorCode, 'FORMAT' | 'KEY' | 'CRC' | 'FUNCTION'>;

/** A decode that failed: the stable code and a message a person can act on (built when first read). */
export interface DecodeFailure {
  readonly ok: false;
  readonly code: DecodeErrorCode;
  readonly message: string;
}

/** What tryDecodeToken returns: the token, or why there is none. */
export type DecodeResult = { readonly ok: true; readonly token: Token } | DecodeFailure;

// Why a decode failed, finer than the code (each has its own message). OK is 0.
const OK = 0;
const NOT_A_TOKEN = 1;
const CLASS_3 = 2;
const NO_KEY = 3;
const NOT_A_KEY = 4;
const CRC_PLAIN = 5;
const CRC_ENCRYPTED = 6;
const RESERVED_CLASS_0 = 7;
const RESERVED = 8;
const SGC_BITS = 9;
const CODES: readonly ('OK' | DecodeErrorCode)[] = ['OK', 'FORMAT', 'FUNCTION', 'KEY', 'KEY', 'CRC', 'CRC', 'FUNCTION', 'FUNCTION', 'FORMAT'];

/** The message of a failed decode; cold path, called only when someone reads it. */
function reasonMessage(reason: number, text: unknown, cls: number, sub: number): string {
  switch (reason) {
    case NOT_A_TOKEN: return tokenFormatProblem(text) ?? 'not a 20-digit token';
    case CLASS_3: return 'token class 3 is reserved by the STS Association; no meter accepts it';
    case NO_KEY: return `this is a class ${cls} token: it is encrypted and needs the meter's decoder key to decode`;
    case NOT_A_KEY: return 'the key must be a DecoderKey (deriveDecoderKey or DecoderKey.fromHex)';
    case CRC_PLAIN: return 'CRC check failed: the token was mistyped';
    case CRC_ENCRYPTED: return 'CRC check failed: the token was mistyped, or it is for another meter or another key';
    case RESERVED_CLASS_0: return `class 0 subclass ${sub} is reserved; no meter accepts it`;
    case RESERVED: return `class ${cls} subclass ${sub} is reserved or not supported (e.g. STS 202-5 extended tokens)`;
    case SGC_BITS: return 'class 2 subclass 8 of a 3-token set must have bits 35..16 zero';
    default: return 'decoded';
  }
}

// The one decode path writes its results here (single-threaded; nothing re-enters it).
const block = new Uint32Array(2);
let lastClass = 0;
let lastSubclass = 0;
let lastLayout: Layout = LAYOUTS[0]!;

/** Decrypt `block` in place with the key of an encrypted (class 0 or 2) token; the reason. */
function decryptBlock(key: DecoderKey | null | undefined): number {
  if (key === undefined || key === null) return NO_KEY;
  if (typeof key.cipher?.decrypt !== 'function') return NOT_A_KEY;
  key.cipher.decrypt(block);
  return OK;
}

/** The decode path: OK with lastClass, lastSubclass, lastLayout and `block` (plaintext) set, or why not. */
function decodeBlock(text: unknown, key: DecoderKey | null | undefined, options: DecodeOptions | undefined): number {
  const cls = readToken(text, block);
  if (cls < 0) return NOT_A_TOKEN;
  lastClass = cls;
  if (cls === 3) return CLASS_3;
  if (cls !== 1) {
    const r = decryptBlock(key);
    if (r !== OK) return r;
  }
  // int32 (`| 0`): a uint32 ≥ 2^31 passed to a function that is not inlined would be boxed (an
  // allocation per rejected token, whose plaintext is random). Every use below is bitwise.
  const hi = block[0]! | 0;
  const lo = block[1]! | 0;
  const sub = hi >>> 28;
  lastSubclass = sub;
  if (tokenCrc(cls, hi, lo, cls === 0 && sub >= 4 && sub <= 7) !== (lo & 0xffff)) return cls === 1 ? CRC_PLAIN : CRC_ENCRYPTED;
  if (cls === 0 && sub > 7) return RESERVED_CLASS_0;
  let layout = LAYOUTS[cls * 16 + sub];
  if (layout === undefined) return RESERVED;
  if (cls === 2 && sub === 8) {
    const mode = options?.subclass8 ?? 'auto';
    const low20Zero = readBits(hi, lo, 16, 20) === 0;
    if (mode === '3-token' || (mode === 'auto' && low20Zero)) {
      if (!low20Zero) return SGC_BITS;
      layout = SUPPLY_GROUP_CODE_LAYOUT;
    }
  }
  lastLayout = layout;
  return OK;
}

/** The currency amount of class 0 sub 4–7: bits 19..16 at block bits 59..56, bits 15..0 at 31..16. */
function currencyAmount(hi: number, lo: number): number {
  return (((hi >>> 24) & 0xf) << 16) | (lo >>> 16);
}

/** One field of a layout (the split currency amount has lsb −1). */
function fieldValue(spec: Layout['fields'][number], hi: number, lo: number): number {
  return spec[1] < 0 ? currencyAmount(hi, lo) : readBits(hi, lo, spec[1], spec[2]);
}

/** The typed token of a decoded block. */
function tokenOf(cls: number, sub: number, layout: Layout, hi: number, lo: number): Token {
  // Fast paths for the credit tokens.
  if (cls === 0) {
    if (sub < 4) return { kind: 'transferCredit', class: 0, subclass: sub as 0, fields: { rnd: (hi >>> 24) & 0xf, tid: hi & 0xffffff, amount: lo >>> 16 } };
    return { kind: 'transferCurrency', class: 0, subclass: sub as 4, fields: { tid: hi & 0xffffff, currencyAmount: currencyAmount(hi, lo) } };
  }
  const fields: Record<string, number> = {};
  for (const spec of layout.fields) fields[spec[0]] = fieldValue(spec, hi, lo);
  return { kind: layout.kind, class: cls, subclass: sub, fields } as Token;
}

/** A failed tryDecodeToken: the message is built only when read. */
class Rejection implements DecodeFailure {
  readonly ok = false as const;
  readonly code: DecodeErrorCode;
  readonly #reason: number;
  readonly #text: unknown;
  readonly #cls: number;
  readonly #sub: number;
  #message: string | undefined;

  constructor(reason: number, text: unknown, cls: number, sub: number) {
    this.code = CODES[reason] as DecodeErrorCode;
    this.#reason = reason;
    this.#text = text;
    this.#cls = cls;
    this.#sub = sub;
  }

  get message(): string {
    return (this.#message ??= reasonMessage(this.#reason, this.#text, this.#cls, this.#sub));
  }

  toJSON(): { ok: false; code: DecodeErrorCode; message: string } {
    return { ok: false, code: this.code, message: this.message };
  }
}

/**
 * Decode a 20-digit token (spaces and dashes are ignored) into its typed fields: parse, undo the
 * class-bit transposition, decrypt with the decoder key (class 0 and 2), verify the CRC (CRC_C for
 * currency) and read the fields of its class and subclass. Throws on a bad token: use
 * {@link tryDecodeToken} where a bad token is an expected outcome (a thrown error costs about
 * 30 times a decode), {@link decodeTokenInto} in a hot loop.
 *
 * @param text - the token: 20 digits, spaces and dashes allowed (`'5862 5789 9869 9135 7486'`).
 * @param key - the meter's decoder key; needed for class 0 and 2 (encrypted), not for class 1.
 * @param options - how to read class 2 subclass 8 (`subclass8`, default 'auto').
 * @returns the typed token; `fields` carry the raw field values (e.g. the 16-bit TransferAmount).
 * @throws HydroSyncError `FORMAT` not 20 digits, or above 2^66 − 1, or a 3-token set's SGC token
 *   with bits 35..16 set; `KEY` an encrypted token without a DecoderKey; `CRC` mistyped, or for
 *   another meter or key; `FUNCTION` a reserved class or subclass. Never anything else.
 * @example
 * ```ts
 * const token = decodeToken('5862 5789 9869 9135 7486', key);
 * if (token.kind === 'transferCredit') token.fields.amount; // 1 (0.1 m³ of water on subclass 1)
 * ```
 */
export function decodeToken(text: string, key?: DecoderKey | null, options?: DecodeOptions): Token {
  const reason = decodeBlock(text, key, options);
  if (reason !== OK) fail(CODES[reason] as DecodeErrorCode, reasonMessage(reason, text, lastClass, lastSubclass));
  return tokenOf(lastClass, lastSubclass, lastLayout, block[0]! | 0, block[1]! | 0);
}

/**
 * Decode a token without throwing on a bad one: the same checks, order and codes as
 * {@link decodeToken}, but a rejection is a value (no Error is built, so a rejection costs about
 * what an acceptance does). Use it wherever a bad token is an expected outcome: user input, a
 * server, a verifier.
 *
 * @param text - the token: 20 digits, spaces and dashes allowed.
 * @param key - the meter's decoder key; needed for class 0 and 2, not for class 1.
 * @param options - how to read class 2 subclass 8 (`subclass8`, default 'auto').
 * @returns `{ ok: true, token }`, or `{ ok: false, code, message }` with code `FORMAT`, `KEY`, `CRC`
 *   or `FUNCTION` (the code decodeToken would throw); `message` is built when first read, and
 *   JSON.stringify includes it.
 * @throws never: a bad token is a `{ ok: false }` result.
 * @example
 * ```ts
 * const r = tryDecodeToken(input, key);
 * if (!r.ok) return reply(400, { code: r.code, message: r.message }); // e.g. CRC: mistyped
 * r.token.kind; // 'transferCredit'
 * ```
 */
export function tryDecodeToken(text: string, key?: DecoderKey | null, options?: DecodeOptions): DecodeResult {
  const reason = decodeBlock(text, key, options);
  if (reason !== OK) return new Rejection(reason, text, lastClass, lastSubclass);
  return { ok: true, token: tokenOf(lastClass, lastSubclass, lastLayout, block[0]! | 0, block[1]! | 0) };
}

/** Writes a decode's outcome into a DecodedToken (set in the class's static block). */
let fillDecoded: (out: DecodedToken, reason: number, text: unknown) => 'OK' | DecodeErrorCode;

/**
 * A reusable, mutable decode result for {@link decodeTokenInto}: make one, decode many tokens into
 * it, read what you need before the next decode. After a successful decode `class`, `subclass`,
 * `kind`, the plaintext `block` and the fields (`field(name)`, `fieldNames`) describe
 * the token; after a failed one only `code` and `message` do.
 *
 * @example
 * ```ts
 * const out = new DecodedToken();
 * for (const text of tokens) {
 *   if (decodeTokenInto(text, key, out) !== 'OK') { rejected[out.code]++; continue; }
 *   if (out.kind === 'transferCredit') total += out.field('amount')!;
 * }
 * ```
 */
export class DecodedToken {
  /** 'OK' after a successful decode, else the code decodeToken would throw. 'FORMAT' before the first decode. */
  code: 'OK' | DecodeErrorCode = 'FORMAT';
  /** Token class 0..2. */
  class = 0;
  /** Token subclass 0..15. */
  subclass = 0;
  /** The token kind, as in {@link Token}. */
  kind: TokenKind = 'transferCredit';
  /**
   * The plaintext 64-bit block: [0] bits 63..32, [1] bits 31..0 (bits 15..0 are the CRC). A typed
   * array, so a decode writes it without allocating.
   */
  readonly block = new Uint32Array(2);
  #layout: Layout = LAYOUTS[0]!;
  #reason = NOT_A_TOKEN;
  #text: unknown = undefined;
  #message: string | undefined;

  #failClass = 0;
  #failSubclass = 0;

  static {
    // decodeTokenInto's access to the private state (a static block keeps it off the public API).
    fillDecoded = (out, reason, text) => {
      const code = CODES[reason]!;
      out.code = code;
      out.#reason = reason;
      out.#message = undefined;
      if (reason !== OK) {
        out.#text = text;
        out.#failClass = lastClass;
        out.#failSubclass = lastSubclass;
        return code;
      }
      out.#text = undefined;
      out.class = lastClass;
      out.subclass = lastSubclass;
      out.kind = lastLayout.kind;
      out.#layout = lastLayout;
      out.block[0] = block[0]!;
      out.block[1] = block[1]!;
      return code;
    };
  }

  /** Why the last decode failed (built when first read); undefined after a success. */
  get message(): string | undefined {
    if (this.#reason === OK) return undefined;
    return (this.#message ??= reasonMessage(this.#reason, this.#text, this.#failClass, this.#failSubclass));
  }

  /** The names of the token's fields, in block order (as in `Token['fields']`). */
  get fieldNames(): readonly string[] {
    return FIELD_NAMES.get(this.#layout)!;
  }

  /**
   * One field's raw value (as in `Token['fields']`), read from the block halves; undefined when the
   * token's kind has no such field. Allocates nothing.
   *
   * @param name - a field name, e.g. 'tid', 'amount', 'currencyAmount', 'manufacturerCode'.
   * @returns the field value (an integer), or undefined.
   */
  field(name: string): number | undefined {
    const fields = this.#layout.fields;
    for (let i = 0; i < fields.length; i++) if (fields[i]![0] === name) return fieldValue(fields[i]!, this.block[0]! | 0, this.block[1]! | 0);
    return undefined;
  }

  /** The token as decodeToken returns it (allocates). */
  toToken(): Token {
    return tokenOf(this.class, this.subclass, this.#layout, this.block[0]! | 0, this.block[1]! | 0);
  }
}

/** The field names of each layout, built once. */
const FIELD_NAMES = /* @__PURE__ */ new Map<Layout, readonly string[]>(
  [...LAYOUTS, SUPPLY_GROUP_CODE_LAYOUT].filter((l): l is Layout => l !== undefined).map((l) => [l, Object.freeze(l.fields.map((f) => f[0]))]),
);

/**
 * Decode a token into a caller-supplied {@link DecodedToken}, allocating nothing: the same checks,
 * order and codes as {@link decodeToken}, for hot loops (a server checking tokens, bulk imports).
 *
 * @param text - the token: 20 digits, spaces and dashes allowed.
 * @param key - the meter's decoder key; needed for class 0 and 2, not for class 1.
 * @param out - the result to overwrite (`new DecodedToken()`, reused).
 * @param options - how to read class 2 subclass 8 (`subclass8`, default 'auto').
 * @returns 'OK', or the failure code (`FORMAT`, `KEY`, `CRC`, `FUNCTION`); also in `out.code`.
 * @throws HydroSyncError `FORMAT` when `out` is not a DecodedToken (a programming error, not a bad token).
 * @example
 * ```ts
 * const out = new DecodedToken();
 * const code = decodeTokenInto('5862 5789 9869 9135 7486', key, out);
 * if (code === 'OK') out.field('tid'); // 85740
 * else out.message;                    // e.g. 'CRC check failed: …'
 * ```
 */
export function decodeTokenInto(text: string, key: DecoderKey | null | undefined, out: DecodedToken, options?: DecodeOptions): 'OK' | DecodeErrorCode {
  if (!(out instanceof DecodedToken)) fail('FORMAT', 'decodeTokenInto writes into a DecodedToken: pass `new DecodedToken()` (and reuse it)');
  return fillDecoded(out, decodeBlock(text, key, options), text);
}

/**
 * The decrypted 64-bit block of a token as 16 hex digits, and its class (for diagnostics and auditors).
 *
 * @param token - 20 digits (spaces and dashes ignored)
 * @param key - the decoder key (class 0 and 2)
 * @throws HydroSyncError `FORMAT` not a token; `KEY` an encrypted class without a DecoderKey.
 */
export function decryptTokenBlock(token: string, key?: DecoderKey | null): { class: number; block: string } {
  const cls = readToken(token, block);
  if (cls < 0) fail('FORMAT', reasonMessage(NOT_A_TOKEN, token, 0, 0));
  if (cls === 0 || cls === 2) {
    const reason = decryptBlock(key);
    if (reason !== OK) fail('KEY', reasonMessage(reason, token, cls, 0));
  }
  return { class: cls, block: block[0]!.toString(16).padStart(8, '0') + block[1]!.toString(16).padStart(8, '0') };
}
