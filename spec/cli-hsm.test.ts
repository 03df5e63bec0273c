// `hydrosync hsm …` in-process (runCapture): the whole story of a PDAM security module, from
// init to audit export, checked against the token layer (tokens decode with the meter's key),
// and key material never appearing in any output.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_KEY } from '../src/keys/demo-key';
import { luhnCheckDigit } from '../src/codec/pan';
import { deriveDecoderKey } from '../src/keys/derive';
import { runCapture } from './support';

const dir = mkdtempSync(join(tmpdir(), 'hydrosync-cli-hsm-'));
const STORE = join(dir, 'data', 'hsm.sqlite');
const MASTER = join(dir, 'master.key');
const VK = DEMO_KEY.vendingKey;
const PAN = DEMO_KEY.pan; // 600727000000000009
const PAN2 = pan('0000000002');
const PAN3 = pan('0000000003');

/** An 18-digit MeterPAN with IIN 600727 and a 10-digit DRN body (both check digits computed). */
function pan(drnBody: string): string {
  const drn = drnBody + luhnCheckDigit(drnBody);
  const body = `600727${drn}`;
  return body + luhnCheckDigit(body);
}

const env = (): Record<string, string> => ({ HYDROSYNC_STORE: STORE, HYDROSYNC_MASTER_KEY_FILE: MASTER, HYDROSYNC_OPERATOR: 'alice' });

/** Every stdout and stderr seen, to check that no key material ever appears. */
const seen: string[] = [];

async function run(args: string[], options: { env?: Record<string, string>; stdin?: string[] } = {}) {
  const r = await runCapture(args, { env: options.env ?? env(), ...(options.stdin ? { stdin: options.stdin } : {}) });
  seen.push(r.stdout, r.stderr);
  return r;
}

async function json(args: string[], options: { env?: Record<string, string> } = {}): Promise<Record<string, any>> {
  const r = await run([...args, '--json'], options);
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines, 'one JSON document on stdout').toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, any>;
}

/** Decode with the token layer and the demo vending key (independent of the module). */
async function decodeWithDemoKey(tokens: string[], extra: string[] = []): Promise<Record<string, any>[]> {
  const r = await run(['token', 'decode', '--demo-key', ...extra, ...tokens, '--json'], { env: {} });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
}

function writeJson(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

const TARIFFS = {
  format: 'hydrosync-tariffs/1',
  tariffs: [{ group: 'R1', blocks: [{ upToCubicMetres: 10, rupiahPerCubicMetre: 1500 }, { upToCubicMetres: 20, rupiahPerCubicMetre: 2500 }, { upToCubicMetres: null, rupiahPerCubicMetre: 4000 }] }],
};

let masterHex = '';

beforeAll(async () => {
  const tariffs = writeJson('tariffs.json', TARIFFS);
  const r = await run(['hsm', 'init', '--generate-master-key', MASTER, '--utc-offset', '420', '--tariffs', tariffs], { env: { HYDROSYNC_STORE: STORE } });
  expect(r.code, r.stderr).toBe(0);
  masterHex = (JSON.parse(readFileSync(MASTER, 'utf8')) as { masterKey: string }).masterKey;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('hsm init', () => {
  it('creates the store (0600, directory 0700) and a 0600 master key file; prints only its path', () => {
    expect(statSync(STORE).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
    expect(statSync(MASTER).mode & 0o777).toBe(0o600);
    expect(masterHex).toMatch(/^[0-9a-f]{64}$/);
    expect(seen.join('')).toContain(MASTER);
  });

  it('never overwrites a store or a master key file', async () => {
    const before = readFileSync(STORE);
    const r = await run(['hsm', 'init']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hydrosync: STORE: a store already exists at .*never overwrites/);
    expect(readFileSync(STORE).equals(before)).toBe(true);
    const keyBefore = readFileSync(MASTER, 'utf8');
    const other = await run(['hsm', 'init', '--generate-master-key', MASTER], { env: { HYDROSYNC_STORE: join(dir, 'other.sqlite') } });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/already exists/);
    expect(readFileSync(MASTER, 'utf8')).toBe(keyBefore);
  });

  it('needs a master key, never from the command line', async () => {
    const r = await run(['hsm', 'init'], { env: { HYDROSYNC_STORE: join(dir, 'nokey.sqlite') } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs a master key.*--generate-master-key/);
    const flag = await run(['hsm', 'init', '--master-key', masterHex], { env: { HYDROSYNC_STORE: join(dir, 'nokey.sqlite') } });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--master-key'/);
  });

  it('accepts a plain 64-hex master key file and warns when others can read it', async () => {
    const file = join(dir, 'plain.key');
    writeFileSync(file, `${'ab'.repeat(32)}\n`, { mode: 0o644 });
    const r = await run(['hsm', 'init', '--master-key-file', file, '--json'], { env: { HYDROSYNC_STORE: join(dir, 'plain.sqlite') } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^hydrosync: warning: master key file .* can be read by other users \(mode 0644\): run chmod 600/);
    const out = JSON.parse(r.stdout) as Record<string, any>;
    expect(out.store).toBe(join(dir, 'plain.sqlite'));
    expect(out.config).toMatchObject({ utcOffsetMinutes: 420, tariffs: [{ group: 'R1' }] });
    expect(r.stdout + r.stderr).not.toContain('ab'.repeat(32));
  });
});

describe('hsm key import / list', () => {
  it('imports the vending key from a key file; shows attributes and KCV, never the key', async () => {
    const file = writeJson('vk.json', { format: 'hydrosync-key/1', vendingKey: VK, supplyGroupCode: '201457', keyRevisionNumber: 1, baseDate: 2014, encryptionAlgorithm: '11', keyType: 2 });
    const info = await json(['hsm', 'key', 'import', '--id', '201457-krn1', '--key-file', file]);
    expect(info).toMatchObject({ id: '201457-krn1', dkga: '04', bits: 160, supplyGroupCode: '201457', keyRevisionNumber: 1, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11' });
    expect(info.checkValue).toMatch(/^[0-9A-Fa-f]{6}$/);
    const list = await json(['hsm', 'key', 'list']);
    expect(list.vendingKeys.map((k: { id: string }) => k.id)).toEqual(['201457-krn1']);
    const human = await run(['hsm', 'key', 'list']);
    expect(human.stdout).toMatch(/201457-krn1\s+04\s+201457\s+1\s+unique\s+2014\s+11/);
  });

  it('from HYDROSYNC_VENDING_KEY with flags; a second key for base date 1993 (for the rollover)', async () => {
    const info = await json(['hsm', 'key', 'import', '--id', '201457-krn1-bd1993', '--sgc', '201457', '--krn', '1', '--base-date', '1993'],
      { env: { ...env(), HYDROSYNC_VENDING_KEY: VK } });
    expect(info).toMatchObject({ id: '201457-krn1-bd1993', baseDate: 1993, encryptionAlgorithm: '11' });
    // A new key revision is a new vending key (here the same public bits, for the key changes below).
    const krn2 = await json(['hsm', 'key', 'import', '--id', '201457-krn2', '--sgc', '201457', '--krn', '2', '--base-date', '2014'],
      { env: { ...env(), HYDROSYNC_VENDING_KEY: VK } });
    expect(krn2).toMatchObject({ id: '201457-krn2', keyRevisionNumber: 2, baseDate: 2014 });
  });

  it('refuses a decoder key file, a bad key, a duplicate id; nothing changes', async () => {
    const dk = writeJson('dk.json', { format: 'hydrosync-key/1', decoderKey: 'ab'.repeat(16), baseDate: 2014 });
    const a = await run(['hsm', 'key', 'import', '--id', 'x', '--key-file', dk]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/^hydrosync: KEY: key file .* holds a decoder key/);
    const bad = writeJson('bad.json', { format: 'hydrosync-key/1', vendingKey: `${VK.slice(0, 39)}z`, supplyGroupCode: '201457', keyRevisionNumber: 1, baseDate: 2014 });
    const b = await run(['hsm', 'key', 'import', '--id', 'y', '--key-file', bad]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/KEY: .*only hex digits/);
    expect(b.stderr).not.toContain(VK.slice(0, 12));
    const c = await run(['hsm', 'key', 'import', '--id', '201457-krn1'], { env: { ...env(), HYDROSYNC_VENDING_KEY: VK } });
    expect(c.code).toBe(2); // attributes missing: usage
    const d = await run(['hsm', 'key', 'import', '--id', '201457-krn1', '--sgc', '201457', '--krn', '1', '--base-date', '2014'], { env: { ...env(), HYDROSYNC_VENDING_KEY: VK } });
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/^hydrosync: CONFLICT: /);
    expect((await json(['hsm', 'key', 'list'])).vendingKeys).toHaveLength(3);
  });
});

describe('hsm meter add / list / show', () => {
  it('registers meters; key parameters default to the vending key', async () => {
    const m = await json(['hsm', 'meter', 'add', '--pan', PAN, '--customer-ref', '01-0001234', '--customer-group', 'R1', '--vending-key-id', '201457-krn1']);
    expect(m).toMatchObject({ pan: PAN, customerReference: '01-0001234', customerGroup: 'R1', supplyGroupCode: '201457', keyRevisionNumber: 1, baseDate: 2014, encryptionAlgorithm: '11', vendingKeyId: '201457-krn1', lastTid: null });
    const m2 = await json(['hsm', 'meter', 'add', '--pan', PAN2, '--customer-ref', '01-0001235', '--vending-key-id', '201457-krn1-bd1993']);
    expect(m2).toMatchObject({ pan: PAN2, baseDate: 1993 });
    const m3 = await json(['hsm', 'meter', 'add', '--pan', PAN3, '--customer-ref', '01-0001236', '--vending-key-id', '201457-krn1', '--ti', '02', '--customer-group', 'R1']);
    expect(m3).toMatchObject({ pan: PAN3, tariffIndex: '02' });
  });

  it('lists and shows; refuses a second registration and an unknown meter', async () => {
    const list = await json(['hsm', 'meter', 'list']);
    expect(list.meters.map((m: { pan: string }) => m.pan).sort()).toEqual([PAN, PAN2, PAN3].sort());
    const human = await run(['hsm', 'meter', 'list']);
    expect(human.stdout).toContain('3 meters');
    const show = await run(['hsm', 'meter', 'show', PAN]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/Customer\s+01-0001234 \(group R1\)/);
    const again = await run(['hsm', 'meter', 'add', '--pan', PAN, '--customer-ref', 'x', '--vending-key-id', '201457-krn1']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^hydrosync: CONFLICT: /);
    const unknown = await run(['hsm', 'meter', 'show', pan('0000000099')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^hydrosync: NOT_FOUND: /);
    const badPan = await run(['hsm', 'meter', 'show', '600727000000000008']);
    expect(badPan.code).toBe(2);
    expect(badPan.stderr).toMatch(/CHECK_DIGIT/);
  });
});

describe('hsm vend', () => {
  const tids: number[] = [];

  it('--m3: shows what was issued; rounds up; the token decodes with the meter key (hsm verify and the token layer)', async () => {
    const r = await run(['hsm', 'vend', '--pan', PAN, '--m3', '2.55']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Token \d{4} \d{4} \d{4} \d{4} \d{4}\n/);
    expect(r.stdout).toMatch(/Meter \(PAN\)\s+600727000000000009/);
    expect(r.stdout).toMatch(/Requested\s+.*2\.55/);
    expect(r.stdout).toMatch(/Token carries\s+.*2\.6/);
    expect(r.stdout).toMatch(/TID\s+\d+ = 2026-12-01T09:3\d/);
    expect(r.stdout).toMatch(/Key revision\s+KRN 1/);
    const v = await json(['hsm', 'vend', '--pan', PAN, '--m3', '2.55']);
    expect(v).toMatchObject({ pan: PAN, reissued: false, keyRevisionNumber: 1, creditedLitres: 2600 });
    expect(v.tokens).toHaveLength(1);
    expect(v.grouped[0]).toBe(v.tokens[0].replace(/(\d{4})(?=\d)/g, '$1 '));
    expect(typeof v.transactionId).toBe('string');
    expect(v.tidDateTime).toMatch(/^2026-12-01T09:3\d$/);
    tids.push(v.tid);

    const verified = await json(['hsm', 'verify', '--pan', PAN, v.grouped[0]]);
    expect(verified).toMatchObject({ ok: true, kind: 'transferCredit', class: 0, subclass: 1 });
    expect(verified.fields.tid).toBe(v.tid);
    expect(verified.meaning.litres).toBe(2600);
    const [decoded] = await decodeWithDemoKey([v.tokens[0]]);
    expect(decoded).toMatchObject({ ok: true, kind: 'transferCredit' });
    expect(decoded!.fields.tid).toBe(v.tid);
  });

  it('--litres rounds up to 100 L; TIDs never repeat for a meter', async () => {
    const v = await json(['hsm', 'vend', '--pan', PAN, '--litres', '1001']);
    expect(v.creditedLitres).toBe(1100);
    tids.push(v.tid);
    const w = await json(['hsm', 'vend', '--pan', PAN, '--litres', '500']);
    tids.push(w.tid);
    expect(new Set(tids).size).toBe(tids.length);
    expect([...tids].sort((a, b) => a - b)).toEqual(tids);
  });

  it('--rupiah: the block tariff turns money into volume, with the breakdown', async () => {
    const v = await json(['hsm', 'vend', '--pan', PAN, '--rupiah', '50000']);
    const t = v.tariff;
    expect(t.group).toBe('R1');
    expect(t.paidRupiah).toBe(50000);
    expect(t.chargedRupiah + t.changeRupiah).toBe(50000);
    expect(t.lines.reduce((s: number, l: { rupiah: number }) => s + l.rupiah, 0)).toBe(t.chargedRupiah);
    expect(t.lines.reduce((s: number, l: { litres: number }) => s + l.litres, 0)).toBe(v.creditedLitres);
    expect(v.creditedLitres % 100).toBe(0);
    const human = await run(['hsm', 'vend', '--pan', PAN, '--rupiah', '10000']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/Tariff R1/);
    expect(human.stdout).toMatch(/Paid Rp 10,000, charged Rp [\d,]+, change Rp [\d,]+/);
    const [decoded] = await decodeWithDemoKey([v.tokens[0]]);
    expect(decoded!.meaning.litres).toBe(v.creditedLitres);
  });

  it('amounts are read exactly: a fraction of a rupiah or a "," is a FORMAT error before the store is opened, never Rp 505 or Rp 15', async () => {
    for (const [option, text, words] of [
      ['--rupiah', '50.5', /FORMAT: rupiah take whole rupiah only: "50\.5" has a fraction/],
      ['--rupiah', '1,5', /FORMAT: .*"," is ambiguous/],
      ['--rupiah', '50.000', /has a fraction/],
      ['--litres', '1.5', /whole litres only/],
      ['--m3', '1.0001', /4 fraction digits/],
      ['--currency', '25,000', /"," is ambiguous/],
    ] as const) {
      const r = await run(['hsm', 'vend', '--pan', PAN, option, text], { env: { ...env(), HYDROSYNC_STORE: join(dir, 'never-opened.sqlite') } });
      expect(r.code, `${option} ${text}`).toBe(2);
      expect(r.stderr).toMatch(words);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const grouped = await json(['hsm', 'vend', '--pan', PAN, '--rupiah', '50_000']);
    expect(grouped.tariff.paidRupiah).toBe(50000);
    const thin = await json(['hsm', 'vend', '--pan', PAN, '--litres', '2\u2009500']);
    expect(thin.creditedLitres).toBe(2500);
    const currency = await json(['hsm', 'vend', '--pan', PAN, '--currency', '25.000']);
    expect(currency.requested).toBe('25 currency'); // "." is always a fraction
  });

  it('a receipt shows one time zone, the utility\'s, with its offset (never UTC beside local)', async () => {
    const r = await run(['hsm', 'vend', '--pan', PAN, '--litres', '100']);
    expect(r.code, r.stderr).toBe(0);
    const cfg = await json(['hsm', 'config']);
    const offset = cfg.utcOffsetMinutes ?? cfg.config?.utcOffsetMinutes;
    const sign = offset < 0 ? '-' : '+';
    const zone = `${sign}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`;
    const times = r.stdout.match(/\d{4}-\d\d-\d\dT\d\d:\d\d[^\s]*/g) ?? [];
    expect(times.length).toBeGreaterThanOrEqual(2); // the TID's time and the issue time
    for (const t of times) expect(t).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d\\${zone}$`));
    expect(r.stdout).not.toMatch(/Z\b/);
  });

  it('--currency: a water currency token (class 0 subclass 5)', async () => {
    const v = await json(['hsm', 'vend', '--pan', PAN, '--currency', '25000']);
    const verified = await json(['hsm', 'verify', '--pan', PAN, v.tokens[0]]);
    expect(verified).toMatchObject({ ok: true, kind: 'transferCurrency', class: 0, subclass: 5 });
  });

  it('--txn: the same id again reissues the same token, no new credit', async () => {
    const a = await json(['hsm', 'vend', '--pan', PAN, '--m3', '1', '--txn', 'till3-000123']);
    expect(a).toMatchObject({ transactionId: 'till3-000123', reissued: false });
    const b = await run(['hsm', 'vend', '--pan', PAN, '--m3', '1', '--txn', 'till3-000123']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toContain('reissued: same token as transaction till3-000123, no new credit');
    expect(b.stdout).toContain(a.grouped[0]);
    const c = await json(['hsm', 'vend', '--pan', PAN, '--m3', '1', '--txn', 'till3-000123']);
    expect(c).toMatchObject({ reissued: true, tokens: a.tokens, tid: a.tid });
  });

  it('request and id options are checked by the module\'s own rules before the store is opened', async () => {
    const missing = { ...env(), HYDROSYNC_STORE: join(dir, 'never-opened.sqlite') };
    const long = await run(['hsm', 'vend', '--pan', PAN, '--m3', '1', '--operator', 'x'.repeat(65)], { env: missing });
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(/^hydrosync: FORMAT: --operator must be 1 to 64 printable characters/);
    const txn = await run(['hsm', 'vend', '--pan', PAN, '--m3', '1', '--txn', 'a b'], { env: missing });
    expect(txn.stderr).toMatch(/^hydrosync: FORMAT: transaction id must be/);
    const id = await run(['hsm', 'key', 'import', '--id', 'a:b'], { env: missing });
    expect(id.code).toBe(2);
    expect(id.stderr).toMatch(/^hydrosync: FORMAT: vending key id must be 1 to 64 characters/);
  });

  it('under --json, errors go to stderr as one JSON object {error:{code,message}}, exit codes unchanged', async () => {
    const cases: [string[], number, string][] = [
      [['hsm', 'vend', '--pan', PAN, '--rupiah', '50.5', '--json'], 2, 'FORMAT'],
      [['hsm', 'vend', '--pan', pan('0000000099'), '--m3', '1', '--json'], 1, 'NOT_FOUND'],
      [['hsm', 'vend', '--pan', PAN, '--m3', '1', '--bogus', '--json'], 2, 'USAGE'],
      [['token', 'decode', '--json', '-'], 2, 'USAGE'],
    ];
    for (const [args, code, errorCode] of cases) {
      const r = await run(args, { ...(args[1] === 'decode' ? { stdin: [] } : {}) });
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      const e = JSON.parse(lines[0]!);
      expect(e.error.code).toBe(errorCode);
      expect(typeof e.error.message).toBe('string');
      expect(e.error.message).not.toMatch(/^hydrosync:/);
    }
  });

  it('usage errors exit 2, refusals exit 1, each one line', async () => {
    const both = await run(['hsm', 'vend', '--pan', PAN, '--m3', '1', '--litres', '5']);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('hydrosync: give only one of --m3, --litres, --rupiah, --currency (got --m3 and --litres)\n');
    const none = await run(['hsm', 'vend', '--pan', PAN]);
    expect(none.code).toBe(2);
    const unknown = await run(['hsm', 'vend', '--pan', pan('0000000099'), '--m3', '1']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^hydrosync: NOT_FOUND: [^\n]+\n$/);
    const huge = await run(['hsm', 'vend', '--pan', PAN, '--m3', '99999999']);
    expect(huge.code).toBe(1);
    expect(huge.stderr).toMatch(/^hydrosync: RANGE: /);
    const noGroup = await run(['hsm', 'vend', '--pan', PAN2, '--rupiah', '1000']);
    expect(noGroup.code).not.toBe(0);
    const noKey = await run(['hsm', 'vend', '--pan', PAN, '--m3', '1'], { env: { HYDROSYNC_STORE: STORE } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/needs its master key/);
    const noStore = await run(['hsm', 'vend', '--pan', PAN, '--m3', '1'], { env: { ...env(), HYDROSYNC_STORE: join(dir, 'missing.sqlite') } });
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toMatch(/^hydrosync: STORE: no security module store at .*hsm init/);
  });
});

describe('hsm manage', () => {
  it.each([
    [['clear-credit'], 'clearCredit', 2, 1],
    [['clear-credit', '--register', 'all'], 'clearCredit', 2, 1],
    [['clear-tamper'], 'clearTamperCondition', 2, 5],
    [['set-water-meter-factor', '--factor', '1000'], 'setWaterMeterFactor', 2, 7],
    [['max-power-limit', '--watts', '2200'], 'setMaximumPowerLimit', 2, 0],
    [['max-phase-power-unbalance-limit', '--watts', '500'], 'setMaximumPhasePowerUnbalanceLimit', 2, 6],
  ])('%j issues a %s token that decodes with the meter key', async (args, kind, cls, subclass) => {
    const v = await json(['hsm', 'manage', ...args, '--pan', PAN]);
    expect(v.tokens).toHaveLength(1);
    expect(typeof v.tid).toBe('number');
    const verified = await json(['hsm', 'verify', '--pan', PAN, v.tokens[0]]);
    expect(verified).toMatchObject({ ok: true, kind, class: cls, subclass });
    if (args.includes('all')) expect(verified.fields.register).toBe(0xffff);
    if (args[0] === 'clear-credit' && !args.includes('all')) expect(verified.fields.register).toBe(1);
  });

  it('needs its value', async () => {
    const r = await run(['hsm', 'manage', 'max-power-limit', '--pan', PAN]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--watts/);
  });
});

describe('hsm keychange', () => {
  it('one meter to KRN 2: 4 tokens that the meter assembles into the new key; later vends use it', async () => {
    const kc = await json(['hsm', 'key-change', '--pan', PAN, '--new-krn', '2']);
    expect(kc.tokens).toHaveLength(4);
    expect(kc.keyRevisionNumber).toBe(2);
    const decoded = await decodeWithDemoKey(kc.tokens);
    const set = decoded.find((d) => d.keyChangeSet)!.keyChangeSet;
    expect(set).toMatchObject({ complete: true, tokenCount: 4, keyRevisionNumber: 2, rollover: false, baseDate: 2014 });
    const after = await json(['hsm', 'meter', 'show', PAN]);
    expect(after.keyRevisionNumber).toBe(2);
    const v = await json(['hsm', 'vend', '--pan', PAN, '--m3', '1']);
    expect(v.keyRevisionNumber).toBe(2);
    const [d] = await decodeWithDemoKey([v.tokens[0]], ['--krn', '2']);
    expect(d).toMatchObject({ ok: true, kind: 'transferCredit' });
    expect((await json(['hsm', 'verify', '--pan', PAN, v.tokens[0]])).ok).toBe(true);
  });

  it('rollover: base date 1993 → 2014 sets RO = 1', async () => {
    const r = await run(['hsm', 'keychange', '--pan', PAN2, '--new-krn', '2', '--new-base-date', '2014']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Tokens \(4, enter them in this order\):/);
    expect(r.stdout).toMatch(/Base date\s+1993 → 2014/);
    expect(r.stdout).toMatch(/Rollover \(RO\)\s+1/);
    const tokens = [...r.stdout.matchAll(/^\s+\d\. (\d{4} \d{4} \d{4} \d{4} \d{4})$/gm)].map((m) => m[1]!.replace(/ /g, ''));
    expect(tokens).toHaveLength(4);
    const decoded = await decodeWithDemoKey(tokens, ['--pan', PAN2, '--base-date', '1993']);
    expect(decoded.find((d) => d.keyChangeSet)!.keyChangeSet).toMatchObject({ complete: true, rollover: true, keyRevisionNumber: 2, baseDate: 2014 });
    expect((await json(['hsm', 'meter', 'show', PAN2])).baseDate).toBe(2014);
  });

  it('--fleet: every meter of a CSV file; outcomes as CSV (stdout) or NDJSON (--out); refused meters exit 1', async () => {
    const csvFile = join(dir, 'fleet.csv');
    writeFileSync(csvFile, `pan,newKeyExpiryNumber\n${PAN},200\n${PAN3}\n`.replace(`${PAN3}\n`, `${PAN3},\n`));
    const r = await run(['hsm', 'keychange', '--fleet', csvFile, '--new-ken', '250']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('pan,ok,errorCode,message,token1,token2,token3,token4');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual([`${PAN},true`, `${PAN3},true`]);
    expect(lines[1]!.split(',').slice(4).every((t) => /^\d{20}$/.test(t))).toBe(true);
    expect(r.stderr).toBe('hydrosync: fleet key change: 2 meters, 2 committed, 0 refused in ' + /in ([\d.]+) s/.exec(r.stderr)![1] + ' s\n');
    expect((await json(['hsm', 'meter', 'show', PAN])).keyExpiryNumber).toBe(200);
    expect((await json(['hsm', 'meter', 'show', PAN3])).keyExpiryNumber).toBe(250);
    // The set decodes with the meter's previous key (KRN 2, KEN 255) into KEN 200.
    const tokens = lines[1]!.split(',').slice(4);
    const set = (await decodeWithDemoKey(tokens, ['--krn', '2'])).find((d) => d.keyChangeSet)!.keyChangeSet;
    expect(set).toMatchObject({ complete: true, keyExpiryNumber: 200, keyRevisionNumber: 2 });

    const out = join(dir, 'fleet-out.ndjson');
    const unknown = pan('0000000077');
    const j = await run(['hsm', 'keychange', '--fleet', '-', '--new-ken', '240', '--out', out, '--json', '--txn', 'fleet-7'], { stdin: [`pan\n${PAN3}\n`, `${unknown}\n`] });
    expect(j.code, j.stderr).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ meters: 2, committed: 1, refused: 1, out, format: 'ndjson' });
    const outcomes = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(outcomes).toEqual([
      { pan: PAN3, ok: true, tokens: expect.any(Array) },
      { pan: unknown, ok: false, errorCode: 'NOT_FOUND', message: expect.any(String) },
    ]);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    // Each meter's transaction is "ID:PAN": one meter's set can be shown again.
    const re = await json(['hsm', 'keychange', '--pan', PAN3, '--new-ken', '240', '--txn', `fleet-7:${PAN3}`]);
    expect(re).toMatchObject({ reissued: true, tokens: outcomes[0]!.tokens });
    const again = await run(['hsm', 'keychange', '--fleet', csvFile, '--out', out, '--quiet']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; give --force/);
    const badCsv = join(dir, 'bad-fleet.csv');
    writeFileSync(badCsv, 'meter\n123\n');
    const bad = await run(['hsm', 'keychange', '--fleet', badCsv]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^hydrosync: FORMAT: line 1: unknown column "meter"/);
  });

  it('refusals and usage', async () => {
    const both = await run(['hsm', 'keychange', '--pan', PAN, '--fleet', 'x.csv']);
    expect(both.code).toBe(2);
    const none = await run(['hsm', 'keychange', '--new-krn', '3']);
    expect(none.code).toBe(2);
    const outWithoutFleet = await run(['hsm', 'keychange', '--pan', PAN, '--out', 'x.csv']);
    expect(outWithoutFleet.code).toBe(2);
    expect(outWithoutFleet.stderr).toMatch(/--out goes with --fleet/);
  });
});

describe('hsm verify', () => {
  it('a token for another meter or mistyped fails with exit 1', async () => {
    const v = await json(['hsm', 'vend', '--pan', PAN3, '--m3', '1']);
    const other = await run(['hsm', 'verify', '--pan', PAN, v.tokens[0]]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^hydrosync: token \d{4} .* for meter 600727000000000009: CRC: /);
    const typo = `${v.tokens[0].slice(0, 19)}${(Number(v.tokens[0][19]) + 1) % 10}`;
    const r = await run(['hsm', 'verify', '--pan', PAN3, typo, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^(CRC|FORMAT|FUNCTION)$/) } });
    const groups = await run(['hsm', 'verify', '--pan', PAN3, ...v.grouped[0].split(' ')]);
    expect(groups.code, groups.stderr).toBe(0);
    expect(groups.stdout).toMatch(/decodes with the key of meter/);
  });
});

describe('hsm audit', () => {
  it('lists records with operator and vending point; verify passes; export csv and ndjson', async () => {
    const list = await json(['hsm', 'audit', 'list', '--all']);
    expect(list.records.length).toBeGreaterThan(10);
    const vends = list.records.filter((r: { kind: string; outcome: string }) => r.kind.startsWith('vend') && r.outcome === 'issued');
    expect(vends.length).toBeGreaterThan(5);
    expect(vends.every((r: { operator: string; vendingPoint: string; tokenHash: string }) => r.operator === 'alice' && r.vendingPoint === 'cli' && /^[0-9a-f]{64}$/.test(r.tokenHash))).toBe(true);
    expect(list.records.some((r: { outcome: string }) => r.outcome === 'reissued')).toBe(true);
    expect(list.records.some((r: { outcome: string; errorCode: string }) => r.outcome === 'refused' && r.errorCode === 'RANGE')).toBe(true);
    const page = await json(['hsm', 'audit', 'list', '--before', String(list.records[4].seq), '--limit', '2']);
    expect(page.records.map((r: { seq: number }) => r.seq)).toEqual([list.records[2].seq, list.records[3].seq]);
    const bare = await run(['hsm', 'audit']);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toMatch(/^SEQ\s+AT\s+OPERATOR/);

    const v = await json(['hsm', 'audit', 'verify']);
    expect(v).toMatchObject({ ok: true, records: list.records.length });
    const human = await run(['hsm', 'audit', 'verify']);
    expect(human.stdout).toMatch(/Audit log intact: \d+ records/);

    const csv = await run(['hsm', 'audit', 'export', '--format', 'csv']);
    expect(csv.code).toBe(0);
    expect(csv.stdout.trim().split('\n')).toHaveLength(list.records.length + 1);
    const nd = await run(['hsm', 'audit', 'export', '--format', 'ndjson']);
    const rows = nd.stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; hash: string });
    expect(rows.map((r) => r.hash)).toEqual(list.records.map((r: { hash: string }) => r.hash));
    const out = join(dir, 'audit.csv');
    const file = await json(['hsm', 'audit', 'export', '--format', 'csv', '--out', out]);
    expect(file).toEqual({ out, format: 'csv', records: list.records.length });
    expect(readFileSync(out, 'utf8')).toBe(csv.stdout);
    const again = await run(['hsm', 'audit', 'export', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; give --force/);
    const bad = await run(['hsm', 'audit', 'export', '--format', 'xml']);
    expect(bad.code).toBe(2);
  });
});

describe('hsm config', () => {
  it('shows and changes the configuration', async () => {
    const c = await json(['hsm', 'config']);
    expect(c).toMatchObject({ utcOffsetMinutes: 420, tariffs: [{ group: 'R1' }] });
    const d = await json(['hsm', 'config', 'set', '--daily-limit-litres', '1000000']);
    expect(d.dailyLimitLitresPerVendingPoint).toBe(1000000);
    const human = await run(['hsm', 'config', 'show']);
    expect(human.stdout).toMatch(/UTC\+07:00 \(WIB\)/);
    expect(human.stdout).toMatch(/1,000,000 L per vending point/);
    const none = await run(['hsm', 'config', 'set']);
    expect(none.code).toBe(2);
  });

  it('a tariffs file is checked by the module\'s own rule: the error names the file and the block; nothing changes', async () => {
    const bad = writeJson('bad-tariffs.json', { format: 'hydrosync-tariffs/1', tariffs: [{ group: 'R2', blocks: [{ upToCubicMetres: 10, rupiahPerCubicMetre: 1500 }, { upToCubicMetres: 5, rupiahPerCubicMetre: 2500 }, { upToCubicMetres: null, rupiahPerCubicMetre: 4000 }] }] });
    const r = await run(['hsm', 'config', 'set', '--tariffs', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`hydrosync: RANGE: tariffs file ${bad}: tariff R2 block 2: upToCubicMetres must be a whole number of m³ above 10 (the previous bound) and at most 1000000; got 5\n`);
    const shape = writeJson('shape-tariffs.json', { tariffs: [] });
    expect((await run(['hsm', 'config', 'set', '--tariffs', shape])).stderr).toContain(`tariffs file ${shape} must hold {"format":"hydrosync-tariffs/1"`);
    expect((await json(['hsm', 'config'])).tariffs).toEqual([{ group: 'R1', blocks: TARIFFS.tariffs[0]!.blocks }]);
  });

  it('a daily limit per vending point refuses with LIMIT (exit 1); other vending points go on', async () => {
    await json(['hsm', 'config', 'set', '--daily-limit-litres', '3000']);
    const a = await run(['hsm', 'vend', '--pan', PAN3, '--litres', '2000', '--vending-point', 'kiosk-9']);
    expect(a.code, a.stderr).toBe(0);
    const b = await run(['hsm', 'vend', '--pan', PAN3, '--litres', '2000', '--vending-point', 'kiosk-9']);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/^hydrosync: LIMIT: [^\n]+\n$/);
    const c = await run(['hsm', 'vend', '--pan', PAN3, '--litres', '2000'], { env: { ...env(), HYDROSYNC_VENDING_POINT: 'kiosk-10' } });
    expect(c.code, c.stderr).toBe(0);
    await json(['hsm', 'config', 'set', '--daily-limit-litres', 'none']);
  });

  it('a vending key past its issued-until date refuses with KEY_INACTIVE (exit 1)', async () => {
    await json(['hsm', 'key', 'import', '--id', '201457-krn3-old', '--sgc', '201457', '--krn', '3', '--base-date', '2014',
      '--active-from', '2024-01-01T00:00', '--issued-until', '2025-01-01T00:00'], { env: { ...env(), HYDROSYNC_VENDING_KEY: VK } });
    const PAN4 = pan('0000000004');
    await json(['hsm', 'meter', 'add', '--pan', PAN4, '--customer-ref', 'old', '--vending-key-id', '201457-krn3-old']);
    const r = await run(['hsm', 'vend', '--pan', PAN4, '--m3', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^hydrosync: KEY_INACTIVE: /);
  });
});

describe('secrets', () => {
  it('no output ever held the master key, the vending key or a decoder key', () => {
    const all = seen.join('\n').toLowerCase();
    const dk = (krn: number, p: string, baseDate: 1993 | 2014 = 2014) => deriveDecoderKey(VK, {
      supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: krn, keyType: 2, pan: p, baseDate, encryptionAlgorithm: '11',
    }).exportHex().toLowerCase();
    expect(masterHex).toHaveLength(64);
    for (const secret of [masterHex, VK, dk(1, PAN), dk(2, PAN), dk(1, PAN2, 1993), dk(2, PAN2)]) {
      expect(all).not.toContain(secret.slice(0, 16));
      expect(all).not.toContain(secret.slice(-16));
    }
  });
});
