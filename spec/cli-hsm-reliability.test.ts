// Reliability of `hydrosync hsm` as real processes (issue #4 §6), with the built CLI
// (bin/hydrosync.js → dist/cli.js; `npm test` builds it, or `npx tsup --silent`):
// parallel vends for one meter, a process killed in the middle of vending, a wrong master key,
// a corrupt store and a bad key file.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_KEY } from '../src/keys/demo-key';

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'hydrosync.js');
const built = existsSync(join(root, 'dist', 'cli.js'));

const dir = mkdtempSync(join(tmpdir(), 'hydrosync-hsm-rel-'));
const STORE = join(dir, 'hsm.sqlite');
const MASTER_HEX = randomBytes(32).toString('hex');
const PAN = DEMO_KEY.pan;
const ENV = { PATH: process.env.PATH ?? '', HYDROSYNC_STORE: STORE, HYDROSYNC_MASTER_KEY: MASTER_HEX, HYDROSYNC_OPERATOR: 'reliability' };

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function hydrosync(args: string[], env: Record<string, string> = ENV): Promise<Run> {
  return spawnNode([bin, ...args], env);
}

function spawnNode(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

async function ok(args: string[], env?: Record<string, string>): Promise<any> {
  const r = await hydrosync([...args, '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as unknown;
}

const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

interface AuditRec { seq: number; kind: string; outcome: string; pan: string | null; tid: number | null; tokenHash: string | null }

async function auditRecords(): Promise<AuditRec[]> {
  return ((await ok(['hsm', 'audit', 'list', '--all'])) as { records: AuditRec[] }).records;
}

/** Issued vend records (TID and token hash). */
const issuedVends = (records: AuditRec[]) => records.filter((r) => r.kind.startsWith('vend') && r.outcome === 'issued');

describe.skipIf(!built)('hsm reliability (built CLI, real processes)', () => {
  beforeAll(async () => {
    const keyFile = join(dir, 'vk.json');
    writeFileSync(keyFile, JSON.stringify({ format: 'hydrosync-key/1', ...DEMO_KEY }), { mode: 0o600 });
    const init = await hydrosync(['hsm', 'init', '--utc-offset', '420']);
    expect(init.code, init.stderr).toBe(0);
    await ok(['hsm', 'key', 'import', '--id', 'demo', '--key-file', keyFile]);
    await ok(['hsm', 'meter', 'add', '--pan', PAN, '--customer-ref', 'C-1']);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('6 processes vending for the same meter at once: no duplicate TID, every vend audited, chain intact', async () => {
    const processes = 6;
    const rounds = 4;
    const results = await Promise.all(Array.from({ length: processes }, async (_, p) => {
      const out: { tid: number; token: string }[] = [];
      for (let i = 0; i < rounds; i++) {
        const r = await hydrosync(['hsm', 'vend', '--pan', PAN, '--litres', String(100 * (p + 1)), '--vending-point', `till-${p}`, '--json']);
        expect(r.code, r.stderr).toBe(0);
        const v = JSON.parse(r.stdout) as { tid: number; tokens: string[] };
        out.push({ tid: v.tid, token: v.tokens[0]! });
      }
      return out;
    }));
    const vends = results.flat();
    expect(vends).toHaveLength(processes * rounds);
    expect(new Set(vends.map((v) => v.tid)).size).toBe(vends.length);
    expect(new Set(vends.map((v) => v.token)).size).toBe(vends.length);

    const records = issuedVends(await auditRecords());
    const byHash = new Map(records.map((r) => [r.tokenHash, r]));
    for (const v of vends) expect(byHash.get(sha256(v.token))?.tid, `audit record of TID ${v.tid}`).toBe(v.tid);
    expect(new Set(records.map((r) => r.tid)).size).toBe(records.length);
    const verify = await hydrosync(['hsm', 'audit', 'verify']);
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('a process killed (SIGKILL) while vending in a loop leaves a consistent store', async () => {
    const script = join(dir, 'vend-loop.mjs');
    writeFileSync(script, `
import { runCli } from ${JSON.stringify(join(root, 'dist', 'cli.js'))};
const io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), env: process.env, now: () => new Date() };
for (;;) {
  const code = await runCli(['node', 'hydrosync', 'hsm', 'vend', '--pan', ${JSON.stringify(PAN)}, '--litres', '100', '--json'], io);
  if (code !== 0) process.exit(code);
}
`);
    const printed: string[] = [];
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, [script], { cwd: root, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
      const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
      await new Promise<void>((resolve) => {
        child.stdout.setEncoding('utf8').on('data', (s: string) => {
          stdout += s;
          if (stdout.split('\n').length > 4 + round * 3) resolve();
        });
        child.on('close', () => resolve());
      });
      await new Promise((r) => setTimeout(r, 3 + round * 7));
      child.kill('SIGKILL');
      expect(await closed, `the loop ran until killed (stderr: ${stderr})`).toBe('SIGKILL');
      for (const line of stdout.split('\n')) {
        try {
          printed.push((JSON.parse(line) as { tokens: string[] }).tokens[0]!);
        } catch {
          // the last line may be cut off by the kill
        }
      }
    }
    expect(printed.length).toBeGreaterThan(6);

    const verify = await hydrosync(['hsm', 'audit', 'verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const records = issuedVends(await auditRecords());
    const hashes = new Set(records.map((r) => r.tokenHash));
    for (const t of printed) expect(hashes.has(sha256(t)), `token ${t} delivered but not audited`).toBe(true);
    const tids = records.map((r) => r.tid!);
    expect(new Set(tids).size).toBe(tids.length);
    const maxTid = Math.max(...tids);
    const meter = await ok(['hsm', 'meter', 'show', PAN]) as { lastTid: number };
    expect(meter.lastTid).toBe(maxTid);

    const next = await ok(['hsm', 'vend', '--pan', PAN, '--m3', '1']) as { tid: number; tokens: string[] };
    expect(next.tid).toBeGreaterThan(maxTid);
    const verified = await ok(['hsm', 'verify', '--pan', PAN, next.tokens[0]!]) as { ok: boolean; fields: { tid: number } };
    expect(verified).toMatchObject({ ok: true, fields: { tid: next.tid } });
  });

  it('a wrong master key: MASTER_KEY, exit 2, the store file unchanged', async () => {
    const before = sha256(readFileSync(STORE));
    const wrong = randomBytes(32).toString('hex');
    for (const args of [['hsm', 'vend', '--pan', PAN, '--m3', '1'], ['hsm', 'meter', 'list'], ['hsm', 'audit', 'verify']]) {
      const r = await hydrosync(args, { ...ENV, HYDROSYNC_MASTER_KEY: wrong });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^hydrosync: MASTER_KEY: [^\n]+\n$/);
      expect(r.stderr + r.stdout).not.toContain(wrong);
      expect(r.stderr + r.stdout).not.toContain(MASTER_HEX);
    }
    const malformed = await hydrosync(['hsm', 'meter', 'list'], { ...ENV, HYDROSYNC_MASTER_KEY: `${MASTER_HEX.slice(0, 63)}g` });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/^hydrosync: MASTER_KEY: .*only hex digits/);
    expect(malformed.stderr).not.toContain(MASTER_HEX.slice(0, 20));
    expect(sha256(readFileSync(STORE))).toBe(before);
    const stillOk = await hydrosync(['hsm', 'audit', 'verify']);
    expect(stillOk.code, stillOk.stderr).toBe(0);
  });

  it('a corrupt store (garbage bytes): STORE, exit 2, the file unchanged; init refuses to overwrite it', async () => {
    const corrupt = join(dir, 'corrupt.sqlite');
    const garbage = randomBytes(16384);
    writeFileSync(corrupt, garbage, { mode: 0o600 });
    for (const args of [['hsm', 'meter', 'list'], ['hsm', 'vend', '--pan', PAN, '--m3', '1'], ['hsm', 'init']]) {
      const r = await hydrosync([...args, '--store', corrupt]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^hydrosync: STORE: [^\n]+\n$/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(readFileSync(corrupt).equals(garbage)).toBe(true);
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a database\n');
    const r = await hydrosync(['hsm', 'audit', 'verify', '--store', text]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hydrosync: STORE: /);
    expect(readFileSync(text, 'utf8')).toBe('not a database\n');
  });

  it('a bad key file: a clear error, nothing imported, the audit log unchanged', async () => {
    const before = await auditRecords();
    const keysBefore = (await ok(['hsm', 'key', 'list'])).vendingKeys as unknown[];
    const cases: [string, string, RegExp][] = [
      ['not-json.json', '{"format":"hydrosync-key/1", "vendingKey": ', /^hydrosync: FORMAT: key file .* is not valid JSON/],
      ['short.json', JSON.stringify({ ...DEMO_KEY, vendingKey: DEMO_KEY.vendingKey.slice(0, 30) }), /^hydrosync: KEY: .*40 \(160 bits, DKGA04\); got 30 characters/],
      ['unknown-field.json', JSON.stringify({ ...DEMO_KEY, secret: 1 }), /^hydrosync: KEY: key file .* unknown field "secret"/],
      ['missing.json', '', /^hydrosync: IO: cannot read key file .*no such file/],
    ];
    for (const [name, content, message] of cases) {
      const file = join(dir, name);
      if (content !== '') writeFileSync(file, content);
      const r = await hydrosync(['hsm', 'key', 'import', '--id', `bad-${name}`, '--key-file', file]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.split('\n')).toHaveLength(2);
      expect(r.stderr).not.toContain(DEMO_KEY.vendingKey.slice(0, 12));
    }
    expect((await ok(['hsm', 'key', 'list'])).vendingKeys).toEqual(keysBefore);
    expect((await auditRecords()).map((r) => r.seq)).toEqual(before.map((r) => r.seq));
  });
});
