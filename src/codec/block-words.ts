/**
 * Argument checks shared by the functions that take a token class and 64-bit block halves.
 * A block (sts-reference §1.1) is passed as two 32-bit words: hi = bits 63..32, lo = bits 31..0.
 */
import { fail } from '../errors';
import { showInput } from './input-text';

/** A 32-bit word: an integer in 0..2^32 − 1, or a signed int32 (as bitwise operators return). */
function isWord(v: unknown): v is number {
  return typeof v === 'number' && ((v >>> 0) === v || (v | 0) === v);
}

/** RANGE unless cls is a token class 0..3 (§2.1). */
export function checkClass(cls: unknown): void {
  if (cls !== 0 && cls !== 1 && cls !== 2 && cls !== 3) {
    fail('RANGE', `token class must be 0, 1, 2 or 3; got ${showInput(cls)}`);
  }
}

/** RANGE unless both halves are 32-bit words. */
export function checkWords(hi: unknown, lo: unknown): void {
  if (!isWord(hi) || !isWord(lo)) {
    fail(
      'RANGE',
      `block halves must be 32-bit integers (0..4294967295, or signed int32); got hi ${showInput(hi)}, lo ${showInput(lo)}`,
    );
  }
}
