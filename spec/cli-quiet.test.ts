// --quiet suppresses informational lines, never the primary result or errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
