// Every ```sh block of README.md and docs/*.md runs as written, with `bash -e -o pipefail`, in a
// fresh temporary directory against the built bin/hydrosync.js (on PATH through a temporary bin
// directory). A block fails the test when a command exits non-zero where the block does not say
// it expects that (`|| test $? -eq 1`). The README's `npm …` lines (npm ci, npm test, npm install)
// are left to CI: they need the network or run the whole suite.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');
const BIN = join(ROOT, 'bin', 'hydrosync.js');
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const NPM_LINE = /^npm (ci|test|install|run)\b/;

interface Block {
  page: string;
  line: number;
  script: string;
}

function shBlocks(page: string): Block[] {
  const lines = readFileSync(join(ROOT, page), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```sh') continue;
    const start = i + 1;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i]!.trim() !== '```'; i++) body.push(lines[i]!);
    const script = body.filter((l) => !NPM_LINE.test(l.trim())).join('\n');
    if (script.split('\n').some((l) => l.trim() !== '' && !l.trim().startsWith('#'))) blocks.push({ page, line: start, script });
  }
  return blocks;
}

const work = mkdtempSync(join(tmpdir(), 'hydrosync-docs-'));
const bin = join(work, 'bin');
mkdirSync(bin);
writeFileSync(join(bin, 'hydrosync'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
chmodSync(join(bin, 'hydrosync'), 0o755);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The environment of a block: PATH with hydrosync, a private HOME and XDG folders, no HYDROSYNC_* from outside. */
function blockEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('HYDROSYNC_') && !k.startsWith('XDG_')) env[k] = v;
  return { ...env, PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: dir, XDG_STATE_HOME: join(dir, '.state'), XDG_DATA_HOME: join(dir, '.data'), XDG_CONFIG_HOME: join(dir, '.config'), NO_COLOR: '1' };
}

const blocks = PAGES.flatMap(shBlocks);

describe('the commands shown in the docs run as written', () => {
  it('the built CLI is there (npm test builds it first)', () => {
    expect(existsSync(join(ROOT, 'dist', 'cli.js'))).toBe(true);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });

  it.each(blocks.map((b) => [`${b.page}:${b.line}`, b] as const))('%s', (_name, b) => {
    const dir = mkdtempSync(join(work, 'block-'));
    symlinkSync(join(ROOT, 'vectors'), join(dir, 'vectors'));
    const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', b.script], { cwd: dir, env: blockEnv(dir), encoding: 'utf8', timeout: 120_000 });
    expect(r.status, `${b.page}:${b.line} exited ${r.status}\n--- stderr ---\n${r.stderr}\n--- stdout (end) ---\n${r.stdout.slice(-2000)}`).toBe(0);
  }, 180_000);
});
