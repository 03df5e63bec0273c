import type { Command } from 'commander';
import type { CliContext } from '../context';
import { registerMeterConsume } from './meter-consume';
import { registerMeterEnter } from './meter-enter';
import { registerMeterEvents } from './meter-events';
import { registerMeterHistory } from './meter-history';
import { registerMeterInit } from './meter-init';
import { registerMeterReport } from './meter-report';
import { registerMeterStatus } from './meter-status';

/** The `hydrosync meter …` group: a simulated STS water meter kept in a state file. */
export function registerMeter(program: Command, ctx: CliContext, requireSubcommand: (group: Command) => void): void {
  const meter = program
    .command('meter')
    .summary('a simulated water meter: init, enter, status, consume, tamper, history, report')
    .description('A simulated STS water meter whose memory is a state file (hydrosync-meter-state/1): enter tokens as a customer would, use water, and see what the meter shows.');
  registerMeterInit(meter, ctx);
  registerMeterEnter(meter, ctx);
  registerMeterStatus(meter, ctx);
  registerMeterConsume(meter, ctx);
  registerMeterEvents(meter, ctx);
  registerMeterHistory(meter, ctx);
  registerMeterReport(meter, ctx);
  requireSubcommand(meter);
}
