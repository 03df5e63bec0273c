import { describe, expect, it } from 'vitest';
import { DecoderKey, deriveDecoderKey } from '../src/keys';
import {
  assembleKeyChange, decodeKeyChange, decodeToken, describeToken, generateKeyChange, generateToken,
  issueCredit, issueCurrencyCredit, keyChangeTokens,
} from '../src/tokens';
import type { Token, TokenInput } from '../src/tokens';
import { buildBlock } from '../src/tokens/generate';
import { halvesToHex } from '../src/codec/hex';
import { tokenCrc } from '../src/codec/crc16';
import { formatToken } from '../src/codec/token-digits';
import { errorCode } from './support';

const VK04 = 'abababababababab949494949494949401234567';
const C11 = deriveDecoderKey(VK04, {
  keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1,
  pan: '600727000000000009', baseDate: 2014, encryptionAlgorithm: '11',
});
const N04 = deriveDecoderKey(VK04, {
  keyType: 2, supplyGroupCode: '123457', tariffIndex: '01', keyRevisionNumber: 1,
  pan: '600727000000000009', baseDate: 1993, encryptionAlgorithm: '11',
});
const STA = DecoderKey.fromHex('e653341f9d5bf36f', { encryptionAlgorithm: '07', baseDate: 1993 });

function block(t: TokenInput): string {
  const b = new Uint32Array(2);
  buildBlock(t, b);
  return halvesToHex(b[0]!, b[1]!);
}

describe('plaintext blocks (reference §1–§4 worked examples)', () => {
  it('N02 CTSA01-1: class 0 sub 0, RND 5, TID 5871715, amount 1 → 05599863000119E6', () => {
    expect(block({ kind: 'transferCredit', subclass: 0, fields: { rnd: 5, tid: 5871715, amount: 1 } })).toBe('05599863000119e6');
  });
  it('N04 CTSA01 water: → 155998310001BAA7', () => {
    expect(block({ kind: 'transferCredit', subclass: 1, fields: { rnd: 5, tid: 5871665, amount: 1 } })).toBe('155998310001baa7');
  });
  it('C07 CTSA01-1: TID 85740 → 05014EEC00013188', () => {
    expect(block({ kind: 'transferCredit', subclass: 0, fields: { rnd: 5, tid: 85740, amount: 1 } })).toBe('05014eec00013188');
  });
  it('class 1 sub 0, control 1 → 0000000001000A50', () => {
    expect(block({ kind: 'meterTest', subclass: 0, fields: { control: 1, manufacturerCode: 0 } })).toBe('0000000001000a50');
  });
  it('STSA TID page example: TID 0xC02A55, amount 0x2710 → CRC 1970', () => {
    expect(block({ kind: 'transferCredit', subclass: 0, fields: { rnd: 5, tid: 0xc02a55, amount: 0x2710 } })).toBe('05c02a5527101970');
  });
  it('class 2 sub 10 (STS 202-5 extended) block decodes only to FUNCTION', () => {
    // C07 CTSA24 plaintext A578657CFC001E2B has a valid CRC but the subclass is not supported.
    expect(errorCode(() => buildBlock({ kind: 'clearCredit', subclass: 10 } as never, new Uint32Array(2)))).toBe('FUNCTION');
  });
});

describe('published tokens (EA11)', () => {
  it('N04 CTSA01 water 0.1 m³ → 47186281207955155808', () => {
    expect(generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: 5, tid: 5871665, amount: 1 } }, N04)).toBe('47186281207955155808');
    expect(decodeToken('4718 6281 2079 5515 5808', N04)).toEqual({ kind: 'transferCredit', class: 0, subclass: 1, fields: { rnd: 5, tid: 5871665, amount: 1 } });
  });
  it('C11 CTSA01-1 → 58625789986991357486', () => {
    expect(generateToken({ kind: 'transferCredit', subclass: 0, fields: { rnd: 5, tid: 85740, amount: 1 } }, C11)).toBe('58625789986991357486');
  });
  it('C11 CTSA20-1 currency → 72503171501464925869', () => {
    expect(generateToken({ kind: 'transferCurrency', subclass: 4, fields: { tid: 7171921, currencyAmount: 24746 } }, C11)).toBe('72503171501464925869');
    expect(decodeToken('72503171501464925869', C11)).toEqual({ kind: 'transferCurrency', class: 0, subclass: 4, fields: { tid: 7171921, currencyAmount: 24746 } });
  });
  it('C11 CTSA05-1 4-token key change TI 01 → 02', () => {
    // The new key is derived with TI 02 (DKGA04 takes TI as an input).
    const next = deriveDecoderKey(VK04, {
      keyType: 2, supplyGroupCode: '201457', tariffIndex: '02', keyRevisionNumber: 1,
      pan: '600727000000000009', baseDate: 2014, encryptionAlgorithm: '11',
    });
    expect(generateKeyChange(C11, next, { rollover: false })).toEqual([
      '03854447086453451911', '02791799436242461152', '67118070329353977190', '19019128690902932218',
    ]);
  });
});

describe('decode errors are typed', () => {
  const good = generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: 3, tid: 1000000, amount: 50 } }, C11);
  it('wrong key → CRC', () => expect(errorCode(() => decodeToken(good, N04))).toBe('CRC'));
  it('no key for class 0 → KEY', () => expect(errorCode(() => decodeToken(good))).toBe('KEY'));
  it('bad length → FORMAT', () => expect(errorCode(() => decodeToken('1234', C11))).toBe('FORMAT'));
  it('above 2^66 − 1 → FORMAT', () => expect(errorCode(() => decodeToken('73786976294838206464', C11))).toBe('FORMAT'));
  it('class 3 → FUNCTION', () => {
    // A 66-bit value with bits 28 and 27 set is class 3.
    expect(errorCode(() => decodeToken('00000000000402653184', C11))).toBe('FUNCTION');
  });
  it('reserved class 0 subclass with a good CRC → FUNCTION', () => {
    const b = new Uint32Array([0x95000000, 0]);
    // Build a block by hand: class 0 sub 9 with a valid CRC, then encrypt.
    b[1] = tokenCrc(0, b[0]!, 0, false);
    C11.cipher.encrypt(b);
    expect(errorCode(() => decodeToken(formatToken(0, b[0]!, b[1]!), C11))).toBe('FUNCTION');
  });
  it('something that is not a DecoderKey → KEY, never a crash', () => {
    for (const k of [{}, 'e653341f9d5bf36f', { cipher: {} }, 42]) {
      expect(errorCode(() => decodeToken(good, k as never))).toBe('KEY');
      expect(errorCode(() => generateToken({ kind: 'clearTamperCondition', subclass: 5, fields: { rnd: 0, tid: 5, pad: 0 } }, k as never))).toBe('KEY');
    }
  });
  it('non-string input → FORMAT, never a crash', () => {
    for (const v of [undefined, null, 42, {}, [], Symbol.iterator]) expect(errorCode(() => decodeToken(v as never, C11))).toBe('FORMAT');
  });
});

describe('generation refuses what a vending side must not issue', () => {
  it('reserved 00:01 minute TID', () => {
    expect(errorCode(() => generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: 0, tid: 1441, amount: 1 } }, C11))).toBe('TID');
    expect(generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: 0, tid: 1441, amount: 1 } }, C11, { allowReservedTid: true })).toHaveLength(20);
  });
  it('TID past KEN → KEY_EXPIRED (TID >> 16 > KEN)', () => {
    const k = C11.withAttributes({ keyExpiryNumber: 85 });
    const ok = 85 * 65536 + 65535;
    expect(generateToken({ kind: 'clearCredit', subclass: 1, fields: { rnd: 0, tid: ok, register: 1 } }, k)).toHaveLength(20);
    expect(errorCode(() => generateToken({ kind: 'clearCredit', subclass: 1, fields: { rnd: 0, tid: ok + 1, register: 1 } }, k))).toBe('KEY_EXPIRED');
  });
  it('out-of-range fields → RANGE; unknown fields → FORMAT; wrong subclass → FUNCTION', () => {
    expect(errorCode(() => generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: 0, tid: 2 ** 24, amount: 1 } }, C11))).toBe('RANGE');
    expect(errorCode(() => generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: 0, tid: 5, amount: 65536 } }, C11))).toBe('RANGE');
    expect(errorCode(() => generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: 0, tid: 5, amount: 1.5 } }, C11))).toBe('RANGE');
    expect(errorCode(() => generateToken({ kind: 'transferCredit', subclass: 1, fields: { rnd: 0, tid: 5, amount: 1, extra: 1 } as never }, C11))).toBe('FORMAT');
    expect(errorCode(() => generateToken({ kind: 'transferCredit', subclass: 5 as never, fields: { rnd: 0, tid: 5, amount: 1 } }, C11))).toBe('FUNCTION');
    expect(errorCode(() => generateToken({ kind: 'clearCredit', subclass: 2 as never, fields: { rnd: 0, tid: 5, register: 1 } }, C11))).toBe('FUNCTION');
  });
  it('encrypted kinds need a key', () => {
    expect(errorCode(() => generateToken({ kind: 'clearTamperCondition', subclass: 5, fields: { rnd: 0, tid: 5, pad: 0 } }))).toBe('KEY');
  });
});

describe('issueCredit: water in litres and m³, rounded up in the customer\'s favour', () => {
  it('5 m³ at a naive wall-clock time', () => {
    const r = issueCredit(C11, { cubicMetres: '5', dateTime: '2026-12-01T09:30', rnd: 7 });
    expect(r.creditedTenths).toBe(50);
    expect(r.creditedLitres).toBe(5000);
    expect(r.dateTime).toBe('2026-12-01T09:30');
    expect(decodeToken(r.token, C11)).toEqual({ kind: 'transferCredit', class: 0, subclass: 1, fields: { rnd: 7, tid: r.tid, amount: 50 } });
    expect(r.grouped).toMatch(/^\d{4} \d{4} \d{4} \d{4} \d{4}$/);
  });
  it('2550 litres → 2.6 m³ (the next 100 L)', () => {
    const r = issueCredit(C11, { litres: 2550, tid: 3000000 });
    expect(r.requestedTenths).toBe(26);
    expect(r.creditedLitres).toBe(2600);
  });
  it('a large amount rounds up to the next code (§3.1)', () => {
    const r = issueCredit(C11, { tenths: 20000, tid: 3000000 });
    expect(r.fields.amount).toBe(0x416a);
    expect(r.creditedTenths).toBe(20004);
  });
  it('an instant with an explicit UTC offset (WIB = UTC+7)', () => {
    const r = issueCredit(C11, { litres: 100, at: new Date(Date.UTC(2026, 11, 1, 2, 30)), utcOffsetMinutes: 420 });
    expect(r.dateTime).toBe('2026-12-01T09:30');
  });
  it('requires exactly one amount and one time', () => {
    expect(errorCode(() => issueCredit(C11, { litres: 1, cubicMetres: '1', tid: 5 }))).toBe('FORMAT');
    expect(errorCode(() => issueCredit(C11, { litres: 1 }))).toBe('FORMAT');
    expect(errorCode(() => issueCredit(C11, { litres: 1, at: new Date() }))).toBe('FORMAT');
  });
  it('the reserved minute moves to 00:02', () => {
    const r = issueCredit(C11, { litres: 100, dateTime: '2026-07-29T00:01' });
    expect(r.tid).toBe(6612482);
    expect(r.dateTime).toBe('2026-07-29T00:02');
  });
});

describe('issueCurrencyCredit', () => {
  it('water currency, exact for large rupiah amounts', () => {
    const r = issueCurrencyCredit(C11, { amount: '50000', tid: 3000000 });
    expect(r.subclass).toBe(5);
    const d = decodeToken(r.token, C11);
    expect(d.kind).toBe('transferCurrency');
    expect(describeToken(d).meaning.currency).toBe(r.credited);
    expect(BigInt(r.credited.replace('.', '')) >= 50000n).toBe(true);
  });
  it('negative amounts round the magnitude down', () => {
    const r = issueCurrencyCredit(C11, { amount: '-1', tid: 3000000 });
    expect(r.fields.currencyAmount).toBe(549033);
  });
});

describe('key-change sets (§2.6)', () => {
  const sta2 = DecoderKey.fromHex('0123456789abcdef', { encryptionAlgorithm: '07', keyRevisionNumber: 2, tariffIndex: '07', keyExpiryNumber: 0xa5, supplyGroupCode: '654321', baseDate: 1993 });
  it('2-token set for a 64-bit key, decodable in any order', () => {
    const set = generateKeyChange(STA, sta2);
    expect(set).toHaveLength(2);
    const { change, newKey } = decodeKeyChange([set[1]!, set[0]!], STA);
    expect(change).toMatchObject({ keyRevisionNumber: 2, keyExpiryNumber: 0xa5, tariffIndex: '07', rollover: false, tokenCount: 2 });
    expect(newKey.exportHex()).toBe('0123456789abcdef');
  });
  it('3-token set (3KCT) carries the SGC', () => {
    const set = generateKeyChange(STA, sta2, { threeTokenSet: true });
    expect(set).toHaveLength(3);
    expect(decodeToken(set[2]!, STA)).toEqual({ kind: 'setSupplyGroupCode', class: 2, subclass: 8, fields: { supplyGroupCode: 654321 } });
    const { change } = decodeKeyChange([set[2]!, set[0]!, set[1]!], STA);
    expect(change).toMatchObject({ supplyGroupCode: '654321', tokenCount: 3 });
    expect(assembleKeyChange([decodeToken(set[0]!, STA), decodeToken(set[1]!, STA)], 64)).toEqual({ complete: false, have: 2, need: 3 });
  });
  it('4-token set for a 128-bit key, rollover 2014 → 2035', () => {
    const next = deriveDecoderKey(VK04, {
      keyType: 2, supplyGroupCode: '203557', tariffIndex: '01', keyRevisionNumber: 6,
      pan: '600727000000000009', baseDate: 2035, encryptionAlgorithm: '11',
    });
    const set = generateKeyChange(C11, next);
    expect(set).toHaveLength(4);
    const kinds = set.map((t) => decodeToken(t, C11).kind);
    expect(kinds).toEqual(['set1stSectionDecoderKey', 'set2ndSectionDecoderKey', 'set3rdSectionDecoderKey', 'set4thSectionDecoderKey']);
    for (const order of [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]]) {
      const { change, newKey } = decodeKeyChange(order.map((i) => set[i]!), C11);
      expect(change).toMatchObject({ rollover: true, keyRevisionNumber: 6, supplyGroupCode: '203557', tokenCount: 4 });
      expect(newKey.exportHex()).toBe(next.exportHex());
      expect(newKey.baseDate).toBe(2035);
    }
    expect(errorCode(() => decodeKeyChange(set.slice(0, 3), C11))).toBe('KEY_CHANGE');
  });
  it('a base-date change without RO is refused', () => {
    const next = C11.withAttributes({ baseDate: 2035 });
    expect(errorCode(() => generateKeyChange(C11, next, { rollover: false }))).toBe('KEY_CHANGE');
  });
  it('duplicated sections and foreign tokens are refused', () => {
    const set = keyChangeTokens(C11, C11.withAttributes({ keyRevisionNumber: 2 }));
    expect(errorCode(() => assembleKeyChange([set[0]!, set[0]!] as Token[]))).toBe('KEY_CHANGE');
    expect(errorCode(() => assembleKeyChange([{ kind: 'clearCredit', class: 2, subclass: 1, fields: { rnd: 0, tid: 1, register: 1 } }]))).toBe('KEY_CHANGE');
  });
});
