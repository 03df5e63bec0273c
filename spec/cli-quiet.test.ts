// --quiet suppresses informational lines, never the primary result or errors; on the commands
// that issue tokens it prints only the tokens.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_KEY } from '../src/keys/demo-key';
import { deriveDecoderKey } from '../src/keys/derive';
import { decodeToken } from '../src/tokens/decode';
import { runCapture } from './support';

describe('--quiet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hydrosync-quiet-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hsm init --quiet prints only the generated master key line; without --quiet the messages are there', async () => {
    const loud = await runCapture(['hsm', 'init', '--store', join(dir, 'a.sqlite'), '--generate-master-key', join(dir, 'a.key'), '--utc-offset', '420']);
    expect(loud.code, loud.stderr).toBe(0);
    expect(loud.stdout).toContain('Created the security module store');
    expect(loud.stdout).toContain('Next: hydrosync hsm key import');
    const quiet = await runCapture(['hsm', 'init', '--quiet', '--store', join(dir, 'b.sqlite'), '--generate-master-key', join(dir, 'b.key'), '--utc-offset', '420']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^Wrote a new master key to .*b\.key/)]);
    const again = await runCapture(['hsm', 'init', '--quiet', '--store', join(dir, 'b.sqlite'), '--generate-master-key', join(dir, 'c.key')]);
    expect(again.code).toBe(2); // the store exists: the error is still shown
    expect(again.stderr).not.toBe('');
  });
});

describe('--quiet on the commands that issue tokens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hydrosync-quiet-hsm-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = { HYDROSYNC_STORE: join(dir, 'hsm.sqlite'), HYDROSYNC_MASTER_KEY_FILE: join(dir, 'master.key'), HYDROSYNC_OPERATOR: 'alice' };
  const PAN = DEMO_KEY.pan;
  const run = (args: string[]) => runCapture(args, { env });
  const meterKey = deriveDecoderKey(DEMO_KEY.vendingKey, {
    dkga: '04', keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyExpiryNumber: 255, pan: PAN, baseDate: 2014, encryptionAlgorithm: '11',
  });
  const GROUPED = /^\d{4} \d{4} \d{4} \d{4} \d{4}$/;

  /** stdout as lines; every one a grouped token, nothing else. */
  function tokenLinesOf(r: { code: number; stdout: string; stderr: string }): string[] {
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.endsWith('\n')).toBe(true);
    const lines = r.stdout.slice(0, -1).split('\n');
    for (const l of lines) expect(l).toMatch(GROUPED);
    return lines;
  }

  beforeAll(async () => {
    const keyFile = join(dir, 'vk.json');
    writeFileSync(keyFile, JSON.stringify({ format: 'hydrosync-key/1', vendingKey: DEMO_KEY.vendingKey, supplyGroupCode: '201457', keyRevisionNumber: 1, baseDate: 2014, encryptionAlgorithm: '11' }));
    for (const args of [
      ['hsm', 'init', '--generate-master-key', env.HYDROSYNC_MASTER_KEY_FILE, '--utc-offset', '420', '--quiet'],
      ['hsm', 'key', 'import', '--id', 'vk1', '--key-file', keyFile],
      ['hsm', 'meter', 'add', '--pan', PAN, '--customer-ref', '01-0001234', '--vending-key-id', 'vk1'],
    ]) {
      const r = await runCapture(args, { env: { HYDROSYNC_STORE: env.HYDROSYNC_STORE, ...(args[1] === 'init' ? {} : env) } });
      expect(r.code, r.stderr).toBe(0);
    }
  });

  it('hsm vend --quiet prints exactly the token line, and the token is the credit asked for', async () => {
    const r = await run(['hsm', 'vend', '--pan', PAN, '--m3', '2.55', '--txn', 'q-1', '--quiet']);
    const lines = tokenLinesOf(r);
    expect(lines).toHaveLength(1);
    expect(r.stderr).toBe('');
    const t = decodeToken(lines[0]!, meterKey);
    expect(t.kind).toBe('transferCredit');
    expect(t.fields).toMatchObject({ amount: 26 }); // 2.55 m³ rounded up to 2.6 m³ = 26 × 0.1 m³
    // hsm reprint --txn --quiet: the same line again.
    expect((await run(['hsm', 'reprint', '--txn', 'q-1', '--quiet'])).stdout).toBe(r.stdout);
    // The same request again (reissued) is still only the token.
    expect((await run(['hsm', 'vend', '--pan', PAN, '--m3', '2.55', '--txn', 'q-1', '--quiet'])).stdout).toBe(r.stdout);
  });

  it('hsm manage … --quiet prints only the management token', async () => {
    const lines = tokenLinesOf(await run(['hsm', 'manage', 'clear-tamper', '--pan', PAN, '--quiet']));
    expect(lines).toHaveLength(1);
    expect(decodeToken(lines[0]!, meterKey).kind).toBe('clearTamperCondition');
  });

  it('hsm key-change --quiet prints only the tokens of the set, one per line, in entry order', async () => {
    const lines = tokenLinesOf(await run(['hsm', 'key-change', '--pan', PAN, '--new-ti', '02', '--quiet']));
    expect(lines).toHaveLength(4); // a 128-bit (EA11) key: 4 tokens
    expect(lines.map((l) => decodeToken(l, meterKey).kind))
      .toEqual(['set1stSectionDecoderKey', 'set2ndSectionDecoderKey', 'set3rdSectionDecoderKey', 'set4thSectionDecoderKey']);
  });

  it('--quiet and --json conflict (exit 2); errors are unchanged on stderr; reprint --pan has no tokens to print', async () => {
    for (const args of [
      ['hsm', 'vend', '--pan', PAN, '--m3', '1', '--json', '--quiet'],
      ['hsm', 'manage', 'clear-tamper', '--pan', PAN, '--quiet', '--json'],
      ['hsm', 'reprint', '--txn', 'q-1', '--quiet', '--json'],
      ['hsm', 'key-change', '--pan', PAN, '--new-krn', '3', '--quiet', '--json'],
    ]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/'--quiet'.*cannot be used with.*'--json'|'--json'.*cannot be used with.*'--quiet'/);
    }
    const refused = await run(['hsm', 'vend', '--pan', PAN, '--m3', '0', '--quiet']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^hydrosync: RANGE: /);
    const list = await run(['hsm', 'reprint', '--pan', PAN, '--quiet']);
    expect(list.code).toBe(2);
    expect(list.stderr).toContain('--quiet prints tokens: it goes with --txn ID');
  });
});
