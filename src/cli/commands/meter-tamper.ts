import type { Command } from 'commander';
import type { CliContext } from '../context';
import { registerMeterEvent } from '../meter-event';
import { formatMeterTime } from '../../meter/clock';

/** `hydrosync meter tamper`: a simulated tamper event (cover opened, magnet). */
export function registerMeterTamper(meter: Command, ctx: CliContext): void {
  registerMeterEvent(meter, ctx, {
    name: 'tamper',
    summary: 'simulate a tamper event (sets the tamper flag)',
    description: 'Simulate a tamper event (cover opened, strong magnet): the meter sets its tamper flag until a ClearTamper token (class 2 subclass 5) is entered.',
    helpAfter: `
Examples:
  $ hydrosync meter tamper --at 2026-12-02T03:00
  $ hydrosync token generate clear-tamper --key-file meter.key.json --date-time 2026-12-02T08:00`,
    apply: (m, at) => m.raiseTamper(at),
    report: (c, m, json) => {
      const clock = m.clock === null ? null : formatMeterTime(m.clock);
      if (json) c.json({ tamper: m.tamper, clock });
      else c.out(`Tamper flag set${clock !== null ? ` at ${clock}` : ''}: a ClearTamper token (class 2 subclass 5) clears it.`);
    },
  });
}
