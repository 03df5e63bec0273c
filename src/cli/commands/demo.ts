import type { Command } from 'commander';
import type { BaseDate } from '../../codec/tid';
import { TID_MAX, tidFromWallClock, wallClockFromTid } from '../../codec/tid';
import { formatWallClock } from '../../codec/wall-clock';
import { deriveDecoderKey } from '../../keys/derive';
import type { DecoderKey } from '../../keys/decoder-key';
import type { Dkga, KeyParameters } from '../../keys/types';
import { formatMeterTime } from '../../meter/clock';
import { Meter, type EntryResult } from '../../meter/meter';
import { METER_RESULTS } from '../../meter/results';
import { decodeToken } from '../../tokens/decode';
import { TOKEN_NAMES, describeToken } from '../../tokens/describe';
import { generateToken } from '../../tokens/generate';
import { issueCredit } from '../../tokens/issue';
import { generateKeyChange, keyChangeTokens } from '../../tokens/key-change';
import type { CliContext } from '../context';
import { DEMO_KEY } from '../../keys/demo-key';
import { keyCheckValue } from '../../keys/key-check-value';
import { volumeText } from '../meter-text';
import { creditText, describeRows, groupDigits, keyTypeText, table } from '../token-text';

/** The fixed story of the demo: same output on every run. */
export const DEMO_SCRIPT = Object.freeze({
  /** Issue time, naive wall clock of the meter's zone (WIB). */
  dateTime: '2026-12-01T09:30',
  zone: 'WIB, UTC+7',
  cubicMetres: '5',
  rnd: 7,
  /** The meter left the factory then: its TID memory starts with this time. */
  manufactured: '2026-11-01T00:00',
  /** Meter clock when the customer enters the token. */
  enteredAt: '2026-12-01T09:35',
  /** Digits (0-based) the customer may mistype, in order of preference: the first giving a CRC error is shown. */
  typoCandidates: [17, 16, 15, 14, 13, 12, 18, 19],
  typoAt: '2026-12-01T09:36',
  /** An hour of water at 12.5 litres a minute. */
  flow: { litresPerMinute: '12.5', minutes: '60', from: '2026-12-01T10:00', to: '2026-12-01T11:00' },
  replayAt: '2026-12-01T11:05',
  /** A token dated before the meter was made: older than anything in its TID memory. */
  old: { dateTime: '2026-10-15T08:00', cubicMetres: '1', rnd: 2, enteredAt: '2026-12-01T11:06' },
  testAt: '2026-12-01T11:10',
  /** Years later, before base date 2014's TIDs run out: a key change with rollover to 2035. */
  keyChange: { at: '2045-06-01T08:00', newKeyRevisionNumber: 2, newBaseDate: 2035 as BaseDate },
  newSale: { dateTime: '2045-06-01T10:00', cubicMetres: '2', rnd: 5, enteredAt: '2045-06-01T10:05' },
  staleSale: { dateTime: '2045-06-01T10:10', cubicMetres: '1', rnd: 9, enteredAt: '2045-06-01T10:15' },
});

/** The demo key's parameters with another key revision and base date. */
function demoParameters(krn: number, baseDate: BaseDate = DEMO_KEY.baseDate as BaseDate): KeyParameters & { dkga: Dkga } {
  const { vendingKey: _vendingKey, ...parameters } = DEMO_KEY;
  return { ...parameters, keyRevisionNumber: krn, baseDate } as KeyParameters & { dkga: Dkga };
}

/** A digit changed: the one at `at` goes up by one (9 → 0). */
function mistype(token: string, at: number): string {
  const d = (token.charCodeAt(at) - 48 + 1) % 10;
  return token.slice(0, at) + String(d) + token.slice(at + 1);
}

/** What the meter's display says: code, English and Indonesian text. */
function shown(r: EntryResult): string {
  const info = METER_RESULTS[r.result];
  return `${r.result}: "${info.en}" / "${info.id}"`;
}

/** `hydrosync demo`: the whole story, from key to token to meter, on the built-in public test keys. */
export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .summary('walk through key, water token, meter, replay, key change with rollover (no files needed)')
    .description('Show the whole story on the public STS test keys: derive a meter key, sell 5 m³ of water, enter the token into a simulated meter, use water, see a typo, a replay and an old token refused, a test token, and a key change with rollover. Deterministic: the same output every time; nothing is written.')
    .action(() => {
      const out = (line = '') => ctx.out(line);
      const rows = (r: [string, string][], indent = '     ') => table(r, indent).forEach((l) => out(l));
      const vending = DEMO_KEY.vendingKey;
      ctx.addSecret(vending); // public, but the demo still shows how keys are kept out of sight
      const meterKey: DecoderKey = deriveDecoderKey(vending, demoParameters(DEMO_KEY.keyRevisionNumber));
      const meter = new Meter({
        profile: { pan: DEMO_KEY.pan },
        key: meterKey,
        initialTid: tidFromWallClock(DEMO_SCRIPT.manufactured, meterKey.baseDate),
      });
      const meterRow = (r: EntryResult): [string, string] => ['Meter shows', shown(r)];

      out('HydroSync demo: a prepaid water token, from the vending office to the meter');
      out('===========================================================================');
      out('All keys here are the PUBLIC test keys of the STS compliance suites (STS 531-1). They are');
      out('fine for a demonstration and must never be used for real meters. The meter is simulated in');
      out('memory (hydrosync meter … keeps one in a file).');
      out();

      // 1. Key ------------------------------------------------------------------------------------
      out("1. The meter's key");
      out("   Each meter has its own decoder key. The vending system derives it from the utility's");
      out("   secret vending key and the meter's number (MeterPAN), here with DKGA04; the meter got");
      out('   the same key at manufacture. The key itself is never shown, only its check value.');
      rows([
        ['MeterPAN', meterKey.pan ?? ''],
        ['Supply group (SGC)', meterKey.supplyGroupCode],
        ['Tariff index (TI)', meterKey.tariffIndex],
        ['Key revision (KRN)', String(meterKey.keyRevisionNumber)],
        ['Key type (KT)', keyTypeText(meterKey.keyType)],
        ['Key expiry (KEN)', `${meterKey.keyExpiryNumber} (never expires)`],
        ['Base date', `${meterKey.baseDate} (token times count minutes from ${meterKey.baseDate}-01-01 00:00)`],
        ['Encryption', `EA11 (MISTY1), ${meterKey.bits}-bit key`],
        ['Key check value', `${keyCheckValue(meterKey)} (identifies the key without revealing it)`],
      ]);
      out();

      // 2. Sell -----------------------------------------------------------------------------------
      const sale = issueCredit(meterKey, {
        cubicMetres: DEMO_SCRIPT.cubicMetres, dateTime: DEMO_SCRIPT.dateTime, rnd: DEMO_SCRIPT.rnd, subclass: 1,
      });
      out(`2. Selling ${DEMO_SCRIPT.cubicMetres} m³ of water on ${DEMO_SCRIPT.dateTime.replace('T', ' ')} (${DEMO_SCRIPT.zone})`);
      out(`     Token   ${sale.grouped}`);
      rows([
        ['TID', `${sale.tid} = ${sale.dateTime} (minutes since ${meterKey.baseDate}-01-01 00:00)`],
        ['Credit', `requested ${DEMO_SCRIPT.cubicMetres} m³, token carries ${creditText(1, sale.creditedTenths)}`],
      ]);
      out('   The customer types these 20 digits on the meter\'s keypad.');
      out();

      // 3. Meter ----------------------------------------------------------------------------------
      const d = describeToken(decodeToken(sale.token, meterKey), { baseDate: meterKey.baseDate, keyExpiryNumber: meterKey.keyExpiryNumber });
      out(`3. The meter checks the token (meter made on ${DEMO_SCRIPT.manufactured.replace('T', ' ')}, entered at ${DEMO_SCRIPT.enteredAt.slice(11)})`);
      out('   It decrypts the digits with its own key; the CRC inside proves the token is whole and');
      out('   meant for this meter. Then it reads the fields:');
      const accepted = meter.enter(sale.token, DEMO_SCRIPT.enteredAt);
      rows([
        ...describeRows(d, meterKey.baseDate),
        meterRow(accepted),
        ['Meter credit', `+${accepted.litres ?? 0} L, now ${volumeText(meter.creditLitres)}; the valve opens`],
      ]);
      out('   The meter remembers the TID, so the same token cannot be used twice.');
      out();

      // 4. Typo -----------------------------------------------------------------------------------
      // One digit wrong. Most typos fail the CRC; a few change the class bits (FUNCTION) or the
      // range (FORMAT): the demo shows the common case (the probe runs on a copy of the meter's key).
      const probe = new Meter({ profile: { pan: DEMO_KEY.pan, lockout: null }, key: meterKey });
      const typoAt = DEMO_SCRIPT.typoCandidates.find((i) => probe.enter(mistype(sale.token, i), DEMO_SCRIPT.typoAt).result === 'CRC')
        ?? DEMO_SCRIPT.typoCandidates[0]!;
      const typo = mistype(sale.token, typoAt);
      out('4. A typing mistake');
      out(`   The customer types ${groupDigits(typo)} (one digit wrong):`);
      const typoResult = meter.enter(typo, DEMO_SCRIPT.typoAt);
      rows([meterRow(typoResult), ['Credit', `unchanged, ${volumeText(meter.creditLitres)}`]]);
      out('   A token made for another meter is rejected the same way.');
      out();

      // 5. Water ----------------------------------------------------------------------------------
      const f = DEMO_SCRIPT.flow;
      const used = meter.flow(f.litresPerMinute, f.minutes, f.to);
      out(`5. Using water: ${f.litresPerMinute} litres a minute from ${f.from.slice(11)} to ${f.to.slice(11)}`);
      rows([
        ['Used', volumeText(used)],
        ['Remaining', `${volumeText(meter.creditLitres)}; the valve closes when it reaches 0`],
      ]);
      out();

      // 6. Replay and an old token ---------------------------------------------------------------
      const old = issueCredit(meterKey, {
        cubicMetres: DEMO_SCRIPT.old.cubicMetres, dateTime: DEMO_SCRIPT.old.dateTime, rnd: DEMO_SCRIPT.old.rnd, subclass: 1,
      });
      out('6. Tokens the meter refuses');
      out(`   The same token again (${DEMO_SCRIPT.replayAt.slice(11)}): its TID is in the meter's memory.`);
      rows([meterRow(meter.enter(sale.token, DEMO_SCRIPT.replayAt))]);
      out(`   A token dated ${old.dateTime.replace('T', ' ')}, before the meter was made: older than every TID`);
      out(`   it remembers, so it can never have been entered (${old.grouped}).`);
      const oldResult = meter.enter(old.token, DEMO_SCRIPT.old.enteredAt);
      rows([meterRow(oldResult), ['Credit', `unchanged, ${volumeText(meter.creditLitres)}`]]);
      if (oldResult.lockedUntil !== undefined) {
        out(`   Three rejected tokens in a row lock the keypad until ${formatMeterTime(oldResult.lockedUntil).slice(11)} (10 s, doubling`);
        out('   with every further reject): guessing tokens is hopeless.');
      }
      out();

      // 7. Test token -----------------------------------------------------------------------------
      const test = generateToken({ kind: 'meterTest', class: 1, subclass: 0, fields: { control: 1, manufacturerCode: 0 } });
      const testDescription = describeToken(decodeToken(test));
      out('7. A test token (class 1)');
      out(`     Token   ${groupDigits(test)}`);
      rows([...describeRows(testDescription).filter(([label]) => label !== 'Kind'), meterRow(meter.enter(test, DEMO_SCRIPT.testAt))]);
      out('   Test tokens are not encrypted and need no key: a technician uses them to run the');
      out("   meter's tests and displays. They add no credit.");
      out();

      // 8. Key change with rollover ---------------------------------------------------------------
      const kc = DEMO_SCRIPT.keyChange;
      const runsOut = formatWallClock(wallClockFromTid(TID_MAX, meterKey.baseDate));
      const newKey = deriveDecoderKey(vending, demoParameters(kc.newKeyRevisionNumber, kc.newBaseDate));
      const kct = generateKeyChange(meterKey, newKey);
      const kinds = keyChangeTokens(meterKey, newKey);
      const before = meter.tidMemory.oldest;
      out(`8. Changing the meter's key, years later (${kc.at.replace('T', ' ')})`);
      out(`   TIDs are 24 bits: counted from ${meterKey.baseDate}, they run out on ${runsOut.replace('T', ' ')}. Before then the`);
      out(`   utility moves every meter to a new key (KRN ${meterKey.keyRevisionNumber} → ${kc.newKeyRevisionNumber}) with the next base date, ${kc.newBaseDate}: a`);
      out(`   rollover key change. Each meter gets ${kct.length} key change tokens, encrypted with its current key:`);
      kct.forEach((t, i) => {
        const r = meter.enter(t, kc.at);
        out(`     ${i + 1}. ${groupDigits(t)}   ${TOKEN_NAMES[kinds[i]!.kind].padEnd(23)}  → ${r.result}`);
      });
      const k = meter.key;
      out('   The meter took the set and switched to the new key:');
      rows([
        ['Key revision (KRN)', `${meterKey.keyRevisionNumber} → ${k.keyRevisionNumber}`],
        ['Base date', `${meterKey.baseDate} → ${k.baseDate} (rollover)`],
        ['TID memory', `reset: oldest TID ${before} → ${meter.tidMemory.oldest} (TIDs now count from ${k.baseDate})`],
        ['Credit', `kept, ${volumeText(meter.creditLitres)}`],
        ['Key check value', `${keyCheckValue(k)} (vending side: ${keyCheckValue(newKey)}, ${keyCheckValue(k) === keyCheckValue(newKey) ? 'they match' : 'MISMATCH'})`],
      ]);
      out();

      // 9. After the change -----------------------------------------------------------------------
      const ns = DEMO_SCRIPT.newSale;
      const fresh = issueCredit(newKey, { cubicMetres: ns.cubicMetres, dateTime: ns.dateTime, rnd: ns.rnd, subclass: 1 });
      const freshResult = meter.enter(fresh.token, ns.enteredAt);
      const ss = DEMO_SCRIPT.staleSale;
      const stale = issueCredit(meterKey, { cubicMetres: ss.cubicMetres, dateTime: ss.dateTime, rnd: ss.rnd, subclass: 1 });
      const staleResult = meter.enter(stale.token, ss.enteredAt);
      out('9. Tokens after the change');
      out(`   ${ns.cubicMetres} m³ sold with the new key (TID ${fresh.tid}, minutes since ${newKey.baseDate}): ${fresh.grouped}`);
      rows([meterRow(freshResult), ['Credit', `+${freshResult.litres ?? 0} L, now ${volumeText(meter.creditLitres)}`]]);
      out(`   A token a vending point still made with the old key: ${stale.grouped}`);
      rows([meterRow(staleResult), ['Credit', `unchanged, ${volumeText(meter.creditLitres)}`]]);
      out();
      out('Next: hydrosync meter init --demo-key --manufactured 2026-11-01T00:00 --state demo-meter.json');
      out('      hydrosync token generate credit --demo-key --m3 5 --date-time 2026-12-01T09:30');
      out('      hydrosync meter enter --state demo-meter.json --at 2026-12-01T09:35 <20 digits>');
      out('      hydrosync --help');
      out('The website and the vending server: npm start (a throwaway store with demo accounts, printed), then open the URL it prints.');
    });
}
