import type { Command } from 'commander';
import type { CliContext } from '../context';
import { type MeterTimeOptionValues, type StateOptionValues, addMeterTimeOptions, addStateOptions, updateMeterAt } from '../meter-options';
import { volumeText } from '../meter-text';
import { bytesToHex } from '../../codec/hex';
import { groupToken } from '../../codec/token-digits';
import { formatMeterTime } from '../../meter/clock';
import { litresToCubicMetres } from '../../meter/status';

const HELP_AFTER = `
Takes the meter's next report counter, saves the state, then shows the report: the 20-digit report
code (what the display shows; the customer types it into the website) and the 50-byte binary frame
(what a Bluetooth link sends). Submit either to the security module with
'hydrosync hsm report submit'. The protocol is docs/reports.md.
--json: {"code","frame" (hex),"counter","clockMinutes","creditLitres","creditCubicMetres",
"consumedLitres","lastTid","keyRevisionNumber","pan","flags":{...}}.

Examples:
  $ hydrosync meter report --at 2026-12-08T09:00
  $ hydrosync meter report --json`;

/** `hydrosync meter report`: the meter's next authenticated report. */
export function registerMeterReport(meter: Command, ctx: CliContext): void {
  const cmd = meter
    .command('report')
    .summary('make a meter report: 20-digit report code and binary frame')
    .description("Make the simulated meter's next authenticated report (credit, consumption, flags): a 20-digit report code and a 50-byte binary frame.")
    .option('--json', 'print one JSON object');
  addStateOptions(cmd);
  addMeterTimeOptions(cmd, 'report (default: the meter\'s own clock)')
    .addHelpText('after', HELP_AFTER)
    .action(async (o: StateOptionValues & MeterTimeOptionValues & { json?: boolean }) => {
      // The state (with the counter taken) is saved before this returns: a report is shown only
      // once its counter is on disk, so a crash can never make a counter be shown twice.
      const { result: out, meter: m } = await updateMeterAt(ctx, o, (state, at) => state.report(at));
      const r = out.report;
      if (o.json) {
        ctx.json({
          code: out.code, frame: bytesToHex(out.frame), counter: r.counter, clockMinutes: r.clockMinutes,
          creditLitres: r.creditLitres, creditCubicMetres: litresToCubicMetres(r.creditLitres), consumedLitres: r.consumedLitres,
          lastTid: r.lastTid, keyRevisionNumber: r.keyRevisionNumber, pan: r.pan, flags: r.flags,
        });
        return;
      }
      ctx.out(`Report ${r.counter} at ${m.clock === null ? '?' : formatMeterTime(m.clock)}: remaining ${volumeText(r.creditLitres)}, used ${volumeText(r.consumedLitres)} in total`);
      const set = Object.entries(r.flags).filter(([, v]) => v).map(([k]) => k);
      if (set.length > 0) ctx.out(`Flags: ${set.join(', ')}`);
      ctx.out(`Report code: ${groupToken(out.code)}`);
      ctx.out(`Frame:       ${bytesToHex(out.frame)}`);
    });
}
