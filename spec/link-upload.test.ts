import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tidFromWallClock } from '../src/codec';
import { deriveDecoderKey } from '../src/keys';
import { Meter } from '../src/meter';
import { issueCredit } from '../src/tokens/issue';
import { deriveReportKey, verifyReportFrame } from '../src/report';
import { decoderKeyBytes } from '../src/keys/decoder-key';
import {
  MESSAGE, METER_CHARACTERISTICS, MemoryLink, MeterLinkServer, PhoneLinkClient, VirtualClock, encodeFrames, tokenToBytes,
  type LinkFault, type RadioPdu,
} from '../src/link';
import { PAN, VK04, setup } from './hsm-support';
import { errorCode } from './support';

// End to end over the in-memory link (issue #12): the phone uploads a token to the simulated meter
// and reads a report back, under dropped, duplicated, reordered, truncated and corrupted frames,
// disconnects at every step, and a slow meter. Invariants: the token is applied at most once, the
// phone always learns whether it was, and a report read over the link verifies at the security module.

const params = { supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2 as const, keyExpiryNumber: 255, pan: PAN, baseDate: 2014 as const, encryptionAlgorithm: '11' as const };
const key = deriveDecoderKey(VK04, params);
const AT = '2026-12-02T08:00';
/** A fresh credit token for 1000 L (TIDs one minute apart). */
const tokenOf = (i: number) => issueCredit(key, { litres: 1000, dateTime: `2026-12-01T${String(10 + Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`, rnd: 1 });
const TOKEN = tokenOf(0);

interface WorldOptions {
  mtu?: number;
  faults?: (p: RadioPdu) => LinkFault | undefined;
  processingMs?: number;
}

function world(o: WorldOptions = {}) {
  const clock = new VirtualClock();
  const meter = new Meter({ profile: { pan: PAN, historyDepth: 100 }, key, initialTid: tidFromWallClock('2026-11-01T00:00', 2014) });
  const server = new MeterLinkServer({ meter, clock, at: () => AT, processingMs: o.processingMs ?? 0 });
  const link = new MemoryLink({ server, clock, mtu: o.mtu ?? 23, ...(o.faults ? { faults: o.faults } : {}) });
  const phone = new PhoneLinkClient({ transport: link, clock, firstMessageId: 100 });
  /** Entries of `token` in the meter's history, with their results. */
  const entries = (token: string) => meter.history.filter((h) => h.event === 'token' && h.token === token).map((h) => h.result);
  return { clock, meter, server, link, phone, entries };
}

/** Run a clean upload + report and record every PDU: the steps the fault tests walk through. */
async function cleanSteps(mtu: number): Promise<RadioPdu[]> {
  const seen: RadioPdu[] = [];
  const w = world({ mtu, faults: (p) => (seen.push(p), undefined) });
  await w.clock.run(w.phone.upload(TOKEN.token));
  await w.clock.run(w.phone.requestReport());
  return seen;
}

describe('link: token upload and report over the in-memory transport', () => {
  it('a clean upload at MTU 23: ACCEPT, applied, 1000 L; the meter took it once; a report follows and verifies at the security module', async () => {
    const w = world();
    const r = await w.clock.run(w.phone.upload(TOKEN.grouped));
    expect(r).toMatchObject({ result: 'ACCEPT', status: 1, applied: true, litres: 1000, creditLitres: 1000, tid: TOKEN.tid, messageId: 100, attempts: 1 });
    expect(w.entries(TOKEN.token)).toEqual(['ACCEPT']);
    expect(w.phone.info).toMatchObject({ pan: PAN, keyRevisionNumber: 1, maxFrameBytes: 20, protocolVersion: 1 });
    const report = await w.clock.run(w.phone.requestReport());
    expect(report.frame.length).toBe(50);
    expect(await w.clock.run(w.phone.readLastReport())).toEqual(report.frame);
    const { hsm } = await setup();
    const v = await hsm.verifyReport({ pan: PAN, frame: report.frame }, { operator: 'phone' });
    expect(v).toMatchObject({ ok: true, value: { counter: 1, creditLitres: 1000, form: 'frame' } });
    // The report that follows says the same thing a second way: its last TID is the token's.
    expect((await hsm.reportSummary(PAN)).counter).toBe(1);
  });

  it('a token the meter refuses: the phone learns why (USED after the keypad, CRC for another meter\'s token), nothing applied', async () => {
    const w = world();
    w.meter.enter(TOKEN.token, AT); // typed on the keypad first
    expect(await w.clock.run(w.phone.upload(TOKEN.token))).toMatchObject({ result: 'USED', status: 10, applied: false, creditLitres: 1000 });
    const other = issueCredit(deriveDecoderKey(VK04, { ...params, pan: '600727111111111153' }), { litres: 500, dateTime: '2026-12-01T11:00', rnd: 1 });
    expect(await w.clock.run(w.phone.upload(other.token))).toMatchObject({ result: 'CRC', applied: false });
    expect(w.meter.creditLitres).toBe(1000);
    expect(await errorCode(() => w.phone.upload('1234'))).toBe('FORMAT'); // nothing sent
  });

  it('MTU 247: one frame each way; the meter says its frame size in the meter information', async () => {
    const w = world({ mtu: 247 });
    await w.clock.run(w.phone.upload(TOKEN.token));
    expect(w.phone.info?.maxFrameBytes).toBe(244);
    const before = w.link.count.frames;
    await w.clock.run(w.phone.requestReport());
    expect(w.link.count.frames - before).toBe(2); // REPORT_REQUEST + one REPORT frame
  });

  it('radio cost at MTU 23, counted by hand from the layouts: an upload is 3 frames in 4 ATT PDUs (59 bytes), a report 6 frames in 7 PDUs (117 bytes)', async () => {
    const w = world();
    await w.clock.run(w.phone.connect());
    const c0 = { ...w.link.count };
    await w.clock.run(w.phone.upload(TOKEN.token));
    const c1 = { ...w.link.count };
    // SUBMIT write 3 + 17, write response 1, RESULT (16 bytes) in two notifications 3 + 20 and 3 + 12.
    expect([c1.frames - c0.frames, c1.pdus - c0.pdus, c1.attBytes - c0.attBytes]).toEqual([3, 4, 20 + 1 + 23 + 15]);
    await w.clock.run(w.phone.requestReport());
    const c2 = { ...w.link.count };
    // REPORT_REQUEST write 3 + 8, response 1, REPORT (50 bytes) in 4 notifications of 3 + 20 and one of 3 + 10.
    expect([c2.frames - c1.frames, c2.pdus - c1.pdus, c2.attBytes - c1.attBytes]).toEqual([6, 7, 11 + 1 + 4 * 23 + 13]);
  });

  it('"what happened to message N": the meter answers from memory, for the same token only; an id it never completed is unknown', async () => {
    const w = world();
    const r = await w.clock.run(w.phone.upload(TOKEN.token));
    expect(await w.clock.run(w.phone.query(r.messageId, TOKEN.token))).toMatchObject({ result: 'ACCEPT', applied: true, tid: TOKEN.tid });
    expect(await w.clock.run(w.phone.query(r.messageId, tokenOf(1).token))).toBe(null);
    expect(await w.clock.run(w.phone.query(999, TOKEN.token))).toBe(null);
    expect(w.entries(TOKEN.token)).toEqual(['ACCEPT']); // queries never enter a token
  });

  it('a SUBMIT repeated under the same id is answered from memory, never entered again; the same id with another token is a new message', async () => {
    const w = world();
    await w.clock.run(w.phone.connect());
    const heard: number[][] = [];
    // A second phone's view: raw frames on the same link.
    await w.clock.run(w.link.startNotifications(METER_CHARACTERISTICS.result, (v) => heard.push([...v])));
    for (const token of [TOKEN.token, TOKEN.token, tokenOf(1).token]) {
      for (const f of encodeFrames(MESSAGE.submit, 7, tokenToBytes(token), 20)) await w.clock.run(w.link.writeWithResponse(METER_CHARACTERISTICS.command, f));
      await w.clock.advance(100);
    }
    expect(w.entries(TOKEN.token)).toEqual(['ACCEPT']);
    expect(w.entries(tokenOf(1).token)).toEqual(['ACCEPT']);
    expect(w.meter.creditLitres).toBe(2000);
    expect(heard.length).toBe(6); // three answers of two frames each
    expect(heard[0]).toEqual(heard[2]); // the repeat: the same answer
  });

  it('a slow meter (5 s per message, longer than the phone waits): BUSY, then the outcome; applied once', async () => {
    const w = world({ processingMs: 5000 });
    const r = await w.clock.run(w.phone.upload(TOKEN.token));
    expect(r).toMatchObject({ result: 'ACCEPT', applied: true });
    expect(w.entries(TOKEN.token)).toEqual(['ACCEPT']);
    const report = await w.clock.run(w.phone.requestReport());
    expect(report.frame.length).toBe(50);
    expect(w.meter.reportCounter).toBe(1); // repeated report requests (same id) made one report
  });

  it('a meter out of reach for every attempt: LINK, saying the token\'s fate is unknown and what to do', async () => {
    const w = world({ faults: (p) => (p.op === 'write' && p.characteristic === METER_CHARACTERISTICS.command ? { kind: 'drop' } : undefined) });
    const e = await w.clock.run(w.phone.upload(TOKEN.token)).catch((x: unknown) => x as Error);
    expect(e).toMatchObject({ code: 'LINK' });
    expect((e as Error).message).toMatch(/keypad/);
    expect(w.entries(TOKEN.token)).toEqual([]);
  });

  for (const mtu of [23, 247]) {
    it(`one fault at every step of an upload and a report (MTU ${mtu}): every kind of fault, applied exactly once, the phone always learns`, async () => {
      const steps = (await cleanSteps(mtu)).length;
      const kinds: LinkFault[] = [
        { kind: 'disconnect' }, { kind: 'drop' }, { kind: 'duplicate' }, { kind: 'delay', ms: 4000 }, { kind: 'delay', ms: 40 },
        { kind: 'truncate', keep: 5 }, { kind: 'corrupt', at: 7, xor: 0x21 },
      ];
      const reportKey = deriveReportKey(decoderKeyBytes(key), PAN, 1);
      let cases = 0;
      for (let step = 0; step < steps; step++) {
        for (const fault of kinds) {
          const w = world({ mtu, faults: (p) => (p.step === step ? fault : undefined) });
          const r = await w.clock.run(w.phone.upload(TOKEN.token));
          expect(r, `${fault.kind} at step ${step}`).toMatchObject({ result: 'ACCEPT', applied: true, creditLitres: 1000 });
          expect(w.entries(TOKEN.token), `${fault.kind} at step ${step}`).toEqual(['ACCEPT']);
          const report = await w.clock.run(w.phone.requestReport());
          // The frame arrives intact (tag under the meter's report key); the property below takes every report to the security module.
          expect(verifyReportFrame(report.frame, reportKey), `${fault.kind} at step ${step}`).toMatchObject({ ok: true, value: { counter: 1, creditLitres: 1000, lastTid: TOKEN.tid } });
          cases++;
        }
      }
      expect(cases).toBeGreaterThan(7 * 10);
    });
  }

  it('property: random faults (up to 4, any kind, any step) and a slow or quick meter: applied at most once, the phone learns it, the report verifies', async () => {
    const fault = fc.oneof(
      fc.constant<LinkFault>({ kind: 'disconnect' }), fc.constant<LinkFault>({ kind: 'drop' }), fc.constant<LinkFault>({ kind: 'duplicate' }),
      fc.integer({ min: 1, max: 6000 }).map((ms): LinkFault => ({ kind: 'delay', ms })),
      fc.nat(30).map((keep): LinkFault => ({ kind: 'truncate', keep })),
      fc.record({ at: fc.nat(300), xor: fc.integer({ min: 1, max: 255 }) }).map((c): LinkFault => ({ kind: 'corrupt', ...c })),
    );
    const { hsm } = await setup();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(60), fault), { maxLength: 4 }), fc.constantFrom(23, 247), fc.constantFrom(0, 20, 4000), fc.boolean(),
        async (plan, mtu, processingMs, typedFirst) => {
          const at = new Map(plan.map(([s, f]) => [s, f]));
          const w = world({ mtu, processingMs, faults: (p) => at.get(p.step) });
          w.meter.reportCounter = ++run * 10; // one security module for all runs: counters keep rising
          if (typedFirst) w.meter.enter(TOKEN.token, AT);
          const r = await w.clock.run(w.phone.upload(TOKEN.token));
          const entries = w.entries(TOKEN.token);
          expect(entries.filter((e) => e === 'ACCEPT').length).toBe(1); // applied once, never twice
          if (typedFirst) expect(r).toMatchObject({ result: 'USED', applied: false });
          else {
            expect(r).toMatchObject({ result: 'ACCEPT', applied: true, tid: TOKEN.tid });
            expect(entries).toEqual(['ACCEPT']);
          }
          const report = await w.clock.run(w.phone.requestReport());
          // Repeated report requests (same id) made one report, and it verifies at the security module.
          expect(w.meter.reportCounter).toBe(run * 10 + 1);
          const v = await hsm.verifyReport({ pan: PAN, frame: report.frame }, { operator: 'phone' });
          expect(v).toMatchObject({ ok: true, value: { counter: run * 10 + 1, creditLitres: 1000 } });
        },
      ),
      { numRuns: 60 },
    );
    expect((await hsm.reportSummary(PAN)).reports).toBe(run);
  });
});
