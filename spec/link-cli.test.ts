import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_KEY } from '../src/keys/demo-key';
import { deriveDecoderKey } from '../src/keys/derive';
import type { KeyParameters } from '../src/keys/types';
import { deriveReportKey, verifyReportFrame } from '../src/report';
import { decoderKeyBytes } from '../src/keys/decoder-key';
import { hexToBytes } from '../src/codec/hex';
import { issueCredit } from '../src/tokens/issue';
import { runCapture as run } from './support';

// `hydrosync link send` and `link report` (issue #12): the phone role and the simulated meter of a
// state file, both in-process over the in-memory link.

const dir = mkdtempSync(join(tmpdir(), 'hydrosync-link-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = deriveDecoderKey(DEMO_KEY.vendingKey, DEMO_KEY as unknown as KeyParameters);
const T5 = issueCredit(key, { litres: 5000, dateTime: '2026-12-01T09:30', rnd: 7 });
const T2 = issueCredit(key, { litres: 2000, dateTime: '2026-12-01T09:40', rnd: 3 });
let n = 0;
const json = (s: string) => JSON.parse(s) as any;

async function init(): Promise<string> {
  const state = join(dir, `meter-${++n}.json`);
  const r = await run(['meter', 'init', '--demo-key', '--manufactured', '2026-11-01T00:00', '--state', state]);
  expect(r.code, r.stderr).toBe(0);
  return state;
}

describe('hydrosync link', () => {
  it('send: the token reaches the meter (saved in the state), a report comes back and verifies under the meter\'s report key', async () => {
    const state = await init();
    const r = await run(['link', 'send', '--state', state, '--at', '2026-12-08T09:00', '--token', T5.grouped]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${T5.grouped}  ACCEPT  Token accepted  \\+5000 L  credit 5 m³ \\(5000 L\\)  \\(message 1\\)`));
    expect(r.stdout).toMatch(/Report over the link: report 1: remaining 5 m³ \(5000 L\)/);
    // SUBMIT 1 frame, RESULT 16 bytes = 2 frames, REPORT_REQUEST 1, REPORT 50 bytes = 5 frames of 12 payload bytes.
    expect(r.stdout).toMatch(/Radio \(MTU 23\): 9 link frames, \d+ ATT PDUs/);
    const s = json(readFileSync(state, 'utf8'));
    expect(s.creditLitres).toBe(5000);
    expect(s.reportCounter).toBe(1);
    // Sent again: the meter refuses it (USED), exit 1, nothing added.
    const again = await run(['link', 'send', '--state', state, '--json', '--no-report', '--token', T5.token]);
    expect(again.code).toBe(1);
    expect(json(again.stdout).uploads[0]).toMatchObject({ result: 'USED', applied: false, creditLitres: 5000 });
    expect(json(again.stdout).report).toBe(null);
  });

  it('send --json at MTU 247 under faults: applied once, the report frame verifies', async () => {
    const state = await init();
    const r = await run(['link', 'send', '--state', state, '--at', '2026-12-08T09:00', '--mtu', '247', '--json',
      '--fault', 'disconnect@8', '--fault', 'corrupt@12', '--token', T5.token, '--token', T2.token]);
    expect(r.code, r.stderr).toBe(0);
    const out = json(r.stdout);
    expect(out.uploads.map((u: any) => [u.result, u.litres])).toEqual([['ACCEPT', 5000], ['ACCEPT', 2000]]);
    expect(out.report).toMatchObject({ counter: 1, creditLitres: 7000 });
    expect(out.mtu).toBe(247);
    const v = verifyReportFrame(hexToBytes(out.report.frame), deriveReportKey(decoderKeyBytes(key), DEMO_KEY.pan, 1));
    expect(v).toMatchObject({ ok: true, value: { creditLitres: 7000, lastTid: T2.tid } });
    expect(json(readFileSync(state, 'utf8')).creditLitres).toBe(7000);
  });

  it('report: a report over the link; usage errors exit 2', async () => {
    const state = await init();
    expect((await run(['link', 'report', '--state', state])).code).toBe(2); // the meter clock is not set
    const r = await run(['link', 'report', '--state', state, '--at', '2026-12-08T09:00', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r.stdout).report).toMatchObject({ counter: 1, creditLitres: 0 });
    expect((await run(['link', 'send', '--state', state])).code).toBe(2);
    expect((await run(['link', 'send', '--state', state, '--fault', 'melt@3', '--token', T5.token])).code).toBe(2);
    expect((await run(['link', 'send', '--state', state, '--mtu', '22', '--token', T5.token])).code).toBe(2);
    expect((await run(['link'])).code).toBe(2);
  });
});
