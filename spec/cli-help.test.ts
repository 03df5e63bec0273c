// `hydrosync help <command> [<subcommand>…]`: the same help as `<command> … --help`, exit 0;
// an unknown command is a usage error (exit 2).
import { describe, expect, it } from 'vitest';
import { runCapture } from './support';

describe('hydrosync help', () => {
  it('prints the help of a nested command, the same text as --help', async () => {
    const viaHelp = await runCapture(['help', 'hsm', 'vend']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stderr).toBe('');
    expect(viaHelp.stdout).toMatch(/^Usage: hydrosync hsm vend /);
    expect(viaHelp.stdout).toContain('--pan');
    const viaOption = await runCapture(['hsm', 'vend', '--help']);
    expect(viaHelp.stdout).toBe(viaOption.stdout);
  });

  it('works at every depth: no command, a group, a three-level command', async () => {
    const root = await runCapture(['help']);
    expect(root.code).toBe(0);
    expect(root.stdout).toMatch(/^Usage: hydrosync /);
    expect(root.stdout).toMatch(/\n {2}help \[command\.\.\.\]/);
    expect((await runCapture(['help', 'token'])).stdout).toMatch(/^Usage: hydrosync token /);
    const deep = await runCapture(['help', 'hsm', 'audit', 'verify']);
    expect(deep.code).toBe(0);
    expect(deep.stdout).toMatch(/^Usage: hydrosync hsm audit verify /);
  });

  it('an unknown command or subcommand is a usage error naming the choices (exit 2)', async () => {
    const r = await runCapture(['help', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/unknown command 'nope' for 'hydrosync': use one of key, token, .*hsm/);
    const sub = await runCapture(['help', 'hsm', 'vend', 'extra']);
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain("'hydrosync hsm vend' has no subcommand 'extra'");
  });
});
