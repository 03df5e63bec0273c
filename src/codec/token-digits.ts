/**
 * The 20-digit token ⇄ class + 64-bit block (IEC 62055-41, sts-reference §1.3 and §1.4).
 *
 * The token is the decimal form of a 66-bit number T66, left-padded to 20 digits (§1.4).
 * T66 is the encrypted 64-bit block E with the 2 class bits transposed in (§1.3):
 * E's bits 28 and 27 move to T66 bits 65 and 64, and the class (MSB first) takes bits 28 and 27.
 *
 * parseToken and formatToken are on the decode and issue hot paths: they use exact JS-number
 * limb arithmetic (every intermediate value is an integer below 2^53) and no BigInt.
 */
import { fail } from '../errors';
import { checkClass, checkWords } from './block-words';
import { showInput, typeOfInput } from './input-text';

/** 2^66 − 1, the largest 66-bit value: the largest valid token (§1.4). */
const MAX_TOKEN_DIGITS = '73786976294838206463';
const MAX_TOKEN = 73786976294838206463n;
const TOKEN_DIGITS = 20;
/** The separators a token may contain (§1.4 display grouping): spaces and dashes only. */
const SEPARATORS = /[ -]/g;
const ONLY_DIGITS = /^[0-9]*$/;

/** 2^−32: multiplying by it is an exact division by 2^32. */
const INV_2_32 = 1 / 4294967296;
/** Bits 28 and 27 of the low 32-bit half: where the class goes (§1.3). */
const CLASS_BITS = 0x18000000;
/** Results of the decode helpers that are not a class. */
const NOT_PLAIN = -1;
const ABOVE_MAX = -2;
/** readToken's result for anything that is not a token. */
const NOT_A_TOKEN = -1;

/**
 * Parse a token: spaces and dashes are ignored, then exactly 20 ASCII digits whose value is at most
 * 2^66 − 1 (§1.4). Undoes the class-bit transposition (§1.3): writes the 64-bit (encrypted) block
 * into out[0] (bits 63..32) and out[1] (bits 31..0) and returns the class 0..3.
 *
 * @param token - the token text
 * @param out - a Uint32Array of length 2 or more, overwritten with the block halves
 * @returns the class, 0..3
 * @throws HydroSyncError `FORMAT` not 20 digits, above 2^66 − 1, or `out` not a Uint32Array(2).
 * @example
 * ```ts
 * const block = new Uint32Array(2);
 * const cls = parseToken('5862 5789 9869 9135 7486', block);
 * formatToken(cls, block[0]!, block[1]!); // '58625789986991357486'
 * ```
 */
export function parseToken(token: string, out: Uint32Array): number {
  if (!(out instanceof Uint32Array) || out.length < 2) {
    fail('FORMAT', `parseToken needs a Uint32Array of length 2 or more for the block halves; got ${showInput(out)}`);
  }
  const cls = readToken(token, out);
  if (cls < 0) fail('FORMAT', tokenFormatProblem(token) ?? 'not a token');
  return cls;
}

/**
 * parseToken without the throw, for the paths where a malformed token is an expected outcome
 * (the meter, tryDecodeToken): the class 0..3, or −1 when `token` is not a token (out untouched;
 * tokenFormatProblem says why). `out` must be a Uint32Array of length ≥ 2. Allocates nothing.
 */
export function readToken(token: unknown, out: Uint32Array): number {
  if (typeof token !== 'string') return NOT_A_TOKEN;
  // Fast path: 20 plain digits. Then grouped input (spaces, dashes); neither allocates.
  let cls = token.length === TOKEN_DIGITS ? decodePlain(token, out) : NOT_PLAIN;
  if (cls === NOT_PLAIN) cls = decodeSeparated(token, out);
  return cls < 0 ? NOT_A_TOKEN : cls;
}

/** 20 characters, all digits → class (block in out); NOT_PLAIN for any other character; ABOVE_MAX. */
function decodePlain(s: string, out: Uint32Array): number {
  // Four 5-digit chunks (int32). `bad` goes negative if any d is outside 0..9.
  let bad = 0;
  let d = 0;
  let c0 = 0;
  let c1 = 0;
  let c2 = 0;
  let c3 = 0;
  for (let i = 0; i < 5; i++) (d = s.charCodeAt(i) - 48), (bad |= d | (9 - d)), (c0 = c0 * 10 + d);
  for (let i = 5; i < 10; i++) (d = s.charCodeAt(i) - 48), (bad |= d | (9 - d)), (c1 = c1 * 10 + d);
  for (let i = 10; i < 15; i++) (d = s.charCodeAt(i) - 48), (bad |= d | (9 - d)), (c2 = c2 * 10 + d);
  for (let i = 15; i < 20; i++) (d = s.charCodeAt(i) - 48), (bad |= d | (9 - d)), (c3 = c3 * 10 + d);
  return bad < 0 ? NOT_PLAIN : decodeChunks(c0, c1, c2, c3, out);
}

/** Digits with spaces/dashes between them → class; NOT_PLAIN unless exactly 20 digits and no other characters. */
function decodeSeparated(s: string, out: Uint32Array): number {
  let n = 0;
  let c0 = 0;
  let c1 = 0;
  let c2 = 0;
  let c3 = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 45) continue; // ' ' and '-' separate groups
    const d = c - 48;
    if (d < 0 || d > 9 || n === TOKEN_DIGITS) return NOT_PLAIN;
    if (n < 5) c0 = c0 * 10 + d;
    else if (n < 10) c1 = c1 * 10 + d;
    else if (n < 15) c2 = c2 * 10 + d;
    else c3 = c3 * 10 + d;
    n++;
  }
  return n === TOKEN_DIGITS ? decodeChunks(c0, c1, c2, c3, out) : NOT_PLAIN;
}

/**
 * The token's digits as four 5-digit chunks → class, block halves in out (§1.3, §1.4); ABOVE_MAX
 * (out untouched) if the value exceeds 2^66 − 1. Exact JS-number arithmetic only.
 */
function decodeChunks(c0: number, c1: number, c2: number, c3: number, out: Uint32Array): number {
  // value = ((c0·10^5 + c1)·10^5 + c2)·10^5 + c3, kept as lo = bits 31..0 and up = bits ≥ 32.
  // Every product is below 2^32 · 10^5 < 2^49; `x >>> 0` is x mod 2^32 and (x − lo)·2^−32 is exact.
  let t = c0 * 100000 + c1;
  let lo = t >>> 0;
  let up = (t - lo) * INV_2_32;
  t = lo * 100000 + c2;
  lo = t >>> 0;
  up = up * 100000 + (t - lo) * INV_2_32;
  t = lo * 100000 + c3;
  lo = t >>> 0; // T66 bits 31..0
  up = up * 100000 + (t - lo) * INV_2_32; // T66 bits 65..32, < 2^35
  const hi = up >>> 0; // T66 bits 63..32 = E bits 63..32
  const top = (up - hi) * INV_2_32; // T66 bits 65..64 = E bits 28..27
  if (top > 3) return ABOVE_MAX;
  // §1.3 decode: class = T66 bits 28..27; E bits 28..27 = T66 bits 65..64.
  out[0] = hi;
  out[1] = (lo & ~CLASS_BITS) | (top << 27);
  return (lo >>> 27) & 3;
}

/** Scratch for formatToken: T66 as five 16-bit limbs, most significant first (limb 0 has 2 bits). */
const LIMBS = /* @__PURE__ */ new Int32Array(5);

/** Divide LIMBS by 10^4 in place; return the remainder (the next 4 decimal digits from the right). */
function nextFourDigits(): number {
  // r < 10^4 · 2^16 < 2^30, so r / 10^4 is never within 10^−4 of the next integer after rounding:
  // `| 0` gives the exact quotient (an int32 division).
  let r = 0;
  for (let i = 0; i < 5; i++) {
    r = (r << 16) | LIMBS[i];
    const q = (r / 10000) | 0;
    LIMBS[i] = q;
    r -= q * 10000;
  }
  return r;
}

/**
 * Inverse of parseToken: class (0..3) and the 64-bit (encrypted) block halves → the 20-digit token.
 * Halves are 32-bit words: integers 0..2^32 − 1 (signed int32 results of bitwise operators are
 * accepted too).
 *
 * @param cls - the class, 0..3
 * @param hi - bits 63..32 of the block
 * @param lo - bits 31..0 of the block
 * @returns 20 digits, ungrouped (groupToken adds the spaces)
 * @throws HydroSyncError `RANGE` a class or half out of range.
 * @example
 * ```ts
 * formatToken(0, 0, 0); // '00000000000000000000'
 * ```
 */
export function formatToken(cls: number, hi: number, lo: number): string {
  checkClass(cls);
  checkWords(hi, lo);
  // §1.3 encode: E bits 28..27 → T66 bits 65..64; class → T66 bits 28..27.
  const low = (lo & ~CLASS_BITS) | (cls << 27);
  LIMBS[0] = (lo >>> 27) & 3;
  LIMBS[1] = hi >>> 16;
  LIMBS[2] = hi & 0xffff;
  LIMBS[3] = low >>> 16;
  LIMBS[4] = low & 0xffff;
  // §1.4: 20 decimal digits, zero-padded: five groups of four, least significant first.
  const g4 = nextFourDigits();
  const g3 = nextFourDigits();
  const g2 = nextFourDigits();
  const g1 = nextFourDigits();
  const g0 = nextFourDigits();
  // One call, so the result is a flat string (concatenations would build a rope).
  return String.fromCharCode(
    digit(g0, 1000), digit(g0, 100), digit(g0, 10), digit(g0, 1),
    digit(g1, 1000), digit(g1, 100), digit(g1, 10), digit(g1, 1),
    digit(g2, 1000), digit(g2, 100), digit(g2, 10), digit(g2, 1),
    digit(g3, 1000), digit(g3, 100), digit(g3, 10), digit(g3, 1),
    digit(g4, 1000), digit(g4, 100), digit(g4, 10), digit(g4, 1),
  );
}

/** Char code of the decimal digit of `group` (0..9999) at place value `place` (exact int32 division). */
function digit(group: number, place: number): number {
  return 48 + (((group / place) | 0) % 10);
}

/**
 * Group a 20-digit token 4-4-4-4-4 with spaces, as printed on receipts.
 *
 * @param token - 20 digits (spaces and dashes are ignored)
 * @throws HydroSyncError `FORMAT` not a token.
 */
export function groupToken(token: string): string {
  const d = checkedTokenDigits(token);
  return `${d.slice(0, 4)} ${d.slice(4, 8)} ${d.slice(8, 12)} ${d.slice(12, 16)} ${d.slice(16, 20)}`;
}

/**
 * The 66-bit value of a token's 20 digits, as a bigint.
 *
 * @param token - 20 digits (spaces and dashes are ignored)
 * @throws HydroSyncError `FORMAT` not a token.
 */
export function tokenToBigInt(token: string): bigint {
  return BigInt(checkedTokenDigits(token));
}

/**
 * The 20 digits (zero-padded) of a token value 0..2^66 − 1.
 *
 * @param value - the token value
 * @throws HydroSyncError `RANGE` (or `FORMAT` for a non-bigint) outside 0..2^66 − 1.
 */
export function tokenFromBigInt(value: bigint): string {
  if (typeof value !== 'bigint') {
    fail('FORMAT', `token value must be a bigint from 0 to 2^66 − 1; got ${typeOfInput(value)}`);
  }
  if (value < 0n || value > MAX_TOKEN) {
    fail('RANGE', `token value must be from 0 to 2^66 − 1 (${MAX_TOKEN_DIGITS}); got ${showInput(value)}`);
  }
  return value.toString().padStart(TOKEN_DIGITS, '0');
}

// ---------------------------------------------------------------------------------------------

/**
 * Why `token` is not a valid token (the FORMAT message), or undefined when it is one. Cold path:
 * called only to explain a rejection.
 */
export function tokenFormatProblem(token: unknown): string | undefined {
  if (typeof token !== 'string') return `token must be a string of 20 digits; got ${typeOfInput(token)}`;
  const digits = token.replace(SEPARATORS, '');
  if (!ONLY_DIGITS.test(digits)) return characterProblem(token);
  if (digits.length !== TOKEN_DIGITS) return `token must be exactly 20 digits after removing spaces and dashes; got ${digits.length}`;
  if (digits > MAX_TOKEN_DIGITS) {
    // Equal-length digit strings compare like their values.
    return `token ${digits} is above ${MAX_TOKEN_DIGITS} (2^66 − 1), the largest value an STS token can have; check it for a typing error`;
  }
  return undefined;
}

/** The message naming the first character that is neither a digit nor a separator. */
function characterProblem(token: string): string {
  let i = 0;
  while (i < token.length && /[0-9 -]/.test(token[i])) i++;
  const ch = token.codePointAt(i) ?? 0;
  const shown = ch >= 33 && ch <= 126 ? `'${String.fromCharCode(ch)}'` : `U+${ch.toString(16).toUpperCase().padStart(4, '0')}`;
  return `token may contain only digits, spaces and dashes; found ${shown} at position ${i + 1} of ${showInput(token)}`;
}

/** The 20 digits of a valid token (separators removed); FORMAT otherwise. Not the fast path. */
function checkedTokenDigits(token: unknown): string {
  const problem = tokenFormatProblem(token);
  if (problem !== undefined) fail('FORMAT', problem);
  return (token as string).replace(SEPARATORS, '');
}
