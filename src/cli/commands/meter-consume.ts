import type { Command } from 'commander';
import type { CliContext } from '../context';
import { usage } from '../exit-codes';
import { type MeterTimeOptionValues, type StateOptionValues, addMeterTimeOptions, addStateOptions, updateMeterAt } from '../meter-options';
import { volumeText } from '../meter-text';
import { parseInteger } from '../option-values';
import { litresToCubicMetres } from '../../meter/status';

interface ConsumeOptions extends StateOptionValues, MeterTimeOptionValues {
  litres?: string;
  flow?: string;
  minutes?: string;
  json?: boolean;
}

const HELP_AFTER = `
Water flows while there is credit; the valve closes at zero (the rest of the request does not
flow). --flow L_PER_MIN --minutes M uses floor(rate x minutes) litres (up to 3 decimals each).
Without --at or --now the meter's own clock (its last event) is used.
--json: {"requestedLitres"?,"usedLitres","creditLitres","creditCubicMetres","valveOpen","lowCredit"}.

Examples:
  $ hydrosync meter consume --litres 750 --at 2026-12-01T12:00
  $ hydrosync meter consume --flow 12.5 --minutes 30`;

/** `hydrosync meter consume`: use water. */
export function registerMeterConsume(meter: Command, ctx: CliContext): void {
  const cmd = meter
    .command('consume')
    .summary('use water: --litres N, or --flow L_PER_MIN --minutes M')
    .description('Let water flow through the simulated meter: the credit goes down; at zero the valve closes.')
    .option('--litres <n>', 'litres to draw (whole number)')
    .option('--flow <litres-per-minute>', 'flow rate in litres per minute (decimal)')
    .option('--minutes <m>', 'minutes of flow at --flow (decimal)')
    .option('--json', 'print one JSON object');
  addStateOptions(cmd);
  addMeterTimeOptions(cmd, 'consumption')
    .addHelpText('after', HELP_AFTER)
    .action(async (o: ConsumeOptions) => {
      const byFlow = o.flow !== undefined || o.minutes !== undefined;
      if (o.litres !== undefined && byFlow) usage('give either --litres, or --flow with --minutes');
      if (o.litres === undefined && !byFlow) usage('give the water used: --litres N, or --flow L_PER_MIN --minutes M');
      if (byFlow && (o.flow === undefined || o.minutes === undefined)) usage('--flow and --minutes go together');
      const litres = o.litres !== undefined ? parseInteger(o.litres, '--litres', 0, Number.MAX_SAFE_INTEGER) : undefined;
      const { result: used, meter: m } = await updateMeterAt(ctx, o, (meter, at) =>
        (litres !== undefined ? meter.consume(litres, at) : meter.flow(o.flow!.trim(), o.minutes!.trim(), at)));
      if (o.json) {
        ctx.json({
          ...(litres !== undefined ? { requestedLitres: litres } : {}),
          usedLitres: used, creditLitres: m.creditLitres, creditCubicMetres: litresToCubicMetres(m.creditLitres),
          valveOpen: m.valveOpen, lowCredit: m.lowCredit,
        });
        return;
      }
      const short = litres !== undefined && used < litres;
      ctx.out(`Used ${volumeText(used)}${short ? ` of the ${litres} L asked for: the credit ran out` : ''}; remaining ${volumeText(m.creditLitres)}`);
      if (!m.valveOpen) ctx.out('The valve is closed: no credit. Enter a water token to open it.');
      else if (m.lowCredit) ctx.out(`Low credit: at or below ${volumeText(m.profile.lowCreditLitres)}.`);
    });
}
