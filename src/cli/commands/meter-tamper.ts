import type { Command } from 'commander';
import type { CliContext } from '../context';
import {
  type MeterTimeOptionValues, type StateOptionValues, addMeterTimeOptions, addStateOptions, guardMeterKey, meterStateFile,
  meterTimeFromOptions, requireMeterClock,
} from '../meter-options';
import { formatMeterTime } from '../../meter/clock';

/** `hydrosync meter tamper`: a simulated tamper event (cover opened, magnet). */
export function registerMeterTamper(meter: Command, ctx: CliContext): void {
  const cmd = meter
    .command('tamper')
    .summary('simulate a tamper event (sets the tamper flag)')
    .description('Simulate a tamper event (cover opened, strong magnet): the meter sets its tamper flag until a ClearTamper token (class 2 subclass 5) is entered.')
    .option('--json', 'print one JSON object');
  addStateOptions(cmd);
  addMeterTimeOptions(cmd, 'event (default: the meter\'s own clock)')
    .addHelpText('after', `
Examples:
  $ hydrosync meter tamper --at 2026-12-02T03:00
  $ hydrosync token generate clear-tamper --key-file meter.key.json --date-time 2026-12-02T08:00`)
    .action(async (o: StateOptionValues & MeterTimeOptionValues & { json?: boolean }) => {
      const at = meterTimeFromOptions(ctx, o, 'none');
      const file = meterStateFile(ctx, o);
      const { meter: m } = await file.update((meter) => {
        guardMeterKey(ctx, meter);
        requireMeterClock(meter, at);
        meter.raiseTamper(at);
      });
      if (o.json) {
        ctx.json({ tamper: m.tamper, clock: m.clock === null ? null : formatMeterTime(m.clock) });
        return;
      }
      ctx.out(`Tamper flag set${m.clock !== null ? ` at ${formatMeterTime(m.clock)}` : ''}: a ClearTamper token (class 2 subclass 5) clears it.`);
    });
}
