/** `hydrosync meter tamper` and `meter power-cycle`: events that reach the meter without a token. */
import type { Command } from 'commander';
import { formatMeterTime } from '../../meter/clock';
import type { Meter } from '../../meter/meter';
import type { CliContext } from '../context';
import { type MeterTimeOptionValues, type StateOptionValues, addMeterTimeOptions, addStateOptions, updateMeterAt } from '../meter-options';

/**
 * An event command: `apply` runs in one locked update of the state, at --at/--now or else the
 * meter's own clock (`at` undefined); `report` prints the meter afterwards.
 */
function eventCommand(
  cmd: Command, ctx: CliContext, apply: (meter: Meter, at: number | undefined) => void, report: (meter: Meter, json: boolean) => void,
): void {
  cmd.option('--json', 'print one JSON object');
  addStateOptions(cmd);
  addMeterTimeOptions(cmd, 'event (default: the meter\'s own clock)');
  cmd.action(async (o: StateOptionValues & MeterTimeOptionValues & { json?: boolean }) => {
    const { meter } = await updateMeterAt(ctx, o, apply);
    report(meter, o.json === true);
  });
}

export function registerMeterEvents(meter: Command, ctx: CliContext): void {
  const tamper = meter.command('tamper')
    .summary('simulate a tamper event (sets the tamper flag)')
    .description('Simulate a tamper event (cover opened, strong magnet): the meter sets its tamper flag until a ClearTamper token (class 2 subclass 5) is entered.')
    .addHelpText('after', `
Examples:
  $ hydrosync meter tamper --at 2026-12-02T03:00
  $ hydrosync token generate clear-tamper --key-file meter.key.json --date-time 2026-12-02T08:00`);
  eventCommand(tamper, ctx, (m, at) => m.raiseTamper(at), (m, json) => {
    const clock = m.clock === null ? null : formatMeterTime(m.clock);
    if (json) ctx.json({ tamper: m.tamper, clock });
    else ctx.out(`Tamper flag set${clock !== null ? ` at ${clock}` : ''}: a ClearTamper token (class 2 subclass 5) clears it.`);
  });

  const powerCycle = meter.command('power-cycle')
    .summary('switch the meter off and on: clears the keypad lockout and held key-change tokens')
    .description('Simulate a power cycle: the keypad lockout and held key-change tokens are cleared; credit, TID memory and key are kept (they are in non-volatile memory).');
  eventCommand(powerCycle, ctx, (m, at) => m.powerCycle(at), (m, json) => {
    if (json) ctx.json({ creditLitres: m.creditLitres, lockout: { rejects: m.rejects, lockedUntil: null } });
    else ctx.out(`Power cycled: keypad lockout and held key-change tokens cleared; credit ${m.creditLitres} L kept.`);
  });
}
