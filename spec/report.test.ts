import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  decodeReportCode, decodeReportFrame, deriveReportKey, encodeReportFrame, readReportCode, reportCode, reportKeyMaterial,
  verifyReportFrame, type MeterReport,
} from '../src/report';
import { encodeCreditField, decodeCreditField } from '../src/report/credit-field';
import { Meter } from '../src/meter';
import { DecoderKey } from '../src/keys';
import { bytes, errorCode } from './support';

const PAN = '600727000000000009';
const DK = '0123456789abcdeffedcba9876543210';
const KEY = deriveReportKey(bytes(DK), PAN, 1);
const NO_FLAGS = { valveClosed: false, lowCredit: false, tamper: false, lowBattery: false, keyChangePending: false };
const R1: MeterReport = { pan: PAN, keyRevisionNumber: 1, counter: 1, clockMinutes: 6845130, creditLitres: 12345, consumedLitres: 87655, lastTid: 6844000, flags: NO_FLAGS };
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

describe('worked example of docs/reports.md', () => {
  const doc = readFileSync(new URL('../docs/reports.md', import.meta.url), 'utf8');
  const line = (label: string) => {
    const m = new RegExp(`^${label}:\\s+([0-9a-f]+)$`, 'm').exec(doc);
    if (!m) throw new Error(`docs/reports.md has no "${label}:" line`);
    return m[1];
  };
  it('the report key, frame and code in the document are what the library makes', () => {
    expect(hex(reportKeyMaterial(bytes(DK), PAN))).toBe(line('report key \\(OKM\\)'));
    expect(hex(encodeReportFrame(R1, KEY))).toBe(line('frame'));
    expect(reportCode(R1, KEY)).toBe(line('report code'));
  });
  it('the report key is plain HKDF-SHA-256 with the documented salt and info', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(hex(hkdf(sha256, bytes(DK), enc('HydroSync report key v1'), enc(PAN), 48))).toBe(line('report key \\(OKM\\)'));
  });
});

describe('credit field', () => {
  it('is exact below 2^20 litres and rounds down in 10, 100, 1000 L steps above', () => {
    expect(decodeCreditField(encodeCreditField(0))).toEqual({ litres: 0, step: 1 });
    expect(decodeCreditField(encodeCreditField(1_048_575))).toEqual({ litres: 1_048_575, step: 1 });
    expect(decodeCreditField(encodeCreditField(1_048_576))).toEqual({ litres: 1_048_570, step: 10 });
    expect(decodeCreditField(encodeCreditField(10_485_759))).toEqual({ litres: 10_485_750, step: 10 });
    expect(decodeCreditField(encodeCreditField(10_485_760))).toEqual({ litres: 10_485_700, step: 100 });
    expect(decodeCreditField(encodeCreditField(100_000_000))).toEqual({ litres: 100_000_000, step: 100 });
    expect(decodeCreditField(encodeCreditField(2 ** 48 - 1))).toEqual({ litres: 1_048_575_000, step: 1000 });
  });
});

describe('attacks and bad input', () => {
  it('a report for another meter: the frame says KEY, the code MAC', () => {
    const other = deriveReportKey(bytes(DK), '600727000000000181', 1);
    const r = { ...R1, pan: '600727000000000181' };
    expect(verifyReportFrame(encodeReportFrame(r, other), KEY)).toMatchObject({ ok: false, code: 'KEY' });
    expect(readReportCode(reportCode(r, other), KEY, 0)).toMatchObject({ ok: false, code: 'MAC' });
  });

  it('a report made with the old key after a key change: the frame says KEY, the code MAC', () => {
    const next = deriveReportKey(bytes('00112233445566778899aabbccddeeff'), PAN, 2);
    expect(verifyReportFrame(encodeReportFrame(R1, KEY), next)).toMatchObject({ ok: false, code: 'KEY' });
    expect(readReportCode(reportCode(R1, KEY), next, 0)).toMatchObject({ ok: false, code: 'MAC' });
    // Same revision number, other key bits (a re-keyed meter): MAC.
    const same = deriveReportKey(bytes('00112233445566778899aabbccddeeff'), PAN, 1);
    expect(verifyReportFrame(encodeReportFrame(R1, KEY), same)).toMatchObject({ ok: false, code: 'MAC' });
  });

  it('a report code typed into a meter is refused at the class check (FUNCTION), before anything else', () => {
    const dk = DecoderKey.fromHex(DK, { encryptionAlgorithm: '11', keyType: 2, keyRevisionNumber: 1, keyExpiryNumber: 255, supplyGroupCode: '201457', tariffIndex: '01', baseDate: 2014 });
    const meter = new Meter({ profile: { pan: PAN }, key: dk, creditLitres: 500 });
    for (let counter = 1; counter <= 20; counter++) {
      const r = meter.enter(reportCode({ ...R1, counter }, KEY), '2027-01-06T13:30');
      expect(r.result).toBe('FUNCTION');
      expect(r.creditLitres).toBe(500);
    }
  });

  it('the report key is not the decoder key and differs per meter and per key', () => {
    const m = reportKeyMaterial(bytes(DK), PAN);
    expect(hex(m)).not.toContain(DK);
    expect(hex(reportKeyMaterial(bytes(DK), '600727000000000181'))).not.toBe(hex(m));
    expect(hex(reportKeyMaterial(bytes('00112233445566778899aabbccddeeff'), PAN))).not.toBe(hex(m));
  });

  it('bad arguments give HydroSyncError codes, never a foreign exception', () => {
    expect(errorCode(() => deriveReportKey(bytes('0011'), PAN, 1))).toBe('KEY');
    expect(errorCode(() => deriveReportKey(null as never, PAN, 1))).toBe('KEY');
    expect(errorCode(() => deriveReportKey(bytes(DK), '600727000000000008', 1))).toBe('CHECK_DIGIT');
    expect(errorCode(() => deriveReportKey(bytes(DK), PAN, 0))).toBe('RANGE');
    expect(errorCode(() => encodeReportFrame({ ...R1, counter: 0 }, KEY))).toBe('RANGE');
    expect(errorCode(() => encodeReportFrame({ ...R1, creditLitres: -1 }, KEY))).toBe('RANGE');
    expect(errorCode(() => encodeReportFrame({ ...R1, keyRevisionNumber: 2 }, KEY))).toBe('KEY');
    expect(errorCode(() => encodeReportFrame(null as never, KEY))).toBe('FORMAT');
    expect(errorCode(() => reportCode(R1, {} as never))).toBe('KEY');
    expect(verifyReportFrame(new Uint8Array(50), null as never)).toMatchObject({ ok: false, code: 'KEY' });
    expect(readReportCode('1'.repeat(20), KEY, -1)).toMatchObject({ ok: false, code: 'RANGE' });
    expect(errorCode(() => decodeReportFrame(new Uint8Array(3), KEY))).toBe('FORMAT');
    expect(errorCode(() => decodeReportCode('12345', KEY))).toBe('FORMAT');
    expect(decodeReportCode(reportCode(R1, KEY), KEY).creditLitres).toBe(12345);
  });
});

describe('report vectors are checked, not echoed', () => {
  const doc = JSON.parse(readFileSync(new URL('../vectors/hydrosync-reports.json', import.meta.url), 'utf8')) as { cases: Record<string, unknown>[] };
  const byId = (id: string) => structuredClone(doc.cases.find((c) => c.id === id)!);
  it('a changed frame, code, report field or expected error fails the case', async () => {
    const { verifyCase } = await import('../src/vectors');
    const enc = byId('report-worked-example');
    expect(verifyCase(enc).ok).toBe(true);
    const e = enc.expected as { frame: string; code: string };
    expect(verifyCase({ ...enc, expected: { ...e, frame: e.frame.replace(/.$/, (d) => (d === '0' ? '1' : '0')) } }).ok).toBe(false);
    expect(verifyCase({ ...enc, expected: { ...e, code: '46078792311702978025' } }).ok).toBe(false);
    expect(verifyCase({ ...enc, report: { ...(enc.report as object), creditLitres: 12346 } }).ok).toBe(false);
    const replay = byId('frame-replay');
    expect(verifyCase(replay).ok).toBe(true);
    expect(verifyCase({ ...replay, expected: { error: 'OLD' } }).ok).toBe(false);
    const fresh = byId('code-fresh');
    expect(verifyCase({ ...fresh, expected: { ...(fresh.expected as object), creditLitres: 12344 } }).ok).toBe(false);
  });
});
