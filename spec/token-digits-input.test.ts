import { describe, expect, it } from 'vitest';
import { groupToken, parseToken, tokenFromBigInt, tokenToBigInt } from '../src/codec';
import { readToken, tokenFormatProblem } from '../src/codec/token-digits';
import { errorCode } from './support';

// What a person may type as a token (reference §1.4): 20 ASCII digits, optionally grouped with
// spaces and dashes. Anything else is FORMAT naming the first offending character, whether the
// input has the plain 20-character length (the fast path) or not (the grouped path).

const out = () => new Uint32Array(2);
const message = (t: string) => { try { parseToken(t, out()); } catch (e) { return (e as Error).message; } return 'parsed'; };

describe('token input', () => {
  it('a letter inside 20 characters (plain length) is FORMAT and named', () => {
    expect(message('2371610050a183194197')).toMatch(/found 'a' at position 11/);
    expect(message('a3716100501183194197')).toMatch(/found 'a' at position 1/);
    expect(message('2371610050118319419Z')).toMatch(/found 'Z' at position 20/);
  });
  it('the characters just below and above the digits (/ and :) are not digits, in either path', () => {
    expect(message('2371610050/183194197')).toMatch(/found '\/' at position 11/);
    expect(message('2371610050:183194197')).toMatch(/found ':' at position 11/);
    expect(message('2371 6100 50/1 8319 4197')).toMatch(/found '\/' at position 13/);
    expect(message('2371 6100 50:1 8319 4197')).toMatch(/found ':' at position 13/);
  });
  it('a dot or a letter in grouped input is FORMAT, never skipped like a separator', () => {
    expect(message('2371.6100.5011.8319.4197')).toMatch(/found '\.' at position 5/);
    expect(message('2371 6100 5011 8319 419.7')).toMatch(/found '\.' at position 24/);
    expect(message('2371 6100 5011 8319 419a7')).toMatch(/found 'a' at position 24/);
    expect(errorCode(() => groupToken('2371.6100.5011.8319.4197'))).toBe('FORMAT');
    expect(errorCode(() => tokenToBigInt('2371 6100 5011 8319 419a7'))).toBe('FORMAT');
  });
  it('grouped input with 19 or 21 digits is FORMAT with the count', () => {
    expect(message('2371 6100 5011 8319 419')).toMatch(/exactly 20 digits.*got 19$/);
    expect(message('2371 6100 5011 8319 41977')).toMatch(/got 21$/);
    expect(message('2371-6100-5011-8319-419-77')).toMatch(/got 21$/);
  });
  it('grouped and plain forms give the same class and block (§1.3 worked example)', () => {
    const a = out();
    const b = out();
    expect(parseToken('23716100501183194197', a)).toBe(0);
    expect(parseToken('2-3-7-1-6-1-0-0-5-0-1-1-8-3-1-9-4-1-9-7', b)).toBe(0);
    expect([a[0], a[1]]).toEqual([0x492083c0, 0xae7ce455]);
    expect([b[0], b[1]]).toEqual([0x492083c0, 0xae7ce455]);
  });
  it('20 characters with a separator among them hold 19 digits: FORMAT with the count', () => {
    expect(message('2371 610050118319419')).toMatch(/got 19$/);
    expect(message('-2371610050118319419')).toMatch(/got 19$/);
  });
  it('the largest token through the grouped path is class 3 with every block bit set; one more is FORMAT', () => {
    const o = out();
    expect(parseToken('7378 6976 2948 3820 6463', o)).toBe(3);
    expect([o[0], o[1]]).toEqual([0xffffffff, 0xffffffff]);
    expect(message('7378-6976-2948-3820-6464')).toMatch(/above 73786976294838206463/);
  });
  it('tokenFromBigInt: 0 and 2^66 − 1 are the ends; FORMAT for a number, RANGE outside', () => {
    expect(tokenFromBigInt(0n)).toBe('00000000000000000000');
    expect(tokenFromBigInt(73786976294838206463n)).toBe('73786976294838206463');
    expect(tokenFromBigInt(12345n)).toBe('00000000000000012345');
    expect(errorCode(() => tokenFromBigInt(-1n))).toBe('RANGE');
    expect(errorCode(() => tokenFromBigInt(73786976294838206464n))).toBe('RANGE');
    expect(errorCode(() => tokenFromBigInt(5 as unknown as bigint))).toBe('FORMAT');
  });
  it('non-strings are FORMAT naming the type', () => {
    expect(errorCode(() => parseToken(12345 as unknown as string, out()))).toBe('FORMAT');
    expect(() => parseToken(null as unknown as string, out())).toThrow(/string of 20 digits/);
    expect(errorCode(() => groupToken(5 as unknown as string))).toBe('FORMAT');
  });
  it('messages for a bad output array, a non-bigint and an out-of-range value say what is wanted', () => {
    expect(() => parseToken('23716100501183194197', new Uint32Array(1))).toThrow(/^parseToken needs a Uint32Array of length 2 or more for the block halves; got /);
    expect(() => tokenFromBigInt(5 as unknown as bigint)).toThrow(/^token value must be a bigint from 0 to 2\^66 − 1; got /);
    expect(() => tokenFromBigInt(-1n)).toThrow(/^token value must be from 0 to 2\^66 − 1 \(73786976294838206463\); got /);
  });
  it('a character outside printable ASCII is shown as U+ and 4 upper-case hex digits', () => {
    expect(message('2371\u00ad6100501183194197')).toMatch(/found U\+00AD at position 5/);
    expect(message('2371\u00016100501183194197')).toMatch(/found U\+0001 at position 5/);
  });
});

describe('readToken and tokenFormatProblem (the non-throwing form)', () => {
  it('a token gives its class and block and no problem', () => {
    const o = out();
    expect(readToken('2371 6100 5011 8319 4197', o)).toBe(0);
    expect([o[0], o[1]]).toEqual([0x492083c0, 0xae7ce455]);
    expect(tokenFormatProblem('2371 6100 5011 8319 4197')).toBeUndefined();
    expect(tokenFormatProblem('73786976294838206463')).toBeUndefined();
  });
  it('anything else gives −1, leaves the block untouched, and the problem is the FORMAT message', () => {
    for (const bad of ['2371610050118319419', '2371.6100.5011.8319.4197', '73786976294838206464', 42, null, undefined]) {
      const o = new Uint32Array([7, 9]);
      expect(readToken(bad, o)).toBe(-1);
      expect([o[0], o[1]]).toEqual([7, 9]);
      expect(tokenFormatProblem(bad)).toMatch(/^token /);
    }
    expect(tokenFormatProblem('73786976294838206464')).toBe('token 73786976294838206464 is above 73786976294838206463 (2^66 − 1), the largest value an STS token can have; check it for a typing error');
    expect(tokenFormatProblem(42)).toMatch(/^token must be a string of 20 digits; got /);
  });
});
