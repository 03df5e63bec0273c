// `hydrosync meter report` → `hydrosync hsm report submit|show` in-process: exit codes, JSON, refusals.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_KEY } from '../src/keys/demo-key';
import { runCapture } from './support';

const dir = mkdtempSync(join(tmpdir(), 'hydrosync-cli-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { HYDROSYNC_STORE: join(dir, 'hsm.sqlite'), HYDROSYNC_MASTER_KEY_FILE: join(dir, 'master.key'), HYDROSYNC_OPERATOR: 'web', HYDROSYNC_METER_STATE: join(dir, 'meter.json') };
const run = (args: string[], extra: Record<string, string> = {}) => runCapture(args, { env: { ...env, ...extra } });
const PAN = DEMO_KEY.pan;

describe('hsm report', () => {
  it('submits a code and a frame made by the simulated meter; refuses replays and mistypes with exit 1; show summarises', async () => {
    expect((await run(['hsm', 'init', '--generate-master-key', env.HYDROSYNC_MASTER_KEY_FILE, '--utc-offset', '420'])).code).toBe(0);
    expect((await run(['hsm', 'key', 'import', '--id', 'k1', '--sgc', '201457', '--krn', '1', '--base-date', '2014', '--ea', '11', '--active-from', '2026-01-01T00:00'], { HYDROSYNC_VENDING_KEY: DEMO_KEY.vendingKey })).code).toBe(0);
    expect((await run(['hsm', 'meter', 'add', '--pan', PAN, '--customer-ref', 'C1'])).code).toBe(0);
    expect((await run(['meter', 'init', '--demo-key', '--manufactured', '2026-11-01T00:00'])).code).toBe(0);
    const r1 = JSON.parse((await run(['meter', 'report', '--at', '2026-12-01T09:00', '--json'])).stdout) as { code: string; frame: string };
    const ok = await run(['hsm', 'report', 'submit', '--pan', PAN, r1.code, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, counter: 1, creditLitres: 0, form: 'code' });
    const again = await run(['hsm', 'report', 'submit', '--pan', PAN, r1.code]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/USED/);
    const typo = r1.code.slice(0, 19) + String((Number(r1.code[19]) + 1) % 10);
    const bad = await run(['hsm', 'report', 'submit', '--pan', PAN, typo, '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).error.code).toMatch(/^(MAC|FUNCTION)$/);
    const r2 = JSON.parse((await run(['meter', 'report', '--json'])).stdout) as { frame: string };
    expect((await run(['hsm', 'report', 'submit', '--pan', PAN, '--frame', r2.frame])).code).toBe(0);
    expect((await run(['hsm', 'report', 'submit', '--pan', PAN])).code).toBe(2);
    const show = await run(['hsm', 'report', 'show', '--pan', PAN, '--json']);
    expect(JSON.parse(show.stdout)).toMatchObject({ reports: 2, counter: 2, creditLitres: 0, alerts: ['low-credit', 'valve-closed'] });
    const text = await run(['hsm', 'report', 'show', '--pan', PAN]);
    expect(text.stdout).toMatch(/Alerts\s+low-credit, valve-closed/);
  });
});
