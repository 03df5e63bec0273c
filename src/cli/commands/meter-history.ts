import type { Command } from 'commander';
import { formatMeterTime } from '../../meter/clock';
import type { CliContext } from '../context';
import { type StateOptionValues, addStateOptions, loadMeterForCommand, meterStateFile } from '../meter-options';
import { historyLine } from '../meter-text';
import { parseInteger } from '../option-values';

/** `hydrosync meter history`: the meter's last events (tokens with results, consumption, tamper). */
export function registerMeterHistory(meter: Command, ctx: CliContext): void {
  const cmd = meter
    .command('history')
    .summary('the last events: tokens and results, consumption, tamper (up to 100)')
    .description('Show the meter\'s event history, oldest first: entered tokens with their results, water used, tamper events and power cycles. Meters made by meter init keep the last 100 events.')
    .option('--limit <n>', 'show only the last N events')
    .option('--json', 'print one JSON array of {"at","event","token"?,"result"?,"litres"?,"creditLitres"}');
  addStateOptions(cmd)
    .action((o: StateOptionValues & { json?: boolean; limit?: string }) => {
      const limit = o.limit === undefined ? undefined : parseInteger(o.limit, '--limit', 1, 100_000);
      const file = meterStateFile(ctx, o);
      const { meter } = loadMeterForCommand(ctx, file);
      const events = limit === undefined ? meter.history : meter.history.slice(-limit);
      if (o.json) return ctx.json(events.map((e) => ({ ...e, at: formatMeterTime(e.at) })));
      if (meter.profile.historyDepth === 0) return ctx.out('This meter keeps no history (its profile has historyDepth 0).');
      if (events.length === 0) ctx.out('No events yet.');
      for (const e of events) ctx.out(historyLine(e));
    });
}
