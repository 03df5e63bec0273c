import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_KEY } from '../src/keys/demo-key';
import { deriveDecoderKey } from '../src/keys/derive';
import type { KeyParameters } from '../src/keys/types';
import { resolveMeterStatePath } from '../src/cli/files/meter-state-path';
import { issueCredit } from '../src/tokens/issue';
import { generateToken } from '../src/tokens/generate';
import { runCapture as run } from './support';

// Issue #3 §4: the `hydrosync meter …` commands, in-process.

const dir = mkdtempSync(join(tmpdir(), 'hydrosync-cli-meter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = deriveDecoderKey(DEMO_KEY.vendingKey, DEMO_KEY as unknown as KeyParameters);
const KEY_HEX = key.exportHex();
const credit = (litres: number, dateTime: string, rnd = 3) => issueCredit(key, { litres, dateTime, rnd }).token;
const T5 = credit(5000, '2026-12-01T09:30', 7);
const T2 = credit(2000, '2026-12-01T09:40');
const OLD = credit(1000, '2026-10-01T08:00');

let n = 0;
const statePath = () => join(dir, `meter-${++n}.json`);

const outputs: string[] = [];
async function hs(args: string[], opts: { env?: Record<string, string>; stdin?: string[] } = {}) {
  const r = await run(args, opts);
  outputs.push(r.stdout, r.stderr);
  return r;
}

/** A fresh meter made with the demo key, manufactured 2026-11-01. */
async function init(extra: string[] = []): Promise<string> {
  const state = statePath();
  const r = await hs(['meter', 'init', '--demo-key', '--manufactured', '2026-11-01T00:00', '--state', state, ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return state;
}

const json = (s: string) => JSON.parse(s) as any;

describe('meter init', () => {
  it('creates a state file with mode 0600 and prints attributes, never the key', async () => {
    const state = statePath();
    const r = await hs(['meter', 'init', '--demo-key', '--manufactured', '2026-11-01T00:00', '--state', state]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Created meter ${DEMO_KEY.pan} in ${state}`);
    expect(r.stdout).toMatch(/KCV 7BC627/);
    expect(r.stdout).toMatch(/TID memory\s+50 TIDs, filled with 6749280 \(2026-11-01T00:00\)/);
    expect(r.stderr).toMatch(/warning: using the public test key/);
    expect(statSync(state).mode & 0o777).toBe(0o600);
    const s = json(readFileSync(state, 'utf8'));
    expect(s.format).toBe('hydrosync-meter-state/1');
    expect(s.revision).toBe(0);
    expect(s.profile.historyDepth).toBe(100);
    expect(s.tidMemory.every((t: number) => t === 6749280)).toBe(true);
  });

  it('--json: status, profile and key attributes with KCV', async () => {
    const state = statePath();
    const r = await hs(['meter', 'init', '--demo-key', '--state', state, '--json', '--tid-depth', '20', '--lockout', 'none',
      '--credit-cap-litres', '50000', '--low-credit-litres', '500', '--subclasses', '2:1,3,4,8,9', '--mfr-code', '12', '--kct-hold-seconds', '60']);
    expect(r.code, r.stderr).toBe(0);
    const o = json(r.stdout);
    expect(o).toMatchObject({
      state, revision: 0, pan: DEMO_KEY.pan, creditLitres: 0, creditCubicMetres: '0', valveOpen: false, lowCredit: true, tamper: false,
      key: { encryptionAlgorithm: '11', keyType: 2, keyRevisionNumber: 1, keyExpiryNumber: 255, supplyGroupCode: '201457', tariffIndex: '01', baseDate: 2014, kcv: '7BC627', bits: 128 },
      tidMemory: { depth: 20, oldest: 0, newest: 0 }, lockoutPolicy: null, keyChangeHeld: null,
      profile: { manufacturerCode: 12, creditCapLitres: 50000, lowCreditLitres: 500, keyChangeHoldSeconds: 60, lockout: null, subclasses: { 2: [1, 3, 4, 8, 9] } },
    });
    expect(JSON.stringify(o)).not.toContain(KEY_HEX);
  });

  it('refuses to overwrite a state without --force', async () => {
    const state = await init();
    await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:35', T5]);
    const before = readFileSync(state);
    const again = await hs(['meter', 'init', '--demo-key', '--state', state]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/IO: a meter state already exists at .*--force/);
    expect(readFileSync(state).equals(before)).toBe(true);
    const forced = await hs(['meter', 'init', '--demo-key', '--state', state, '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(json(forced.stdout).creditLitres).toBe(0);
  });

  it('takes the key from HYDROSYNC_VENDING_KEY with parameters, or a decoder key with --pan', async () => {
    const state = statePath();
    const params = ['--pan', DEMO_KEY.pan, '--sgc', '201457', '--ti', '01', '--krn', '1', '--kt', '2', '--base-date', '2014', '--ea', '11'];
    const a = await hs(['meter', 'init', '--state', state, '--json', ...params], { env: { HYDROSYNC_VENDING_KEY: DEMO_KEY.vendingKey } });
    expect(a.code, a.stderr).toBe(0);
    expect(json(a.stdout).key.kcv).toBe('7BC627');
    const noPan = await hs(['meter', 'init', '--state', statePath(), '--base-date', '2014'], { env: { HYDROSYNC_DECODER_KEY: KEY_HEX } });
    expect(noPan.code).toBe(2);
    expect(noPan.stderr).toMatch(/--pan/);
    const withPan = await hs(['meter', 'init', '--state', statePath(), '--base-date', '2014', '--pan', DEMO_KEY.pan, '--kt', '2', '--json'], { env: { HYDROSYNC_DECODER_KEY: KEY_HEX } });
    expect(withPan.code, withPan.stderr).toBe(0);
    expect(json(withPan.stdout).key.kcv).toBe('7BC627');
  });

  it('usage errors exit 2', async () => {
    for (const args of [
      ['meter', 'init', '--state', statePath()], // no key
      ['meter', 'init', '--demo-key', '--state', statePath(), '--lockout', '3,10'],
      ['meter', 'init', '--demo-key', '--state', statePath(), '--subclasses', '4:1'],
      ['meter', 'init', '--demo-key', '--state', statePath(), '--tid-depth', '0'],
      ['meter', 'init', '--demo-key', '--state', statePath(), '--manufactured', '2010-01-01T00:00'], // before the base date
      ['meter'],
      ['meter', 'bogus'],
    ]) {
      const r = await hs(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n').filter((l) => !l.includes('warning')).length, args.join(' ')).toBe(1);
    }
  });

  it('the default state path: $HYDROSYNC_METER_STATE, else $XDG_STATE_HOME/hydrosync/meter.json, else ~/.local/state', async () => {
    expect(resolveMeterStatePath(undefined, { HYDROSYNC_METER_STATE: '/x/m.json', XDG_STATE_HOME: '/s' })).toEqual({ path: '/x/m.json', from: 'HYDROSYNC_METER_STATE' });
    expect(resolveMeterStatePath(undefined, { XDG_STATE_HOME: '/s', HOME: '/h' })).toEqual({ path: '/s/hydrosync/meter.json', from: 'XDG_STATE_HOME' });
    expect(resolveMeterStatePath(undefined, { XDG_STATE_HOME: 'relative', HOME: '/h' })).toEqual({ path: '/h/.local/state/hydrosync/meter.json', from: 'default' });
    expect(resolveMeterStatePath('f.json', { HYDROSYNC_METER_STATE: '/x/m.json' })).toEqual({ path: 'f.json', from: '--state' });
    const xdg = join(dir, 'xdg');
    const r = await hs(['meter', 'init', '--demo-key'], { env: { XDG_STATE_HOME: xdg } });
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(join(xdg, 'hydrosync')).mode & 0o777).toBe(0o700);
    expect(statSync(join(xdg, 'hydrosync', 'meter.json')).mode & 0o777).toBe(0o600);
    const s = await hs(['meter', 'status', '--json'], { env: { XDG_STATE_HOME: xdg } });
    expect(json(s.stdout).state).toBe(join(xdg, 'hydrosync', 'meter.json'));
  });
});

describe('meter enter', () => {
  it('accepts a water token: one line with code, message, litres and credit; exit 0', async () => {
    const state = await init();
    const r = await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:35', T5]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${T5.replace(/(\d{4})(?=\d)/g, '$1 ')}  ACCEPT  Token accepted  +5000 L  credit 5 m³ (5000 L)\n`);
  });

  it('USED, OLD and a bad token are rejected with exit 1; --json is one array', async () => {
    const state = await init();
    const r = await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:35', '--json', T5, T5, OLD, '12345', ...T2.match(/\d{4}/g)!]);
    expect(r.code).toBe(1);
    const a = json(r.stdout);
    expect(a.map((x: any) => x.result)).toEqual(['ACCEPT', 'USED', 'OLD', 'FORMAT', 'ACCEPT']);
    expect(a[0]).toEqual({
      token: T5, result: 'ACCEPT', status: 1, accepted: true, message: 'Token accepted', class: 0, subclass: 1, tid: 6793050,
      litres: 5000, creditLitres: 5000, creditCubicMetres: '5',
    });
    expect(a[1]).toMatchObject({ result: 'USED', status: 10, accepted: false, litres: 0, creditLitres: 5000 });
    expect(a[1].detail).toMatch(/entered before/);
    expect(a[3]).toMatchObject({ token: '12345', result: 'FORMAT', accepted: false });
    expect(a[4]).toMatchObject({ token: T2, litres: 2000, creditLitres: 7000, creditCubicMetres: '7' });
    const s = json((await hs(['meter', 'status', '--state', state, '--json'])).stdout);
    expect(s.revision).toBe(5); // one save per token
  });

  it('three rejects in a row lock the keypad (LOCKOUT), a power cycle clears it', async () => {
    const state = await init();
    const r = await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:35', '--json', OLD, OLD, OLD, T5]);
    const a = json(r.stdout);
    expect(a.map((x: any) => x.result)).toEqual(['OLD', 'OLD', 'OLD', 'LOCKOUT']);
    expect(a[2].lockedUntil).toBe('2026-12-01T09:35:10');
    const status = await hs(['meter', 'status', '--state', state]);
    expect(status.stdout).toMatch(/Lockout\s+3 rejected in a row; locked until 2026-12-01T09:35:10/);
    const later = await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:35:11', T5]);
    expect(later.stdout).toMatch(/ACCEPT/);
    await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:36', OLD, OLD, OLD]);
    const pc = await hs(['meter', 'power-cycle', '--state', state, '--json']);
    expect(pc.code).toBe(0);
    const ok = await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:36', T2]);
    expect(ok.stdout).toMatch(/ACCEPT/);
  });

  it('Indonesian messages with --lang id', async () => {
    const state = await init();
    const r = await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:35', '--lang', 'id', T5, T5]);
    expect(r.stdout).toMatch(/ACCEPT {2}Token diterima {2}\+5000 L {2}kredit 5 m³/);
    expect(r.stdout).toMatch(/USED {2}Token sudah pernah dipakai/);
    const j = await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:35', '--lang', 'id', '--json', '00000000000000000000']);
    expect(json(j.stdout)[0].message).toBe('Token ditolak: salah meter atau salah ketik');
    expect((await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:35', '--lang', 'fr', T5])).code).toBe(2);
  });

  it('never echoes terminal control sequences from its input (shown as \\u escapes)', async () => {
    const state = await init();
    const evil = `${T5.slice(0, 10)}\u001b]0;owned\u0007\u001b[2J\u009b31m\u202e${T5.slice(10)}`;
    for (const extra of [[], ['--json']]) {
      const r = await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:35', ...extra, evil]);
      expect(r.stdout + r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
      expect(r.stdout).toContain('\\u001b');
    }
  });

  it('"-" with no token on standard input is a usage error (exit 2), not a silent success', async () => {
    const state = await init();
    for (const stdin of [[], [''], ['\n\n# only a comment\n']]) {
      const r = await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:35', '-'], { stdin });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^hydrosync: no tokens on standard input/);
    }
  });

  it('reads tokens from stdin with "-" or without arguments; skips blank and # lines', async () => {
    const state = await init();
    const a = await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:35', '-'], { stdin: [`# tokens\n${T5}\n\n`, `${T2.replace(/(\d{4})(?=\d)/g, '$1 ')}\n`] });
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout.trim().split('\n')).toHaveLength(2);
    const b = await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:36', '--json'], { stdin: [`${T5}\n`] });
    expect(b.code).toBe(1);
    expect(json(b.stdout)[0].result).toBe('USED');
    const none = await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:36']);
    expect(none.code).toBe(2);
  });

  it('meter time: --now needs a UTC offset (never the host zone)', async () => {
    const state = await init();
    const no = await hs(['meter', 'enter', '--state', state, T5]);
    expect(no.code).toBe(2);
    expect(no.stderr).toMatch(/--utc-offset.*host time zone is never used/);
    const yes = await hs(['meter', 'enter', '--state', state, '--now', '--utc-offset', '420', T5]);
    expect(yes.code).toBe(0);
    const s = json((await hs(['meter', 'status', '--state', state, '--json'])).stdout);
    expect(s.clock).toBe('2026-12-01T09:30'); // runCapture's clock: 02:30 UTC = 09:30 WIB
    const env = await hs(['meter', 'enter', '--state', state, T2], { env: { HYDROSYNC_UTC_OFFSET: '480' } });
    expect(env.code).toBe(0);
    expect(json((await hs(['meter', 'status', '--state', state, '--json'])).stdout).clock).toBe('2026-12-01T10:30');
    expect((await hs(['meter', 'enter', '--state', state, '--at', 'tomorrow', T5])).code).toBe(2);
    expect((await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:35', '--now', T5])).code).toBe(2);
  });

  it('a missing state is IO (exit 2) with a hint to run meter init', async () => {
    const r = await hs(['meter', 'enter', '--state', join(dir, 'none.json'), '--at', '2026-12-01T09:35', T5]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hydrosync: IO: no meter state at .*none\.json: create one with 'hydrosync meter init'/);
    expect((await hs(['meter', 'status', '--state', join(dir, 'none.json')])).code).toBe(2);
    const noDir = await hs(['meter', 'consume', '--litres', '1', '--state', join(dir, 'no-such-dir', 'meter.json')]);
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toMatch(/IO: no meter state at .*meter init/);
  });

  it('a corrupt state is STATE (exit 2) and stays byte for byte', async () => {
    const state = await init();
    const text = readFileSync(state, 'utf8');
    for (const bad of [text.slice(0, 200), text.replace('"hydrosync-meter-state/1"', '"hydrosync-meter-state/9"'), text.replace('"creditLitres": 0', '"creditLitres": "lots"')]) {
      writeFileSync(state, bad);
      for (const args of [['enter', '--at', '2026-12-01T09:35', T5], ['status'], ['consume', '--litres', '1'], ['history'], ['tamper']]) {
        const r = await hs(['meter', args[0]!, '--state', state, ...args.slice(1)]);
        expect(r.code, args[0]).toBe(2);
        expect(r.stderr).toMatch(/^hydrosync: STATE: /);
        expect(r.stderr).not.toContain(KEY_HEX);
        expect(readFileSync(state, 'utf8')).toBe(bad);
      }
    }
  });

  it('a key change set (4 tokens) switches the key: KCT_1, KCT_2, ACCEPT; old-key tokens then fail CRC', async () => {
    const state = await init();
    await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:35', T5]);
    const kc = await hs(['token', 'generate', 'key-change', '--demo-key', '--new-krn', '2', '--json']);
    const tokens = json(kc.stdout).tokens as string[];
    const r = await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T10:00', '--json', tokens[0]!, tokens[1]!]);
    expect(json(r.stdout).map((x: any) => x.result)).toEqual(['KCT_1', 'KCT_2']);
    expect(r.code).toBe(0);
    const held = await hs(['meter', 'status', '--state', state]);
    expect(held.stdout).toMatch(/Key change\s+holding sections \(class 2 subclass 3, 4\) since 2026-12-01T10:00/);
    const done = await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T10:01', tokens[2]!, tokens[3]!]);
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/ACCEPT .*new key: KRN 2, KT 2, TI 01, KEN 255, SGC 201457, base date 2014\n$/);
    const s = json((await hs(['meter', 'status', '--state', state, '--json'])).stdout);
    expect(s.key.keyRevisionNumber).toBe(2);
    expect(s.creditLitres).toBe(5000);
    const stale = await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T10:02', T2]);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/ {2}CRC {2}/);
    const newKey = deriveDecoderKey(DEMO_KEY.vendingKey, { ...(DEMO_KEY as unknown as KeyParameters), keyRevisionNumber: 2 });
    const fresh = issueCredit(newKey, { litres: 1000, dateTime: '2026-12-01T10:05', rnd: 1 }).token;
    expect((await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T10:06', fresh])).stdout).toMatch(/ACCEPT .*credit 6 m³/);
    const file = readFileSync(state, 'utf8');
    expect(file).toContain(newKey.exportHex()); // the state is the meter's memory: it holds the new key
  });
});

describe('meter status, consume, tamper, history', () => {
  it('status shows remaining volume, valve, flags, key attributes and TID memory', async () => {
    const state = await init();
    await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:35', T5]);
    const r = await hs(['meter', 'status', '--state', state]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Remaining\s+5 m³ \(5000 L\)/);
    expect(r.stdout).toMatch(/Valve\s+open/);
    expect(r.stdout).toMatch(/Low credit\s+no/);
    expect(r.stdout).toMatch(/Tamper\s+no/);
    expect(r.stdout).toMatch(/KRN 1; KEN 255/);
    expect(r.stdout).toMatch(/KCV 7BC627 \(the key itself is not shown\)/);
    expect(r.stdout).toMatch(/TID memory\s+50 TIDs; oldest 6749280 \(2026-11-01T00:00\), newest 6793050 \(2026-12-01T09:30\)/);
    const j = json((await hs(['meter', 'status', '--state', state, '--json'])).stdout);
    expect(Object.keys(j).sort()).toEqual([
      'clock', 'consumedLitres', 'creditCubicMetres', 'creditLitres', 'historyEntries', 'key', 'keyChangeHeld', 'lockout', 'lockoutPolicy',
      'lowCredit', 'lowCreditLitres', 'pan', 'profile', 'revision', 'settings', 'state', 'tamper', 'tidMemory', 'valveOpen',
    ]);
    expect(j.lockoutPolicy).toEqual({ rejects: 3, firstSeconds: 10, maxSeconds: 1280 });
    expect(j.lockout).toEqual({ rejects: 0, lockedUntil: null });
  });

  it('consume by litres or by flow; the valve closes at zero', async () => {
    const state = await init();
    await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:35', T2]);
    const a = await hs(['meter', 'consume', '--state', state, '--litres', '750', '--json']);
    expect(json(a.stdout)).toEqual({ requestedLitres: 750, usedLitres: 750, creditLitres: 1250, creditCubicMetres: '1.25', valveOpen: true, lowCredit: false });
    const b = await hs(['meter', 'consume', '--state', state, '--flow', '12.5', '--minutes', '30', '--at', '2026-12-01T11:00']);
    expect(b.stdout).toMatch(/^Used 0.375 m³ \(375 L\); remaining 0.875 m³ \(875 L\)\nLow credit/);
    const c = await hs(['meter', 'consume', '--state', state, '--litres', '5000']);
    expect(c.stdout).toMatch(/Used 0.875 m³ \(875 L\) of the 5000 L asked for: the credit ran out; remaining 0 m³ \(0 L\)\nThe valve is closed/);
    const s = json((await hs(['meter', 'status', '--state', state, '--json'])).stdout);
    expect(s).toMatchObject({ creditLitres: 0, valveOpen: false, lowCredit: true, consumedLitres: 2000, clock: '2026-12-01T11:00' });
    for (const args of [[], ['--litres', '1', '--flow', '2', '--minutes', '3'], ['--flow', '2'], ['--litres', '-5'], ['--flow', '1.2345', '--minutes', '1']]) {
      expect((await hs(['meter', 'consume', '--state', state, ...args])).code, args.join(' ')).toBe(2);
    }
  });

  it('consume before the meter clock is set needs --at', async () => {
    const state = await init();
    const r = await hs(['meter', 'consume', '--state', state, '--litres', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/clock is not set yet/);
    expect(json(readFileSync(state, 'utf8')).revision).toBe(0);
  });

  it('tamper sets the flag; a ClearTamper token clears it', async () => {
    const state = await init();
    const t = await hs(['meter', 'tamper', '--state', state, '--at', '2026-12-02T03:00']);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/Tamper flag set at 2026-12-02T03:00/);
    expect((await hs(['meter', 'status', '--state', state])).stdout).toMatch(/Tamper\s+YES/);
    const clear = generateToken({ kind: 'clearTamperCondition', subclass: 5, fields: { rnd: 1, tid: 6793050 + 1440, pad: 0 } } as any, key);
    const r = await hs(['meter', 'enter', '--state', state, '--at', '2026-12-02T08:00', clear]);
    expect(r.code).toBe(0);
    expect(json((await hs(['meter', 'status', '--state', state, '--json'])).stdout).tamper).toBe(false);
  });

  it('history: the last events, --json and --limit', async () => {
    const state = await init();
    await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:35', T5, T5]);
    await hs(['meter', 'consume', '--state', state, '--litres', '100', '--at', '2026-12-01T10:00']);
    await hs(['meter', 'tamper', '--state', state]);
    const r = await hs(['meter', 'history', '--state', state]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^2026-12-01T09:35 +token +\d{4} \d{4} \d{4} \d{4} \d{4} {2}ACCEPT {2}\+5000 L {2}credit 5000 L$/);
    expect(lines[2]).toMatch(/consume +-100 L {2}credit 4900 L/);
    const j = json((await hs(['meter', 'history', '--state', state, '--json', '--limit', '2'])).stdout);
    expect(j).toEqual([
      { at: '2026-12-01T10:00', event: 'consume', litres: 100, creditLitres: 4900 },
      { at: '2026-12-01T10:00', event: 'tamper', creditLitres: 4900 },
    ]);
  });

  it('history keeps the last 100 events', async () => {
    const state = await init(['--lockout', 'none']);
    const many = Array.from({ length: 105 }, (_, i) => String(10_000 + i)); // FORMAT rejects, one event each
    await hs(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:35', ...many]);
    const j = json((await hs(['meter', 'history', '--state', state, '--json'])).stdout);
    expect(j).toHaveLength(100);
  });
});

describe.skipIf(!existsSync(join(__dirname, '..', 'dist', 'cli.js')))('examples/meter-session.sh', () => {
  it('runs: accept, USED, key change keeps the credit', () => {
    const r = spawnSync('sh', [join(__dirname, '..', 'examples', 'meter-session.sh')], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ACCEPT {2}Token accepted {2}\+5000 L/);
    expect(r.stdout).toMatch(/USED {2}Token sudah pernah dipakai/);
    expect(r.stdout).toMatch(/new key: KRN 2/);
    expect(r.stdout).toMatch(/\n4250\n/);
  });
});

describe('secrets', () => {
  it('no output of any meter command (or the demo) contains the key bits', async () => {
    await hs(['demo']);
    const all = outputs.join('\n').toLowerCase();
    expect(all).not.toContain(KEY_HEX);
    expect(all).not.toContain(DEMO_KEY.vendingKey);
    const k2 = deriveDecoderKey(DEMO_KEY.vendingKey, { ...(DEMO_KEY as unknown as KeyParameters), keyRevisionNumber: 2 });
    expect(all).not.toContain(k2.exportHex());
  });
});

describe('hydrosync demo (meter story)', () => {
  it('enters the token into a simulated meter: ACCEPT, water used, USED, OLD, rollover key change, new key ACCEPT, old key CRC', async () => {
    const r = await hs(['demo']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const o = r.stdout;
    expect(o).toMatch(/Meter shows\s+ACCEPT: "Token accepted" \/ "Token diterima"\n\s+Meter credit\s+\+5000 L, now 5 m³ \(5000 L\)/);
    expect(o).toMatch(/Remaining\s+4.25 m³ \(4250 L\)/);
    expect(o).toMatch(/Meter shows\s+USED: /);
    expect(o).toMatch(/Meter shows\s+OLD: /);
    expect(o).toMatch(/Set4thSectionDecoderKey\s+→ ACCEPT/);
    expect(o).toMatch(/Base date\s+2014 → 2035 \(rollover\)/);
    expect(o).toMatch(/TID memory\s+reset: oldest TID 6749280 → 0/);
    expect(o).toMatch(/Credit\s+kept, 4.25 m³ \(4250 L\)/);
    expect(o).toMatch(/now 6.25 m³ \(6250 L\)/);
    const afterChange = o.slice(o.indexOf('9. Tokens after the change'));
    expect(afterChange).toMatch(/Meter shows\s+ACCEPT[\s\S]*Meter shows\s+CRC: /);
  });
});

describe('meter report', () => {
  it('shows the report code and frame; --json carries both; each call takes a new counter', async () => {
    const state = await init();
    expect((await hs(['meter', 'enter', T5, '--at', '2026-12-01T10:00', '--state', state])).code).toBe(0);
    const r = await hs(['meter', 'report', '--at', '2026-12-02T08:00', '--state', state]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Report 1 at 2026-12-02T08:00: remaining 5 m³/m);
    expect(r.stdout).toMatch(/^Report code: \d{4} \d{4} \d{4} \d{4} \d{4}$/m);
    expect(r.stdout).toMatch(/^Frame: +01[0-9a-f]{98}$/m);
    const j = await hs(['meter', 'report', '--json', '--state', state]);
    const o = json(j.stdout);
    expect(o).toMatchObject({ counter: 2, creditLitres: 5000, consumedLitres: 0, pan: DEMO_KEY.pan, flags: { valveClosed: false, tamper: false } });
    expect(o.code).toMatch(/^\d{20}$/);
    expect(o.frame).toMatch(/^01[0-9a-f]{98}$/);
    expect(JSON.stringify(o)).not.toContain(KEY_HEX);
  });
});
