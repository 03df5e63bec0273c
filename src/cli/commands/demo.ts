import type { Command } from 'commander';
import { HydroSyncError } from '../../errors';
import { deriveDecoderKey } from '../../keys/derive';
import type { DecoderKey } from '../../keys/decoder-key';
import type { Dkga, KeyParameters } from '../../keys/types';
import { decodeToken } from '../../tokens/decode';
import { TOKEN_NAMES, describeToken } from '../../tokens/describe';
import { generateToken } from '../../tokens/generate';
import { issueCredit } from '../../tokens/issue';
import { decodeKeyChange, generateKeyChange, keyChangeTokens } from '../../tokens/key-change';
import type { CliContext } from '../context';
import { DEMO_KEY } from '../demo-key';
import { keyCheckValue } from '../key-check-value';
import { creditText, describeRows, groupDigits, keyTypeText, table } from '../token-text';

/** The fixed story of the demo: same output on every run. */
export const DEMO_SCRIPT = Object.freeze({
  /** Issue time, naive wall clock of the meter's zone (WIB). */
  dateTime: '2026-12-01T09:30',
  zone: 'WIB, UTC+7',
  cubicMetres: '5',
  rnd: 7,
  /** Digits (0-based) the customer may mistype, in order of preference: the first giving a CRC error is shown. */
  typoCandidates: [17, 16, 15, 14, 13, 12, 18, 19],
  newKeyRevisionNumber: 2,
});

function demoParameters(krn: number): KeyParameters & { dkga: Dkga } {
  return {
    dkga: DEMO_KEY.dkga as Dkga,
    keyType: DEMO_KEY.keyType as 2,
    supplyGroupCode: DEMO_KEY.supplyGroupCode,
    tariffIndex: DEMO_KEY.tariffIndex,
    keyRevisionNumber: krn,
    keyExpiryNumber: DEMO_KEY.keyExpiryNumber,
    pan: DEMO_KEY.pan,
    baseDate: DEMO_KEY.baseDate as 2014,
    encryptionAlgorithm: DEMO_KEY.encryptionAlgorithm as '11',
  };
}

/** A digit changed: the one at `at` goes up by one (9 → 0). */
function mistype(token: string, at: number): string {
  const d = (token.charCodeAt(at) - 48 + 1) % 10;
  return token.slice(0, at) + String(d) + token.slice(at + 1);
}

/** `hydrosync demo`: the whole story, from key to token to meter, on the built-in public test keys. */
export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .summary('walk through key, water token, meter check, test token and key change (no files needed)')
    .description('Show the whole story on the public STS test keys: derive a meter key, sell 5 m³ of water, let the meter check the token, reject a mistyped one, make a test token and change the meter\'s key. Deterministic: the same output every time.')
    .action(() => {
      const out = (line = '') => ctx.out(line);
      const rows = (r: [string, string][], indent = '     ') => table(r, indent).forEach((l) => out(l));
      const vending = DEMO_KEY.vendingKey;
      ctx.addSecret(vending); // public, but the demo still shows how keys are kept out of sight
      const meterKey: DecoderKey = deriveDecoderKey(vending, demoParameters(DEMO_KEY.keyRevisionNumber));

      out('HydroSync demo: a prepaid water token, from the vending office to the meter');
      out('===========================================================================');
      out('All keys here are the PUBLIC test keys of the STS compliance suites (STS 531-1). They are');
      out('fine for a demonstration and must never be used for real meters.');
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
      const decoded = decodeToken(sale.token, meterKey);
      const d = describeToken(decoded, { baseDate: meterKey.baseDate, keyExpiryNumber: meterKey.keyExpiryNumber });
      out('3. The meter checks the token');
      out('   It decrypts the digits with its own key; the CRC inside proves the token is whole and');
      out('   meant for this meter. Then it reads the fields:');
      rows(describeRows(d, meterKey.baseDate));
      out(`   The meter adds ${creditText(1, Number(d.meaning.tenths))} of credit. It also remembers the TID,`);
      out('   so the same token cannot be used twice.');
      out();

      // 4. Typo -----------------------------------------------------------------------------------
      // One digit wrong. Most typos fail the CRC; a few change the class bits (FUNCTION) or the
      // range (FORMAT): the demo shows the common case.
      const crcTypo = (at: number) => {
        try {
          decodeToken(mistype(sale.token, at), meterKey);
          return false;
        } catch (e) {
          return e instanceof HydroSyncError && e.code === 'CRC';
        }
      };
      const typoAt = DEMO_SCRIPT.typoCandidates.find(crcTypo) ?? DEMO_SCRIPT.typoCandidates[0]!;
      const typo = mistype(sale.token, typoAt);
      out('4. A typing mistake');
      out(`   The customer types ${groupDigits(typo)} (one digit wrong):`);
      try {
        decodeToken(typo, meterKey);
        out('     accepted (this should not happen)');
      } catch (e) {
        if (!(e instanceof HydroSyncError)) throw e;
        out(`     rejected, ${e.code}: ${e.message}`);
      }
      out('   Nothing is credited. A token made for another meter is rejected the same way.');
      out();

      // 5. Test token -----------------------------------------------------------------------------
      const test = generateToken({ kind: 'meterTest', class: 1, subclass: 0, fields: { control: 1, manufacturerCode: 0 } });
      const testDescription = describeToken(decodeToken(test));
      out('5. A test token (class 1)');
      out(`     Token   ${groupDigits(test)}`);
      rows(describeRows(testDescription).filter(([label]) => label !== 'Kind'));
      out('   Test tokens are not encrypted and need no key: a technician uses them to run the');
      out("   meter's tests and displays. They add no credit.");
      out();

      // 6. Key change -----------------------------------------------------------------------------
      const newKrn = DEMO_SCRIPT.newKeyRevisionNumber;
      const newKey = deriveDecoderKey(vending, demoParameters(newKrn));
      const kct = generateKeyChange(meterKey, newKey);
      const kinds = keyChangeTokens(meterKey, newKey);
      out(`6. Changing the meter's key (KRN ${meterKey.keyRevisionNumber} → ${newKrn})`);
      out(`   When the utility moves to a new key revision, each meter gets ${kct.length} key change tokens,`);
      out('   encrypted with its current key. Enter them in this order:');
      kct.forEach((t, i) => out(`     ${i + 1}. ${groupDigits(t)}   ${TOKEN_NAMES[kinds[i]!.kind]}`));
      const { change, newKey: meterNewKey } = decodeKeyChange(kct, meterKey);
      out('   The meter decodes the set with its current key and switches to the new key:');
      rows([
        ['Key revision (KRN)', String(change.keyRevisionNumber)],
        ['Key type (KT)', keyTypeText(change.keyType)],
        ['Tariff index (TI)', change.tariffIndex],
        ['Key expiry (KEN)', String(change.keyExpiryNumber)],
        ['Supply group (SGC)', change.supplyGroupCode ?? meterNewKey.supplyGroupCode],
        ['Rollover', change.rollover ? 'yes' : 'no (same base date, TID memory kept)'],
        ['Key check value', `${keyCheckValue(meterNewKey)} (vending side: ${keyCheckValue(newKey)}, ${keyCheckValue(meterNewKey) === keyCheckValue(newKey) ? 'they match' : 'MISMATCH'})`],
      ]);
      out(`   Tokens bought before the change must be entered first; later tokens are made with KRN ${newKrn}.`);
      out();
      out('Next: hydrosync token generate credit --demo-key --m3 5 --date-time 2026-12-01T09:30');
      out('      hydrosync token decode --demo-key <20 digits>        hydrosync --help');
    });
}
