// Issue #14: one long keypad entry bricked the meter's state (history kept the text unbounded,
// loading refused entries over 64 characters). What the meter writes must always load; a file
// written before the fix loads too, keeping credit and TID memory.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_KEY } from '../src/keys/demo-key';
import { deriveDecoderKey } from '../src/keys/derive';
import type { KeyParameters } from '../src/keys/types';
import { Meter, meterToState, parseMeterState, serializeMeterState } from '../src/meter';
import { historyTokenText } from '../src/meter/history-text';
import { issueCredit } from '../src/tokens/issue';
import { runCapture } from './support';

const dir = mkdtempSync(join(tmpdir(), 'hydrosync-history-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = deriveDecoderKey(DEMO_KEY.vendingKey, DEMO_KEY as unknown as KeyParameters);
const T = issueCredit(key, { litres: 5000, dateTime: '2026-12-01T09:30', rnd: 7 }).token;
const meter = () => new Meter({ profile: { pan: DEMO_KEY.pan, historyDepth: 20 }, key });
const roundTrip = (m: Meter) => parseMeterState(serializeMeterState(meterToState(m, 1)));

describe('meter history text', () => {
  it('a token typed with extra dashes is kept as its 20 digits; any other text bounded and printable', () => {
    const m = meter();
    const dashed = T.replace(/(\d{2})/g, '$1--');
    expect(m.enter(dashed, '2026-12-01T09:35').result).toBe('ACCEPT');
    m.enter(`\u001b[2J${'9'.repeat(100)}`, '2026-12-01T09:36');
    m.enter('abc\u0000\u00e9\ud83d', '2026-12-01T09:37');
    expect(m.history.map((h) => h.token)).toEqual([T, `?[2J${'9'.repeat(57)}...`, 'abc???']);
    const back = roundTrip(m);
    expect(back.history).toEqual(m.history);
    expect(back.creditLitres).toBe(5000);
  });

  it('property: whatever is typed, save → load gives the same meter history, every text at most 64 characters', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: fc.constantFrom('1', '2', ' ', '-', '\t'), maxLength: 80 })), { maxLength: 25 }), (entries) => {
      const m = meter();
      entries.forEach((e, i) => m.enter(e, 1_800_000_000 + i));
      const back = roundTrip(m);
      expect(back.history).toEqual(m.history);
      for (const h of back.history) {
        expect(h.token!.length).toBeLessThanOrEqual(64);
        expect(h.token).toMatch(/^[\x20-\x7e]*$/);
      }
      // Typing what the history shows gives the same history text (the normalisation is idempotent).
      for (const h of m.history) expect(historyTokenText(h.token)).toBe(h.token);
    }), { numRuns: 200 });
  });

  it('recovery: a state file with a long history entry (as written before) loads, keeping credit and TID memory; the CLI goes on', async () => {
    const state = join(dir, 'meter.json');
    const init = await runCapture(['meter', 'init', '--demo-key', '--manufactured', '2026-11-01T00:00', '--state', state]);
    expect(init.code, init.stderr).toBe(0);
    expect((await runCapture(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:35', T])).code).toBe(0);
    // What an older version wrote for one long entry.
    const doc = JSON.parse(readFileSync(state, 'utf8'));
    const long = `${T}${'-'.repeat(90)}x`;
    doc.history.push({ at: 1, event: 'token', token: long, result: 'FORMAT', creditLitres: 5000 });
    writeFileSync(state, JSON.stringify(doc));
    const status = await runCapture(['meter', 'status', '--state', state, '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).creditLitres).toBe(5000);
    expect((await runCapture(['meter', 'enter', '--state', state, '--at', '2026-12-01T09:40', T])).code).toBe(1); // USED: the TID memory was kept
    const saved = JSON.parse(readFileSync(state, 'utf8'));
    expect(saved.creditLitres).toBe(5000);
    expect(saved.history.every((h: { token?: string }) => h.token === undefined || h.token.length <= 64)).toBe(true);
  });
});
