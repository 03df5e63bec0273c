// `hydrosync key generate`: keys from the CSPRNG into 0600 files, never echoed, never overwritten
// without --force; the files work with the commands that read them.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCapture as run } from './support';

const dir = mkdtempSync(join(tmpdir(), 'hydrosync-key-generate-'));

describe('key generate', () => {
  it('vending keys of 20 bytes (DKGA04) and 8 bytes (DKGA02): mode 0600, not echoed, usable by key derive', async () => {
    for (const [dkga, hexDigits] of [['04', 40], ['02', 16]] as const) {
      const out = join(dir, 'new', `vk${dkga}.json`); // the folder does not exist yet
      const r = await run(['key', 'generate', 'vending', '--dkga', dkga, '--out', out, '--sgc', '600727', '--ti', '01', '--krn', '1', '--kt', '2', '--base-date', '2014', '--ea', dkga === '04' ? '11' : '07']);
      expect(r.code, r.stderr).toBe(0);
      expect(statSync(out).mode & 0o777).toBe(0o600);
      const file = JSON.parse(readFileSync(out, 'utf8'));
      expect(file.vendingKey).toMatch(new RegExp(`^[0-9a-f]{${hexDigits}}$`));
      expect(r.stdout + r.stderr).not.toContain(file.vendingKey);
      expect(r.stdout).toContain(`${hexDigits * 4}-bit vending key (DKGA${dkga})`);
      const d = await run(['key', 'derive', '--key-file', out, '--pan', '600727000000000009', '--json']);
      expect(d.code, d.stderr).toBe(0);
      expect(JSON.parse(d.stdout)).toMatchObject({ keyRevisionNumber: 1, supplyGroupCode: '600727' });
    }
  });

  it('two keys are different (CSPRNG), a master key has 32 bytes and opens a new store', async () => {
    const a = join(dir, 'm1.key');
    const b = join(dir, 'm2.key');
    for (const f of [a, b]) expect((await run(['key', 'generate', 'master', '--out', f, '--quiet'])).stdout).toBe('');
    const ka = JSON.parse(readFileSync(a, 'utf8')).masterKey;
    const kb = JSON.parse(readFileSync(b, 'utf8')).masterKey;
    expect(ka).toMatch(/^[0-9a-f]{64}$/);
    expect(ka).not.toBe(kb);
    const init = await run(['hsm', 'init', '--store', join(dir, 'store', 'deep', 'hsm.sqlite'), '--master-key-file', a]);
    expect(init.code, init.stderr).toBe(0);
  });

  it('refuses to overwrite without --force (exit 2, file unchanged); --force replaces it', async () => {
    const f = join(dir, 'keep.json');
    writeFileSync(f, 'precious');
    const r = await run(['key', 'generate', 'vending', '--out', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already exists; give --force/);
    expect(readFileSync(f, 'utf8')).toBe('precious');
    expect((await run(['key', 'generate', 'vending', '--out', f, '--force'])).code).toBe(0);
    expect(statSync(f).mode & 0o777).toBe(0o600);
  });

  it('usage errors: unknown kind, bad --dkga, attributes on a master key', async () => {
    expect((await run(['key', 'generate', 'decoder', '--out', join(dir, 'x')])).code).toBe(2);
    expect((await run(['key', 'generate', 'vending', '--dkga', '03', '--out', join(dir, 'x')])).code).toBe(2);
    expect((await run(['key', 'generate', 'master', '--krn', '1', '--out', join(dir, 'x')])).code).toBe(2);
    expect((await run(['key', 'generate', 'vending', '--krn', '10', '--out', join(dir, 'x')])).code).toBe(2);
  });
});
