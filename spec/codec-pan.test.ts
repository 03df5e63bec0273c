import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { luhnCheckDigit, parseMeterPan, makeMeterPan, parseDrn } from '../src/codec/index';
import { errorCode } from './support';

/** Independent Luhn validity check (ISO/IEC 7812): the whole number, check digit included. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

describe('Luhn (sts-reference §7.7)', () => {
  it('§7.7 examples', () => {
    expect(luhnCheckDigit('60072700000000000')).toBe(9);
    expect(luhnCheckDigit('00000100000000008')).toBe(2);
    expect(luhnCheckDigit('60072711111111115')).toBe(3);
    expect(luhnCheckDigit('010000000000')).toBe(8);
    expect(luhnCheckDigit('0000000000')).toBe(0);
    expect(luhnCheckDigit('1234567890')).toBe(3);
    expect(luhnCheckDigit('1111111111')).toBe(5);
    expect(luhnCheckDigit('7992739871')).toBe(3); // the textbook example 79927398713
  });

  it('the appended digit always makes a valid Luhn number', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,30}$/), (d) => {
        const c = luhnCheckDigit(d);
        expect(luhnValid(d + c)).toBe(true);
        for (let other = 0; other < 10; other++) if (other !== c) expect(luhnValid(d + other)).toBe(false);
      }),
    );
  });

  it('FORMAT for anything but one or more digits', () => {
    for (const bad of ['', '12a', '1 2', '١٢', 12, null]) {
      expect(errorCode(() => luhnCheckDigit(bad as string))).toBe('FORMAT');
    }
  });
});

describe('MeterPAN and DRN (sts-reference §7.7)', () => {
  it('compliance PANs parse (N02 A/B, C07 PAN11/PAN13, CTSA15)', () => {
    expect(parseMeterPan('600727000000000009')).toEqual({
      pan: '600727000000000009',
      iin: '600727',
      drn: '00000000000',
      checkDigit: 9,
    });
    expect(parseMeterPan('000001000000000082')).toEqual({
      pan: '000001000000000082',
      iin: '0000',
      drn: '0100000000008',
      checkDigit: 2,
    });
    expect(parseMeterPan('600727111111111153')).toEqual({
      pan: '600727111111111153',
      iin: '600727',
      drn: '11111111115',
      checkDigit: 3,
    });
    expect(parseMeterPan('600727 00000000000 9').pan).toBe('600727000000000009');
    expect(parseMeterPan('0000-0100000000008-2').drn).toBe('0100000000008');
  });

  it('wrong PAN check digit → CHECK_DIGIT naming the expected digit', () => {
    expect(errorCode(() => parseMeterPan('600727000000000008'))).toBe('CHECK_DIGIT');
    expect(() => parseMeterPan('600727000000000008')).toThrow(/check digit 8, but the Luhn check digit of 60072700000000000 is 9/);
  });

  it('wrong DRN check digit inside a PAN with a correct PAN check digit → CHECK_DIGIT', () => {
    const body = '600727' + '12345678904';
    const pan = body + luhnCheckDigit(body);
    expect(() => parseMeterPan(pan)).toThrow(/DRN 12345678904 ends in check digit 4, but the Luhn check digit of 1234567890 is 3/);
  });

  it('CS CTSA17: DRNs 12345678904 and 11111111113 are rejected; …03 and …15 are valid', () => {
    expect(errorCode(() => parseDrn('12345678904'))).toBe('CHECK_DIGIT');
    expect(errorCode(() => parseDrn('11111111113'))).toBe('CHECK_DIGIT');
    expect(() => parseDrn('11111111113')).toThrow(/is 5/);
    expect(parseDrn('12345678903')).toBe('12345678903');
    expect(parseDrn('1111 1111 115')).toBe('11111111115');
    expect(parseDrn('00000000000')).toBe('00000000000');
    expect(parseDrn('0100000000008')).toBe('0100000000008');
  });

  it('bad lengths and characters → FORMAT', () => {
    for (const bad of ['60072700000000000', '6007270000000000091', '60072700000000000x', '', 600727000000000009, null]) {
      expect(errorCode(() => parseMeterPan(bad as string))).toBe('FORMAT');
    }
    expect(() => parseMeterPan('60072700000000000')).toThrow(/exactly 18 digits .*; got 17/);
    for (const bad of ['1234567890', '123456789012', '12345678901234', 'abc', '']) {
      expect(errorCode(() => parseDrn(bad))).toBe('FORMAT');
    }
  });

  it('makeMeterPan builds both forms and checks the DRN', () => {
    expect(makeMeterPan('600727', '00000000000')).toBe('600727000000000009');
    expect(makeMeterPan('0000', '0100000000008')).toBe('000001000000000082');
    expect(makeMeterPan('600727', '11111111115')).toBe('600727111111111153');
    expect(errorCode(() => makeMeterPan('600727', '12345678904'))).toBe('CHECK_DIGIT');
    expect(errorCode(() => makeMeterPan('600727', '0100000000008'))).toBe('FORMAT'); // 6-digit IIN needs 11
    expect(errorCode(() => makeMeterPan('0000', '00000000000'))).toBe('FORMAT'); // "0000" needs 13
    expect(errorCode(() => makeMeterPan('000012', '00000000000'))).toBe('FORMAT'); // reads back as the 0000 form
    expect(errorCode(() => makeMeterPan('60072', '00000000000'))).toBe('FORMAT');
    expect(errorCode(() => makeMeterPan('60072a', '00000000000'))).toBe('FORMAT');
  });

  it('makeMeterPan ∘ parseMeterPan round trip for random DSNs, both forms', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[1-9][0-9]{5}$/),
        fc.stringMatching(/^[0-9]{10}$/),
        fc.stringMatching(/^[0-9]{12}$/),
        (iin, drn10, drn12) => {
          const short = drn10 + luhnCheckDigit(drn10);
          const pan = makeMeterPan(iin, short);
          expect(luhnValid(pan)).toBe(true);
          expect(parseMeterPan(pan)).toEqual({ pan, iin, drn: short, checkDigit: Number(pan[17]) });
          const long = drn12 + luhnCheckDigit(drn12);
          const pan4 = makeMeterPan('0000', long);
          expect(parseMeterPan(pan4)).toEqual({ pan: pan4, iin: '0000', drn: long, checkDigit: Number(pan4[17]) });
        },
      ),
    );
  });

  it('arbitrary input never throws anything but HydroSyncError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9 -]{10,20}$/), fc.anything()), (t) => {
        for (const f of [
          () => parseMeterPan(t as string),
          () => parseDrn(t as string),
          () => makeMeterPan(t as string, '00000000000'),
          () => makeMeterPan('600727', t as string),
          () => luhnCheckDigit(t as string),
        ]) {
          errorCode(f); // rethrows anything that is not a HydroSyncError
        }
      }),
      { numRuns: 2000 },
    );
  });
});
