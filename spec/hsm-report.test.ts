import { describe, expect, it } from 'vitest';
import { deriveDecoderKey } from '../src/keys';
import { tidFromWallClock } from '../src/codec';
import { Meter } from '../src/meter';
import { openSqliteStore } from '../src/node';
import { bytesToHex } from '../src/codec/hex';
import { CTX, MASTER, OP, PAN, PAN2, VK04, VK04_KRN2, setup, tempDir } from './hsm-support';
import { openHsm } from '../src/hsm';
import { issueCredit } from '../src/tokens/issue';
import { join } from 'node:path';

// Meter reports from the simulated meter to the security module (issue #11).

const params = { supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2 as const, keyExpiryNumber: 255, pan: PAN, baseDate: 2014 as const, encryptionAlgorithm: '11' as const };
const newMeter = () => new Meter({ profile: { pan: PAN }, key: deriveDecoderKey(VK04, params), initialTid: tidFromWallClock('2026-11-01T00:00', 2014) });
const WEB = { operator: 'website' };

describe('verifyReport', () => {
  it('accepts a code and a frame from the meter, stores them, audits them; the summary shows what a person wants', async () => {
    const { hsm, advance } = await setup();
    const meter = newMeter();
    const sold = await hsm.vend({ ...CTX, pan: PAN, litres: 10_000 });
    meter.enter(sold.tokens[0]!, '2026-12-01T09:40');
    const r1 = meter.report('2026-12-01T10:00');
    expect(await hsm.verifyReport({ pan: PAN, code: r1.code }, WEB)).toMatchObject({ ok: true, value: { counter: 1, creditLitres: 10_000, form: 'code', outOfOrder: false } });
    meter.consume(2000, '2026-12-03T10:00');
    advance(2 * 86_400_000);
    const r2 = meter.report('2026-12-03T10:00');
    expect(await hsm.verifyReport({ pan: PAN, frame: bytesToHex(r2.frame) }, WEB)).toMatchObject({ ok: true, value: { counter: 2, creditLitres: 8000, form: 'frame' } });
    const s = await hsm.reportSummary(PAN);
    expect(s).toMatchObject({ reports: 2, counter: 2, creditLitres: 8000, creditCubicMetres: '8', consumptionLitresPerDay: 1000, daysLeft: 8, alerts: [] });
    const audit = (await hsm.auditRecords()).filter((a) => a.kind === 'report');
    expect(audit.map((a) => a.outcome)).toEqual(['done', 'done']);
    expect((await hsm.verifyAudit()).ok).toBe(true);
  });

  it('refuses a replay (USED), an older code (OLD), a report for another meter (MAC/KEY), an unknown meter (NOT_FOUND); each is audited and changes nothing', async () => {
    const { hsm } = await setup();
    await hsm.addMeter({ pan: PAN2, customerReference: 'CUST-2', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, OP);
    const meter = newMeter();
    const a = meter.report('2026-12-01T10:00');
    const b = meter.report('2026-12-01T10:01');
    expect((await hsm.verifyReport({ pan: PAN, code: b.code }, WEB)).ok).toBe(true);
    expect(await hsm.verifyReport({ pan: PAN, code: b.code }, WEB)).toMatchObject({ ok: false, code: 'USED' });
    expect(await hsm.verifyReport({ pan: PAN, code: a.code }, WEB)).toMatchObject({ ok: false, code: 'OLD' });
    // A frame one behind is within the window: accepted once, out of order.
    expect(await hsm.verifyReport({ pan: PAN, frame: a.frame }, WEB)).toMatchObject({ ok: true, value: { counter: 1, outOfOrder: true } });
    expect(await hsm.verifyReport({ pan: PAN, frame: a.frame }, WEB)).toMatchObject({ ok: false, code: 'USED' });
    expect(await hsm.verifyReport({ pan: PAN2, code: meter.report('2026-12-01T10:02').code }, WEB)).toMatchObject({ ok: false, code: 'MAC' });
    expect(await hsm.verifyReport({ pan: PAN2, frame: meter.report('2026-12-01T10:03').frame }, WEB)).toMatchObject({ ok: false, code: 'KEY' });
    expect(await hsm.verifyReport({ pan: '600727000000000181', code: b.code }, WEB)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await hsm.verifyReport({ pan: PAN, code: '1234' }, WEB)).toMatchObject({ ok: false, code: 'FORMAT' });
    expect(await hsm.verifyReport({ pan: PAN, code: b.code, frame: b.frame }, WEB)).toMatchObject({ ok: false, code: 'USAGE' });
    expect(await hsm.verifyReport(null as never, WEB)).toMatchObject({ ok: false, code: 'FORMAT' });
    expect((await hsm.reportSummary(PAN)).counter).toBe(2);
    expect((await hsm.reportSummary(PAN2)).reports).toBe(0);
    const refused = (await hsm.auditRecords()).filter((x) => x.kind === 'report' && x.outcome === 'refused').map((x) => x.errorCode);
    expect(refused).toEqual(['USED', 'OLD', 'USED', 'MAC', 'KEY', 'NOT_FOUND', 'FORMAT', 'USAGE', 'FORMAT']);
  });

  it('a report made with the old key after a key change is refused (KEY for a frame, MAC for a code)', async () => {
    const { hsm } = await setup();
    await hsm.importVendingKey({ id: 'sgc201457-krn2', keyHex: VK04_KRN2, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 2, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00' }, OP);
    const meter = newMeter();
    const old = meter.report('2026-12-01T10:00');
    await hsm.keyChange({ ...CTX, pan: PAN, newKeyRevisionNumber: 2 });
    expect(await hsm.verifyReport({ pan: PAN, frame: old.frame }, WEB)).toMatchObject({ ok: false, code: 'KEY' });
    expect(await hsm.verifyReport({ pan: PAN, code: old.code }, WEB)).toMatchObject({ ok: false, code: 'MAC' });
  });

  it('rate limit: after 10 failed codes for a meter in an hour, codes are refused with LIMIT (frames still work); the next hour resets it', async () => {
    const { hsm, advance } = await setup({ start: '2026-12-01T02:05:00Z' });
    const meter = newMeter();
    for (let i = 0; i < 10; i++) expect((await hsm.verifyReport({ pan: PAN, code: String(10_000_000_000_000_000_000n + BigInt(i) * 7919n) }, WEB)).ok).toBe(false);
    const good = meter.report('2026-12-01T10:00');
    expect(await hsm.verifyReport({ pan: PAN, code: good.code }, WEB)).toMatchObject({ ok: false, code: 'LIMIT' });
    expect((await hsm.verifyReport({ pan: PAN, frame: meter.report('2026-12-01T10:01').frame }, WEB)).ok).toBe(true);
    advance(3_600_000);
    expect((await hsm.verifyReport({ pan: PAN, code: meter.report('2026-12-01T11:00').code }, WEB)).ok).toBe(true);
  });

  it('alerts: low credit, tamper, silent, credit without a token, a token the module never sold', async () => {
    const { hsm, advance } = await setup();
    const meter = newMeter();
    meter.enter((await hsm.vend({ ...CTX, pan: PAN, litres: 900 })).tokens[0]!, '2026-12-01T09:40');
    meter.raiseTamper('2026-12-01T09:50');
    expect((await hsm.verifyReport({ pan: PAN, frame: meter.report('2026-12-01T10:00').frame }, WEB)).ok).toBe(true);
    meter.creditLitres += 5000; // credit from nowhere (a bypassed register)
    expect((await hsm.verifyReport({ pan: PAN, frame: meter.report('2026-12-01T10:30').frame }, WEB)).ok).toBe(true);
    advance(8 * 86_400_000);
    expect((await hsm.reportSummary(PAN)).alerts).toEqual(['tamper', 'silent', 'credit-without-token']);
    // A token from elsewhere: the meter's last TID is beyond anything the module issued.
    const stranger = deriveDecoderKey(VK04, params);
    meter.enter(issueCredit(stranger, { litres: 100, dateTime: '2026-12-05T08:00', rnd: 1 }).token, '2026-12-05T08:01');
    meter.consume(5950, '2026-12-05T09:00');
    expect((await hsm.verifyReport({ pan: PAN, frame: meter.report('2026-12-05T09:00').frame }, WEB)).ok).toBe(true);
    expect((await hsm.reportSummary(PAN)).alerts).toEqual(['low-credit', 'tamper', 'token-not-sold']); // heard from again: not silent
  });

  it('the SQLite store keeps reports and the counter state across reopening', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'hsm.sqlite');
      const { hsm, clock } = await setup({ store: openSqliteStore(path, { create: true }) });
      const meter = newMeter();
      const r = meter.report('2026-12-01T10:00');
      expect((await hsm.verifyReport({ pan: PAN, code: r.code }, WEB)).ok).toBe(true);
      await hsm.close();
      const reopened = await openHsm({ store: openSqliteStore(path), masterKey: MASTER, clock });
      expect(await reopened.verifyReport({ pan: PAN, code: r.code }, WEB)).toMatchObject({ ok: false, code: 'USED' });
      expect((await reopened.verifyReport({ pan: PAN, frame: meter.report('2026-12-01T10:05').frame }, WEB)).ok).toBe(true);
      expect(await reopened.reportSummary(PAN)).toMatchObject({ reports: 2, counter: 2 });
      await reopened.close();
    } finally {
      cleanup();
    }
  });
});
