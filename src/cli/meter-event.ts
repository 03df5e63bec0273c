import type { Command } from 'commander';
import type { Meter } from '../meter/meter';
import type { CliContext } from './context';
import { type MeterTimeOptionValues, type StateOptionValues, addMeterTimeOptions, addStateOptions, updateMeterAt } from './meter-options';

/** A meter event command (tamper, power cycle): one locked update of the state at the event's time. */
export interface MeterEventSpec {
  name: string;
  summary: string;
  description: string;
  helpAfter?: string;
  /** Apply the event to the meter at `at` (seconds; undefined: the meter's own clock). */
  apply: (meter: Meter, at: number | undefined) => void;
  /** What to print afterwards (`json`: one JSON object). */
  report: (ctx: CliContext, meter: Meter, json: boolean) => void;
}

export function registerMeterEvent(meter: Command, ctx: CliContext, spec: MeterEventSpec): void {
  const cmd = meter
    .command(spec.name)
    .summary(spec.summary)
    .description(spec.description)
    .option('--json', 'print one JSON object');
  addStateOptions(cmd);
  addMeterTimeOptions(cmd, 'event (default: the meter\'s own clock)');
  if (spec.helpAfter !== undefined) cmd.addHelpText('after', spec.helpAfter);
  cmd.action(async (o: StateOptionValues & MeterTimeOptionValues & { json?: boolean }) => {
    const { meter: m } = await updateMeterAt(ctx, o, spec.apply);
    spec.report(ctx, m, o.json === true);
  });
}
