import type { Command } from 'commander';
import type { CliContext } from '../context';
import { registerMeterEvent } from '../meter-event';

/** `hydrosync meter power-cycle`: switch the meter off and on (clears the lockout and held key-change tokens). */
export function registerMeterPowerCycle(meter: Command, ctx: CliContext): void {
  registerMeterEvent(meter, ctx, {
    name: 'power-cycle',
    summary: 'switch the meter off and on: clears the keypad lockout and held key-change tokens',
    description: 'Simulate a power cycle: the keypad lockout and held key-change tokens are cleared; credit, TID memory and key are kept (they are in non-volatile memory).',
    apply: (m, at) => m.powerCycle(at),
    report: (c, m, json) => {
      if (json) c.json({ creditLitres: m.creditLitres, lockout: { rejects: m.rejects, lockedUntil: null } });
      else c.out(`Power cycled: keypad lockout and held key-change tokens cleared; credit ${m.creditLitres} L kept.`);
    },
  });
}
