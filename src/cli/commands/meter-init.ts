import type { Command } from 'commander';
import { tidFromWallClock, wallClockFromTid } from '../../codec/tid';
import { formatWallClock } from '../../codec/wall-clock';
import { Meter } from '../../meter/meter';
import { type LockoutPolicy, type MeterProfileInput, profileToJson } from '../../meter/profile';
import { ensurePrivateDirectory } from '../../node/xdg-file';
import type { CliContext } from '../context';
import { usage } from '../exit-codes';
import { type KeyOptionValues, addKeyOptions, keyFromOptions } from '../options/key';
import { staTablesFromOptions } from '../options/sta-tables';
import { type StateOptionValues, STATE_OPTION_HELP, meterStateFile } from '../meter-options';
import { profileLines, statusJson } from '../meter-text';
import { parseInteger } from '../option-values';

/** History kept by meters made with `meter init`. */
export const METER_HISTORY_DEPTH = 100;

interface InitOptions extends KeyOptionValues, StateOptionValues {
  mfrCode?: string;
  tidDepth?: string;
  lockout?: string;
  creditCapLitres?: string;
  lowCreditLitres?: string;
  subclasses?: string[];
  kctHoldSeconds?: string;
  manufactured?: string;
  force?: boolean;
  json?: boolean;
}

/** --lockout none | REJECTS,FIRST_SECONDS,MAX_SECONDS */
function lockoutOf(text: string): LockoutPolicy | null {
  const t = text.trim().toLowerCase();
  if (t === 'none' || t === 'off') return null;
  const parts = t.split(',');
  if (parts.length !== 3) usage('--lockout must be "none" or REJECTS,FIRST_SECONDS,MAX_SECONDS, e.g. 3,10,1280');
  return {
    rejects: parseInteger(parts[0]!, '--lockout REJECTS', 1, 1000),
    firstSeconds: parseInteger(parts[1]!, '--lockout FIRST_SECONDS', 1, 86400),
    maxSeconds: parseInteger(parts[2]!, '--lockout MAX_SECONDS', 1, 86400 * 7),
  };
}

/** --subclasses CLASS:LIST (repeatable), e.g. 0:1  2:1,3,4,5,8,9  1:none */
function subclassesOf(values: readonly string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const v of values) {
    const m = /^\s*([0-3])\s*:\s*(none|\d{1,2}(?:\s*,\s*\d{1,2})*)\s*$/i.exec(v);
    if (!m) usage(`--subclasses must be CLASS:LIST, e.g. 0:1 or 2:1,3,4,5,8,9 or 1:none; got ${JSON.stringify(v.slice(0, 30))}`);
    const cls = m[1]!;
    if (out[cls] !== undefined) usage(`--subclasses gives class ${cls} twice`);
    out[cls] = m[2]!.toLowerCase() === 'none' ? [] : m[2]!.split(',').map((s) => parseInteger(s, `--subclasses ${cls}`, 0, 15));
  }
  return out;
}

const HELP_AFTER = `
The meter's state (credit, TID memory, lockout, key, history) is one JSON file, format
hydrosync-meter-state/1, written with mode 0600: it holds the meter's decoder key, as the meter's
memory does. The key is given like any key (--key-file, HYDROSYNC_VENDING_KEY or
HYDROSYNC_DECODER_KEY with --pan --sgc --ti --krn --kt --base-date --ea, or --demo-key); a
vending key is used to derive the meter's decoder key and is not stored.

The TID memory starts filled with the TID of --manufactured (the meter's local time at
manufacture, under the key's base date), so tokens issued before then are Old. Without it the
memory starts at TID 0 (the base date): the host clock and time zone are never used.

Examples:
  $ hydrosync meter init --demo-key --manufactured 2026-11-01T00:00
  $ hydrosync meter init --key-file meter-0009.key.json --state meter-0009.json --tid-depth 100
  $ HYDROSYNC_DECODER_KEY=… hydrosync meter init --pan 600727000000000009 --base-date 2014 \\
      --kt 2 --lockout none --state m.json`;

/** `hydrosync meter init`: create a simulated water meter's state file. */
export function registerMeterInit(meter: Command, ctx: CliContext): void {
  const cmd = meter
    .command('init')
    .summary('create a simulated water meter (state file, mode 0600)')
    .description('Create the state of a simulated STS water meter: identity (MeterPAN), decoder key, profile, empty credit and a TID memory filled with its manufacture time.');
  cmd
    .option('--state <file>', STATE_OPTION_HELP)
    .option('--force', 'replace an existing state (its credit and TID memory are lost)')
    .option('--manufactured <when>', 'manufacture time, naive local YYYY-MM-DDTHH:MM: fills the TID memory (default: TID 0)')
    .option('--json', 'print one JSON object')
    .optionsGroup('Profile options:')
    .option('--mfr-code <n>', 'manufacturer code checked by test tokens (default: from the PAN\'s DRN)')
    .option('--tid-depth <n>', 'TIDs the meter remembers, 1-10000 (default 50)')
    .option('--lockout <policy>', '"none", or REJECTS,FIRST_SECONDS,MAX_SECONDS (default 3,10,1280)')
    .option('--credit-cap-litres <n>', 'largest credit the register holds, litres (default 100000000)')
    .option('--low-credit-litres <n>', 'low-credit flag at or below this, litres (default 1000)')
    .option('--subclasses <class:list>', 'supported subclasses of a class, repeatable: 0:1, 1:0,1, 2:1,3,4,5,8,9 (the water defaults)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--kct-hold-seconds <n>', 'how long held key-change tokens wait for the rest of the set (default 600)')
    .optionsGroup('Options:');
  addKeyOptions(cmd)
    .addHelpText('after', HELP_AFTER)
    .action(async (o: InitOptions) => {
      const resolved = keyFromOptions(ctx, o, { required: true, why: "meter init needs the meter's key" })!;
      const key = resolved.key;
      const pan = key.pan;
      if (pan === undefined) usage('meter init needs the meter\'s identity: give --pan (18-digit MeterPAN)');
      if (key.keyType === 1) ctx.warn('the key is a default key (KT 1, DDTK): the meter will refuse credit tokens until a key change installs a unique key');
      const profile: MeterProfileInput = { name: 'water', pan, historyDepth: METER_HISTORY_DEPTH };
      if (o.mfrCode !== undefined) profile.manufacturerCode = parseInteger(o.mfrCode, '--mfr-code', 0, 9999);
      if (o.tidDepth !== undefined) profile.tidMemoryDepth = parseInteger(o.tidDepth, '--tid-depth', 1, 10_000);
      if (o.lockout !== undefined) profile.lockout = lockoutOf(o.lockout);
      if (o.creditCapLitres !== undefined) profile.creditCapLitres = parseInteger(o.creditCapLitres, '--credit-cap-litres', 0, Number.MAX_SAFE_INTEGER);
      if (o.lowCreditLitres !== undefined) profile.lowCreditLitres = parseInteger(o.lowCreditLitres, '--low-credit-litres', 0, Number.MAX_SAFE_INTEGER);
      if (o.subclasses !== undefined) profile.subclasses = subclassesOf(o.subclasses);
      if (o.kctHoldSeconds !== undefined) profile.keyChangeHoldSeconds = parseInteger(o.kctHoldSeconds, '--kct-hold-seconds', 1, 86400);
      const initialTid = o.manufactured === undefined ? 0 : tidFromWallClock(o.manufactured.trim(), key.baseDate);
      const file = meterStateFile(ctx, o);
      const tables = staTablesFromOptions(ctx, o.staTables);
      const m = new Meter({ profile, key, initialTid, keyOptions: tables ? { staTables: tables } : {} });
      ensurePrivateDirectory(file.path, 'meter state');
      await file.create(m, { force: o.force === true });
      if (o.json) return ctx.json({ ...statusJson(file.path, m, 0), profile: profileToJson(m.profile), keySource: resolved.source });
      ctx.out(`Created meter ${m.profile.pan} in ${file.path} (mode 0600: it holds the meter's decoder key, keep it private)`);
      for (const l of profileLines(m)) ctx.out(l);
      if (o.manufactured === undefined) {
        ctx.out(`  No --manufactured time: the TID memory starts at TID 0 (${formatWallClock(wallClockFromTid(0, key.baseDate))}), so every token since the base date is new to this meter.`);
      }
      ctx.out(`Next: hydrosync meter enter --state ${file.path} --at YYYY-MM-DDTHH:MM TOKEN`);
    });
}
