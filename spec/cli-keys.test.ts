import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_KEY } from '../src/keys/demo-key';
import { deriveDecoderKey } from '../src/keys/derive';
import { runCapture as run } from './support';

const VK = DEMO_KEY.vendingKey;
const PARAMS = ['--pan', '600727000000000009', '--sgc', '201457', '--ti', '01', '--krn', '1', '--kt', '2', '--base-date', '2014', '--ea', '11'];
const DK = deriveDecoderKey(VK, {
  dkga: '04', keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, pan: '600727000000000009',
  baseDate: 2014, encryptionAlgorithm: '11',
}).exportHex();
const DK2 = deriveDecoderKey(VK, {
  dkga: '04', keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 2, pan: '600727000000000009',
  baseDate: 2014, encryptionAlgorithm: '11',
}).exportHex();

/** Neither the vending key nor a decoder key (nor a long piece of one) appears in the text. */
function expectNoKeys(text: string): void {
  const t = text.toLowerCase();
  for (const secret of [VK, DK, DK2]) {
    for (let i = 0; i + 12 <= secret.length; i += 4) expect(t).not.toContain(secret.slice(i, i + 12));
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hydrosync-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('key derive', () => {
  it('prints the attributes and a KCV, not the key', async () => {
    const r = await run(['key', 'derive', ...PARAMS], { env: { HYDROSYNC_VENDING_KEY: VK } });
    expect(r.code, r.stderr).toBe(0);
    for (const s of ['DKGA', 'EA11', '201457', '600727000000000009', '2014', 'Key check value']) expect(r.stdout).toContain(s);
    expect(r.stdout).toMatch(/Key check value\s+[0-9A-F]{6}/);
    expect(r.stderr).toBe('');
    expectNoKeys(r.stdout + r.stderr);
  });

  it('--json gives attributes and kcv; --reveal adds the key (explicit request only)', async () => {
    const r = await run(['key', 'derive', '--demo-key', '--json']);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j).toMatchObject({ dkga: '04', encryptionAlgorithm: '11', keyType: 2, supplyGroupCode: '201457', keyRevisionNumber: 1, baseDate: 2014 });
    expect(j.kcv).toMatch(/^[0-9A-F]{6}$/);
    expect(j.decoderKey).toBeUndefined();
    expectNoKeys(r.stdout + r.stderr);
    const shown = await run(['key', 'derive', '--demo-key', '--reveal']);
    expect(shown.stdout).toContain(DK);
    const shownJson = await run(['key', 'derive', '--demo-key', '--json', '--reveal']);
    expect((JSON.parse(shownJson.stdout) as { decoderKey: string }).decoderKey).toBe(DK);
  });

  it('--demo-key prints a one-line notice on stderr', async () => {
    const r = await run(['key', 'derive', '--demo-key']);
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^hydrosync: warning: .*public test key.*never use it in production/);
  });

  it('--out writes a 0600 decoder key file, refuses to overwrite, --force replaces; --key-file reads it back', async () => {
    const file = join(dir, 'meter.key.json');
    const r = await run(['key', 'derive', '--demo-key', '--out', file]);
    expect(r.code, r.stderr).toBe(0);
    expectNoKeys(r.stdout + r.stderr);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const content = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(content).toMatchObject({ format: 'hydrosync-key/1', decoderKey: DK, keyRevisionNumber: 1, baseDate: 2014, encryptionAlgorithm: '11' });

    const again = await run(['key', 'derive', '--demo-key', '--krn', '2', '--out', file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists.*--force/);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { decoderKey: string }).decoderKey).toBe(DK);

    writeFileSync(file, readFileSync(file)); // keep content
    const forced = await run(['key', 'derive', '--demo-key', '--krn', '2', '--out', file, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { decoderKey: string }).decoderKey).toBe(DK2);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);

    const t = await run(['token', 'generate', 'credit', '--key-file', file, '--m3', '1', '--date-time', '2026-12-01T09:30', '--json']);
    expect(t.code, t.stderr).toBe(0);
    expectNoKeys(t.stdout + t.stderr);
    const d = await run(['token', 'decode', '--key-file', file, (JSON.parse(t.stdout) as { token: string }).token]);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/1 m³ \(1000 L\)/);
  });

  it('needs a vending key', async () => {
    const file = join(dir, 'dk-only.json');
    writeFileSync(file, JSON.stringify({ format: 'hydrosync-key/1', decoderKey: DK, encryptionAlgorithm: '11', baseDate: 2014 }));
    const r = await run(['key', 'derive', '--key-file', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs a vending key/);
  });
});

describe('key input', () => {
  it('a key file with vending key and parameters; flags override its attributes', async () => {
    const file = join(dir, 'vk.json');
    writeFileSync(file, JSON.stringify({ format: 'hydrosync-key/1', ...DEMO_KEY }));
    const a = await run(['key', 'derive', '--key-file', file, '--json']);
    expect(a.code, a.stderr).toBe(0);
    const b = await run(['key', 'derive', '--key-file', file, '--krn', '2', '--json']);
    expect(JSON.parse(b.stdout)).toMatchObject({ keyRevisionNumber: 2 });
    expect((JSON.parse(b.stdout) as { kcv: string }).kcv).not.toBe((JSON.parse(a.stdout) as { kcv: string }).kcv);
  });

  it('missing key → exit 2, naming the options', async () => {
    const r = await run(['token', 'generate', 'credit', '--m3', '1', '--tid', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^hydrosync: .*--key-file.*HYDROSYNC_VENDING_KEY/);
  });

  it('--sgc and --ti are read as every command reads them: a 1-digit TI is padded; a bad one names the flag and its short value', async () => {
    const padded = await run(['key', 'derive', '--demo-key', '--ti', '2', '--json']);
    expect(padded.code, padded.stderr).toBe(0);
    expect(JSON.parse(padded.stdout)).toMatchObject({ tariffIndex: '02' });
    const sgc = await run(['key', 'derive', '--demo-key', '--sgc', '12345']);
    expect(sgc.code).toBe(2);
    expect(sgc.stderr).toContain('hydrosync: --sgc must be a 6-digit supply group code; got "12345"\n');
    const long = await run(['token', 'generate', 'credit', '--demo-key', '--m3', '1', '--tid', '5', '--ti', VK]);
    expect(long.code).toBe(2);
    expect(long.stderr).toContain(`--ti must be a 2-digit tariff index; got ${VK.length} characters`);
    expectNoKeys(long.stderr);
  });

  it('a vending key from the environment needs its parameters', async () => {
    const r = await run(['key', 'derive'], { env: { HYDROSYNC_VENDING_KEY: VK } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--pan, --sgc, --ti, --krn, --kt, --base-date, --ea/);
    expectNoKeys(r.stderr);
  });

  it('--vending-key on the command line works but warns', async () => {
    const r = await run(['key', 'derive', '--vending-key', VK, ...PARAMS]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('key material on the command line ends up in shell history and process lists; use --key-file or HYDROSYNC_VENDING_KEY');
    expectNoKeys(r.stdout);
  });

  it('key material never appears in errors, even for malformed keys', async () => {
    const bad = `${VK.slice(0, 39)}z`;
    const cases: [string[], Record<string, string>][] = [
      [['key', 'derive', ...PARAMS], { HYDROSYNC_VENDING_KEY: bad }],
      [['key', 'derive', ...PARAMS], { HYDROSYNC_VENDING_KEY: `${VK}ab` }],
      [['key', 'derive', '--vending-key', bad, ...PARAMS], {}],
      [['token', 'decode', '--base-date', '2014', '00000000000150997584'], { HYDROSYNC_DECODER_KEY: `${DK.slice(0, 31)}g` }],
      [['key', 'derive', ...PARAMS, '--pan', '600727000000000008'], { HYDROSYNC_VENDING_KEY: VK }],
      [['key', 'derive', ...PARAMS, '--ea', '07', '--dkga', '02'], { HYDROSYNC_VENDING_KEY: VK }],
    ];
    for (const [args, env] of cases) {
      const r = await run(args, { env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^hydrosync: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expectNoKeys(r.stdout + r.stderr);
      expect(r.stderr.toLowerCase()).not.toContain(bad.slice(0, 12));
    }
  });

  it('secrets stay out of every output of every command', async () => {
    const outputs: string[] = [];
    const collect = async (args: string[], env: Record<string, string> = {}) => {
      const r = await run(args, { env });
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    await collect(['demo']);
    await collect(['key', 'derive', '--demo-key']);
    await collect(['key', 'derive', '--demo-key', '--json']);
    const t = await collect(['token', 'generate', 'credit', '--demo-key', '--m3', '5', '--date-time', '2026-12-01T09:30', '--json']);
    await collect(['token', 'decode', '--demo-key', (JSON.parse(t.stdout) as { token: string }).token]);
    const kc = await collect(['token', 'generate', 'key-change', '--demo-key', '--new-krn', '2', '--json']);
    await collect(['token', 'generate', 'key-change', '--demo-key', '--new-krn', '2']);
    const tokens = (JSON.parse(kc.stdout) as { tokens: string[] }).tokens;
    await collect(['token', 'decode', '--demo-key', ...tokens]);
    await collect(['token', 'decode', '--demo-key', '--json', ...tokens]);
    await collect(['token', 'generate', 'credit', '--m3', '5', '--tid', '100', ...PARAMS], { HYDROSYNC_VENDING_KEY: VK });
    expectNoKeys(outputs.join('\n'));
  });

  it('key file problems exit 2 without quoting the file', async () => {
    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, `{"vendingKey": "${VK}", oops}`);
    const wrongFormat = join(dir, 'wrong-format.json');
    writeFileSync(wrongFormat, JSON.stringify({ format: 'hydrosync-key/9', vendingKey: VK }));
    const unknownField = join(dir, 'unknown-field.json');
    writeFileSync(unknownField, JSON.stringify({ vendingKey: VK, supplygroupcode: '201457' }));
    for (const [file, pattern] of [
      [notJson, /not valid JSON/],
      [wrongFormat, /format "hydrosync-key\/9"; expected "hydrosync-key\/1"/],
      [unknownField, /unknown field "supplygroupcode"/],
      [join(dir, 'missing.json'), /cannot read key file .*no such file/],
    ] as const) {
      const r = await run(['key', 'derive', '--key-file', file]);
      expect(r.code, file).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
      expectNoKeys(r.stderr);
    }
  });

  it('EA07 without production tables warns; --sta-tables loads them (and bad tables exit 2)', async () => {
    const r = await run(['key', 'derive', '--demo-key', '--ea', '07']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/sample STA tables.*production meters/);
    const tables = join(dir, 'tables.json');
    const s1 = [12, 10, 8, 4, 3, 15, 0, 2, 14, 1, 5, 13, 6, 9, 7, 11];
    const s2 = [6, 9, 7, 4, 3, 10, 12, 14, 2, 13, 1, 15, 0, 11, 8, 5];
    writeFileSync(tables, JSON.stringify({
      format: 'hydrosync-sta-tables/1', name: 'test-set', substitution1: s2, substitution2: s1,
      permutation: Array.from({ length: 64 }, (_, i) => (i * 5 + 3) % 64),
    }));
    const p = await run(['key', 'derive', '--demo-key', '--ea', '07', '--sta-tables', tables]);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toContain('STA tables "test-set"');
    expect(p.stderr).not.toMatch(/sample STA tables/);
    const viaEnv = await run(['key', 'derive', '--demo-key', '--ea', '07'], { env: { HYDROSYNC_STA_TABLES: tables } });
    expect(viaEnv.stdout).toContain('STA tables "test-set"');
    const broken = join(dir, 'bad-tables.json');
    writeFileSync(broken, JSON.stringify({ format: 'hydrosync-sta-tables/1', name: 'x', substitution1: [1, 2], substitution2: s1, permutation: [] }));
    const bad = await run(['key', 'derive', '--demo-key', '--ea', '07', '--sta-tables', broken]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^hydrosync: TABLES: /);
  });

  it('EA09 keys print the deprecation warning', async () => {
    const r = await run(['key', 'derive', ...PARAMS, '--ea', '09'], { env: { HYDROSYNC_VENDING_KEY: 'abababababababab' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: EA09 \(DES\) is deprecated/);
  });
});
