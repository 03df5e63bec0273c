import type { Command } from 'commander';
import type { CliContext } from '../context';
import {
  type MeterTimeOptionValues, type StateOptionValues, addMeterTimeOptions, addStateOptions, guardMeterKey, meterStateFile,
  meterTimeFromOptions, requireMeterClock,
} from '../meter-options';

/** `hydrosync meter power-cycle`: switch the meter off and on (clears the lockout and held key-change tokens). */
export function registerMeterPowerCycle(meter: Command, ctx: CliContext): void {
  const cmd = meter
    .command('power-cycle')
    .summary('switch the meter off and on: clears the keypad lockout and held key-change tokens')
    .description('Simulate a power cycle: the keypad lockout and held key-change tokens are cleared; credit, TID memory and key are kept (they are in non-volatile memory).')
    .option('--json', 'print one JSON object');
  addStateOptions(cmd);
  addMeterTimeOptions(cmd, 'event (default: the meter\'s own clock)')
    .action(async (o: StateOptionValues & MeterTimeOptionValues & { json?: boolean }) => {
      const at = meterTimeFromOptions(ctx, o, 'none');
      const file = meterStateFile(ctx, o);
      const { meter: m } = await file.update((meter) => {
        guardMeterKey(ctx, meter);
        requireMeterClock(meter, at);
        meter.powerCycle(at);
      });
      if (o.json) ctx.json({ creditLitres: m.creditLitres, lockout: { rejects: m.rejects, lockedUntil: null } });
      else ctx.out(`Power cycled: keypad lockout and held key-change tokens cleared; credit ${m.creditLitres} L kept.`);
    });
}
