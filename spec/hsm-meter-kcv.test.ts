// Issue #14: `hsm meter show` prints the key check value that `meter status` prints for the same
// key, so an operator can compare the module's view of a meter's key with the meter's.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_KEY } from '../src/keys/demo-key';
import { panOf } from './hsm-support';
import { runCapture } from './support';

const dir = mkdtempSync(join(tmpdir(), 'hydrosync-kcv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hsm meter show: key check value', () => {
  it('equals the KCV meter status shows for the same meter; another key gives another KCV', async () => {
    const master = join(dir, 'master.key');
    writeFileSync(master, `${'cd'.repeat(32)}\n`, { mode: 0o600 });
    const env = { HYDROSYNC_STORE: join(dir, 'hsm.sqlite'), HYDROSYNC_MASTER_KEY_FILE: master, HYDROSYNC_OPERATOR: 'alice' };
    expect((await runCapture(['hsm', 'init'], { env })).code).toBe(0);
    const imp = await runCapture(['hsm', 'key', 'import', '--id', 'demo', '--sgc', '201457', '--krn', '1', '--base-date', '2014', '--ea', '11'], { env: { ...env, HYDROSYNC_VENDING_KEY: DEMO_KEY.vendingKey } });
    expect(imp.code, imp.stderr).toBe(0);
    const other = panOf(2);
    for (const pan of [DEMO_KEY.pan, other]) {
      const add = await runCapture(['hsm', 'meter', 'add', '--pan', pan, '--customer-ref', pan, '--vending-key-id', 'demo'], { env });
      expect(add.code, add.stderr).toBe(0);
    }
    const state = join(dir, 'meter.json');
    expect((await runCapture(['meter', 'init', '--demo-key', '--manufactured', '2026-11-01T00:00', '--state', state])).code).toBe(0);
    const status = await runCapture(['meter', 'status', '--state', state, '--json']);
    const meterKcv = JSON.parse(status.stdout).key.kcv as string;
    expect(meterKcv).toMatch(/^[0-9A-F]{6}$/);
    const show = await runCapture(['hsm', 'meter', 'show', DEMO_KEY.pan, '--json'], { env });
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout).kcv).toBe(meterKcv);
    const text = await runCapture(['hsm', 'meter', 'show', DEMO_KEY.pan], { env });
    expect(text.stdout).toMatch(new RegExp(`Key check value\\s+${meterKcv}`));
    const otherShow = await runCapture(['hsm', 'meter', 'show', other, '--json'], { env });
    expect(JSON.parse(otherShow.stdout).kcv).not.toBe(meterKcv);
  });
});
