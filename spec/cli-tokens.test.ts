import { describe, expect, it } from 'vitest';
import { deriveDecoderKey } from '../src/keys/derive';
import { DEMO_KEY } from '../src/keys/demo-key';
import { runCapture as run } from './support';

function json(s: string): Record<string, any> {
  return JSON.parse(s) as Record<string, any>;
}

function ndjson(s: string): Record<string, any>[] {
  return s.trim().split('\n').map((l) => json(l));
}

const WHEN = ['--date-time', '2026-12-01T09:30'];

async function generate(kind: string, ...args: string[]): Promise<Record<string, any>> {
  const r = await run(['token', 'generate', kind, ...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return json(r.stdout);
}

async function decode(...args: string[]): Promise<Record<string, any>[]> {
  const r = await run(['token', 'decode', ...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return ndjson(r.stdout);
}

describe('hydrosync demo', () => {
  it('tells the whole story, exits 0 and is deterministic', async () => {
    const a = await run(['demo']);
    expect(a.code).toBe(0);
    expect(a.stderr).toBe('');
    expect(a.stdout).toMatch(/Token\s+\d{4} \d{4} \d{4} \d{4} \d{4}/);
    expect(a.stdout).toContain('5 m³ (5000 L)');
    expect(a.stdout).toContain('2026-12-01T09:30');
    expect(a.stdout).toMatch(/Meter shows\s+(CRC|FORMAT): /);
    expect(a.stdout).toContain('0000 0000 0001 5099 7584'); // class 1 test token, control 1
    expect(a.stdout).toMatch(/Set4thSectionDecoderKey/);
    expect(a.stdout).toMatch(/they match/);
    expect(a.stdout).toMatch(/PUBLIC test keys/);
    const b = await run(['demo']);
    expect(b.stdout).toBe(a.stdout);
  });

  it('prints the same water token as token generate with the same inputs', async () => {
    const demo = await run(['demo']);
    const t = await generate('credit', '--demo-key', '--m3', '5', ...WHEN, '--rnd', '7');
    expect(demo.stdout).toContain(t.grouped);
  });
});

describe('token generate → token decode round trips', () => {
  it('credit (water): rounds up and decodes back to the same fields', async () => {
    const t = await generate('credit', '--demo-key', '--m3', '2.55', ...WHEN, '--rnd', '3');
    expect(t.token).toMatch(/^\d{20}$/);
    expect(t.class).toBe(0);
    expect(t.subclass).toBe(1);
    expect(t.fields).toEqual({ rnd: 3, tid: t.tid, amount: 26 });
    expect(t.dateTime).toBe('2026-12-01T09:30');
    expect(t.carried.litres).toBe(2600);
    const [d] = await decode('--demo-key', t.token);
    expect(d).toMatchObject({ token: t.token, ok: true, kind: 'transferCredit', class: 0, subclass: 1, fields: t.fields });
    expect(d!.meaning).toMatchObject({ litres: 2600, dateTime: '2026-12-01T09:30' });
  });

  it('credit: human output says what was asked and what the token carries', async () => {
    const r = await run(['token', 'generate', 'credit', '--demo-key', '--m3', '2.55', ...WHEN]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('requested 2.55 m³, token carries 2.6 m³ (2600 L)');
    expect(r.stdout).toMatch(/^Token \d{4} \d{4} \d{4} \d{4} \d{4}$/m);
    expect(r.stdout).toMatch(/KRN 1, SGC 201457, TI 01/);
  });

  it('credit with --litres and --tenths, and --now with a UTC offset (never the host zone)', async () => {
    const a = await generate('credit', '--demo-key', '--litres', '5000', ...WHEN, '--rnd', '1');
    const b = await generate('credit', '--demo-key', '--tenths', '50', '--now', '--utc-offset', '420', '--rnd', '1');
    expect(b.token).toBe(a.token);
    const c = await run(['token', 'generate', 'credit', '--demo-key', '--tenths', '50', '--rnd', '1', '--json'], { env: { HYDROSYNC_UTC_OFFSET: '420' } });
    expect(json(c.stdout).token).toBe(a.token);
  });

  it('credit: a 0 credit is refused with RANGE, as the security module refuses it', async () => {
    for (const amount of [['--litres', '0'], ['--m3', '0'], ['--tenths', '0']]) {
      const r = await run(['token', 'generate', 'credit', '--demo-key', ...amount, ...WHEN]);
      expect(r.code, amount.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^hydrosync: RANGE: a credit must be above 0/m);
      expect(r.stdout).toBe('');
    }
  });

  it('currency: --amount is the hidden old name of --currency; both at once is a usage error', async () => {
    const a = await generate('currency', '--demo-key', '--amount', '12.5', ...WHEN);
    expect(a.requested).toBe('12.5');
    const both = await run(['token', 'generate', 'currency', '--demo-key', '--amount', '1', '--currency', '1', ...WHEN]);
    expect(both.code).toBe(2);
    const help = await run(['token', 'generate', 'currency', '--help']);
    expect(help.stdout).toContain('--currency');
    expect(help.stdout).not.toContain('--amount');
  });

  it('currency', async () => {
    const t = await generate('currency', '--demo-key', '--currency', '50000', ...WHEN);
    expect(t).toMatchObject({ kind: 'transferCurrency', class: 0, subclass: 5, requested: '50000' });
    const [d] = await decode('--demo-key', t.token);
    expect(d).toMatchObject({ ok: true, kind: 'transferCurrency', subclass: 5, fields: t.fields });
    expect(d!.meaning.currency).toBe(t.carried);
  });

  it('test (class 1) needs no key, on either side', async () => {
    const t = await generate('test', '--control', '0x1F', '--mfr', '7');
    expect(t).toMatchObject({ class: 1, subclass: 0, fields: { control: 31, manufacturerCode: 7 } });
    const [d] = await decode(t.token);
    expect(d).toMatchObject({ ok: true, kind: 'meterTest', fields: { control: 31, manufacturerCode: 7 } });
    const one = await generate('test');
    expect(one.token).toBe('00000000000150997584');
  });

  it('clear-credit (water by default, or all registers)', async () => {
    const water = await generate('clear-credit', '--demo-key', ...WHEN);
    expect(water.fields.register).toBe(1);
    const all = await generate('clear-credit', '--demo-key', '--register', 'all', ...WHEN);
    const [d] = await decode('--demo-key', all.token);
    expect(d).toMatchObject({ ok: true, kind: 'clearCredit', class: 2, subclass: 1, fields: { register: 0xffff } });
    expect(d!.meaning.register).toBe('all registers');
  });

  it('the other class 2 kinds', async () => {
    const cases: [string, string[], string, Record<string, number>][] = [
      ['clear-tamper', [], 'clearTamperCondition', { pad: 0 }],
      ['max-power', ['--watts', '2200'], 'setMaximumPowerLimit', { maximumPowerLimit: 2200 }],
      ['phase-unbalance', ['--watts', '500'], 'setMaximumPhasePowerUnbalanceLimit', { maximumPhasePowerUnbalanceLimit: 500 }],
      ['tariff-rate', ['--raw', '0x0100'], 'setTariffRate', { rate: 256 }],
      ['water-meter-factor', ['--factor', '1000'], 'setWaterMeterFactor', { waterMeterFactor: 1000 }],
    ];
    for (const [kind, args, name, fields] of cases) {
      const t = await generate(kind, '--demo-key', ...args, ...WHEN);
      const [d] = await decode('--demo-key', t.token);
      expect(d, kind).toMatchObject({ ok: true, kind: name, class: 2, fields });
    }
  });

  it('key-change: 4 tokens in entry order, decoded back to the new attributes and KCV only', async () => {
    const kc = await generate('key-change', '--demo-key', '--new-krn', '2');
    expect(kc.tokens).toHaveLength(4);
    expect(kc.names).toEqual(['Set1stSectionDecoderKey', 'Set2ndSectionDecoderKey', 'Set3rdSectionDecoderKey', 'Set4thSectionDecoderKey']);
    expect(kc.rollover).toBe(false);
    const lines = await decode('--demo-key', ...kc.tokens);
    expect(lines).toHaveLength(5);
    for (const l of lines.slice(0, 4)) {
      expect(l.ok).toBe(true);
      expect(Object.keys(l.fields).some((k) => k.startsWith('newKey'))).toBe(false);
      expect(l.redactedFields).toHaveLength(1);
    }
    const set = lines[4]!.keyChangeSet;
    expect(set).toMatchObject({ complete: true, tokenCount: 4, keyRevisionNumber: 2, keyType: 2, tariffIndex: '01', keyExpiryNumber: 255, rollover: false, supplyGroupCode: '201457' });
    expect(set.kcv).toBe(kc.newKey.kcv);
    const derived = await run(['key', 'derive', '--demo-key', '--krn', '2', '--json']);
    expect(json(derived.stdout).kcv).toBe(set.kcv);
    // Human output: the order guidance and the old-tokens-first warning.
    const human = await run(['token', 'generate', 'key-change', '--demo-key', '--new-krn', '2']);
    expect(human.stdout).toMatch(/Enter them in this order/);
    expect(human.stdout).toMatch(/^ {2}4\. \d{4} \d{4} \d{4} \d{4} \d{4}/m);
    expect(human.stdout).toMatch(/BEFORE/);
    const decoded = await run(['token', 'decode', '--demo-key', ...kc.tokens]);
    expect(decoded.stdout).toMatch(/Key change set: complete \(4 tokens\)/);
    expect(decoded.stdout).toContain(`Key check value     ${set.kcv}`);
  });

  it('key-change with a new base date is a rollover', async () => {
    const kc = await generate('key-change', '--demo-key', '--new-krn', '2', '--new-base-date', '2035');
    expect(kc.rollover).toBe(true);
    const r = await run(['token', 'generate', 'key-change', '--demo-key', '--new-krn', '2', '--new-base-date', '2035', '--no-rollover']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/KEY_CHANGE/);
  });

  it('key-change refuses a new key equal to the current one', async () => {
    const r = await run(['token', 'generate', 'key-change', '--demo-key']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/same as the current key/);
  });
});

describe('token decode', () => {
  it('human output: kind, class/subclass, fields and meaning', async () => {
    const t = await generate('credit', '--demo-key', '--m3', '5', ...WHEN, '--rnd', '7');
    const r = await run(['token', 'decode', '--demo-key', t.grouped]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Token ${t.grouped}`);
    expect(r.stdout).toMatch(/TransferCredit: class 0, subclass 1/);
    expect(r.stdout).toMatch(/Amount field\s+50 = 50 × 0\.1 m³/);
    expect(r.stdout).toMatch(/Credit\s+5 m³ \(5000 L\)/);
    // Grouped digits typed without quotes arrive as five arguments.
    const split = await run(['token', 'decode', '--demo-key', ...t.grouped.split(' ')]);
    expect(split.stdout).toBe(r.stdout);
  });

  it('a mistyped token fails with CRC, exit 1, one stderr line', async () => {
    const t = await generate('credit', '--demo-key', '--m3', '5', ...WHEN, '--rnd', '7');
    const bad = t.token.slice(0, 17) + String((Number(t.token[17]) + 1) % 10) + t.token.slice(18);
    const r = await run(['token', 'decode', '--demo-key', bad]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.includes('warning'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^hydrosync: token \d{4} .*: CRC: CRC check failed/);
  });

  it('"-" with empty standard input is a usage error (exit 2), not a silent success', async () => {
    for (const stdin of [[], ['\n  \n']]) {
      const r = await run(['token', 'decode', '-'], { stdin });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^hydrosync: no tokens on standard input/);
      expect(r.stdout).toBe('');
    }
  });

  it('"-" reads stdin and writes NDJSON, one line per token; exit 1 when any fails', async () => {
    const t = await generate('credit', '--demo-key', '--m3', '5', ...WHEN, '--rnd', '7');
    const r = await run(['token', 'decode', '--demo-key', '-'], {
      stdin: [`${t.token}\n\n  \n1234`, '5678901234567890\r\n', '00000000000150997584\n', '12345'],
    });
    expect(r.code).toBe(1);
    const lines = ndjson(r.stdout);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ token: t.token, ok: true, kind: 'transferCredit' });
    expect(lines[1]).toMatchObject({ token: '12345678901234567890', ok: false, error: { code: 'CRC' } });
    expect(lines[2]).toMatchObject({ ok: true, kind: 'meterTest' });
    expect(lines[3]).toMatchObject({ token: '12345', ok: false, error: { code: 'FORMAT' } });
  });

  it('"-" exits 0 when every token decodes', async () => {
    const r = await run(['token', 'decode', '-'], { stdin: ['00000000000150997584\n'] });
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout)).toHaveLength(1);
  });

  it('an encrypted token without a key: exit 2, naming the options', async () => {
    const t = await generate('credit', '--demo-key', '--m3', '5', ...WHEN);
    const r = await run(['token', 'decode', t.token]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--key-file/);
    expect(r.stderr).toMatch(/HYDROSYNC_DECODER_KEY/);
  });

  it('a decoder key from the environment', async () => {
    const dk = deriveDecoderKey(DEMO_KEY.vendingKey, { ...DEMO_KEY, dkga: '04', keyType: 2, baseDate: 2014, encryptionAlgorithm: '11' }).exportHex();
    const t = await generate('credit', '--demo-key', '--m3', '5', ...WHEN, '--rnd', '7');
    const r = await run(['token', 'decode', t.token, '--base-date', '2014', '--json'], { env: { HYDROSYNC_DECODER_KEY: dk } });
    expect(r.code, r.stderr).toBe(0);
    expect(json(r.stdout)).toMatchObject({ ok: true, fields: t.fields, meaning: { dateTime: '2026-12-01T09:30' } });
  });
});
