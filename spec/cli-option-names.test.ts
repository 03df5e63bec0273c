// One name per concept across `token generate` and `hsm`: key-change, --three-token-set,
// --mfr-code. The old spellings (hsm keychange, --three-token, --mfr) still work, hidden from help.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/node/hsm-sqlite-store';
import { MASTER_HEX, OP, PAN, PAN2, VK02, setup } from './hsm-support';
import { runCapture } from './support';

describe('one name per concept, old spellings as hidden aliases', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hydrosync-names-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('token generate test: --mfr-code and the old --mfr make the same token; help shows only --mfr-code', async () => {
    const a = await runCapture(['token', 'generate', 'test', '--control', '0x1', '--mfr-code', '12']);
    const b = await runCapture(['token', 'generate', 'test', '--control', '0x1', '--mfr', '12']);
    const zero = await runCapture(['token', 'generate', 'test', '--control', '0x1']);
    expect(a.code, a.stderr).toBe(0);
    expect(b).toEqual(a);
    expect(zero.stdout).not.toBe(a.stdout); // the code is in the token
    const help = (await runCapture(['token', 'generate', 'test', '--help'])).stdout;
    expect(help).toContain('--mfr-code <n>');
    expect(help).not.toMatch(/--mfr </);
  });

  it('token generate water-meter-factor: --factor (as in hsm manage) and the old --raw make the same token; none is a usage error', async () => {
    const base = ['token', 'generate', 'water-meter-factor', '--demo-key', '--date-time', '2026-12-01T09:30', '--json'];
    const a = await runCapture([...base, '--factor', '1000']);
    const b = await runCapture([...base, '--raw', '1000']);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ fields: { waterMeterFactor: 1000 } });
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ fields: { waterMeterFactor: 1000 } }); // RND differs: compare the field
    const none = await runCapture(base);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--factor');
    const help = (await runCapture(['token', 'generate', 'water-meter-factor', '--help'])).stdout;
    expect(help).toContain('--factor <n>');
    expect(help).not.toContain('--raw');
  });

  it('hsm key-change --three-token-set and the old hsm keychange --three-token issue the same 3-token set', async () => {
    const store = join(dir, 'hsm.sqlite');
    const { hsm } = await setup({ store: openSqliteStore(store, { create: true }), meter: false, start: '2024-06-01T02:30:00Z' });
    const imp = (id: string, sgc: string, hex: string) => hsm.importVendingKey({ id, keyHex: hex, dkga: '02', supplyGroupCode: sgc, keyRevisionNumber: 1, vendingKeyType: 'unique', baseDate: 1993, encryptionAlgorithm: '07', activeFrom: '2000-01-01T00:00' }, OP);
    await imp('d02-a', '123456', VK02);
    await imp('d02-b', '654321', '0123456789abcdef');
    for (const pan of [PAN, PAN2]) await hsm.addMeter({ pan, customerReference: 'A', supplyGroupCode: '123456', keyRevisionNumber: 1, encryptionAlgorithm: '07', baseDate: 1993 }, OP);
    await hsm.close();
    const env = { HYDROSYNC_STORE: store, HYDROSYNC_MASTER_KEY: MASTER_HEX, HYDROSYNC_OPERATOR: 'alice' };
    const kc = async (args: string[]) => {
      const r = await runCapture(['hsm', ...args, '--new-vending-key-id', 'd02-b', '--json'], { env });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { tokens: string[] };
    };
    expect((await kc(['key-change', '--pan', PAN, '--three-token-set'])).tokens).toHaveLength(3);
    expect((await kc(['keychange', '--pan', PAN2, '--three-token'])).tokens).toHaveLength(3);
    const help = (await runCapture(['hsm', 'key-change', '--help'])).stdout;
    expect(help).toMatch(/^Usage: hydrosync hsm key-change/);
    expect(help).toContain('--three-token-set');
    expect(help).not.toMatch(/--three-token\s/);
  });
});
