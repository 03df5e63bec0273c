import type { Command } from 'commander';
import type { CliContext } from '../context';
import { CliExit, EXIT, usage } from '../exit-codes';
import { examples } from '../help-text';
import { refusalsExit1 } from '../hsm/refusals';
import { type RequestOptionValues, addRequestOptions, operatorName } from '../hsm/request-options';
import { type StoreOptionValues, addStoreOptions, withHsm } from '../hsm/store-options';
import { panOption } from '../options/pan';
import { parseInteger } from '../option-values';
import { volumeText } from '../meter-text';
import { groupToken } from '../../codec/token-digits';

interface SubmitOptions extends StoreOptionValues, RequestOptionValues {
  pan?: string;
  code?: string;
  frame?: string;
  json?: boolean;
}

/** `hydrosync hsm report submit|show`: meter reports (docs/reports.md). */
export function registerHsmReport(hsm: Command, ctx: CliContext, requireSubcommand: (c: Command) => void): void {
  const report = hsm.command('report').summary('meter reports: submit, show').description('Meter reports (docs/reports.md): verify and store a report from a meter, and show what the reports say.');

  const submit = report
    .command('submit')
    .summary('verify and store a report code or frame from a meter')
    .description("Verify a meter report under the report key derived from the meter's decoder key, apply the counter rule (no replays; frames may arrive out of order within 32), store it and audit it.")
    .argument('[code...]', 'the 20-digit report code (spaces or dashes allowed; groups may be separate arguments)')
    .option('--pan <digits>', '18-digit MeterPAN of a registered meter (required)')
    .option('--frame <hex>', 'the 50-byte binary frame, hex (instead of a code)');
  addRequestOptions(submit, { adminOnly: true });
  addStoreOptions(submit)
    .addHelpText('after', `
Exit status: 0 accepted; 1 refused (MAC: mistyped, another meter or another key; FUNCTION: a
token, not a report code; OLD, USED: a replay; KEY: another meter or key revision; LIMIT: 10 failed
codes for this meter this hour; NOT_FOUND); 2 a usage or store error.
${examples([
  'hydrosync hsm report submit --pan 600727000000000009 "4607 8792 3117 0297 8024"',
  'hydrosync hsm report submit --pan 600727000000000009 --frame 01000856…',
])}`)
    .action(async (args: string[], o: SubmitOptions) => {
      const pan = panOption(o.pan);
      const code = args.length > 0 ? args.join(' ') : undefined;
      if ((code === undefined) === (o.frame === undefined)) usage('give either the report code or --frame HEX');
      await refusalsExit1(ctx, () => withHsm(ctx, o, async ({ hsm: m }) => {
        const r = await m.verifyReport({ pan, ...(code !== undefined ? { code } : { frame: o.frame! }) }, { operator: operatorName(ctx, o) });
        if (!r.ok) {
          if (r.code === 'USAGE' || r.code === 'STORE' || r.code === 'AUDIT') usage(r.message);
          if (o.json) ctx.json({ pan, ok: false, error: { code: r.code, message: r.message } });
          else ctx.error(`report for meter ${pan} refused: ${r.code}: ${r.message}`);
          throw new CliExit(EXIT.FAILED);
        }
        const v = r.value;
        if (o.json) return ctx.json({ ok: true, ...v });
        const approx = v.creditStepLitres > 1 ? ` (rounded down to ${v.creditStepLitres} L)` : '';
        ctx.out(`Report ${v.counter} from meter ${pan} accepted${v.outOfOrder ? ' (out of order: history only)' : ''}: remaining ${volumeText(v.creditLitres)}${approx}`);
        const set = Object.entries(v.flags).filter(([, f]) => f).map(([k]) => k);
        if (set.length > 0) ctx.out(`Flags: ${set.join(', ')}`);
        if (code !== undefined) ctx.out(`Code ${groupToken(code.replace(/[\s-]/g, ''))}`);
      }));
    });

  const show = report
    .command('show')
    .summary("what a meter's reports say: remaining m³, use per day, days left, last seen, alerts")
    .description("Show a meter's latest report and what follows from its reports: remaining volume, consumption per day, estimated days left, when it was last heard from, and alerts (low credit, valve closed, tamper, low battery, key change pending, silent, credit without a token, a token the module never sold).")
    .option('--pan <digits>', '18-digit MeterPAN of a registered meter (required)')
    .option('--silent-days <n>', 'alert when the meter has not reported for longer than this many days (default 7)');
  addStoreOptions(show)
    .addHelpText('after', examples(['hydrosync hsm report show --pan 600727000000000009', 'hydrosync hsm report show --pan 600727000000000009 --json']))
    .action(async (o: StoreOptionValues & { pan?: string; silentDays?: string; json?: boolean }) => {
      const pan = panOption(o.pan);
      const silentDays = o.silentDays === undefined ? 7 : parseInteger(o.silentDays, '--silent-days', 1, 3650);
      await refusalsExit1(ctx, () => withHsm(ctx, o, async ({ hsm: m }) => {
        const s = await m.reportSummary(pan, { silentDays });
        if (o.json) return ctx.json(s);
        if (s.lastSeen === null) return ctx.out(`Meter ${pan}: no report yet`);
        ctx.out(`Meter ${pan}: report ${s.counter}, last seen ${s.lastSeen}`);
        ctx.out(`Remaining      ${volumeText(s.creditLitres!)}${s.creditStepLitres! > 1 ? ` (rounded down to ${s.creditStepLitres} L)` : ''}`);
        ctx.out(`Use per day    ${s.consumptionLitresPerDay === null ? 'not known yet' : `${s.consumptionLitresPerDay} L`}`);
        ctx.out(`Days left      ${s.daysLeft === null ? 'not known' : String(s.daysLeft)}`);
        ctx.out(`Alerts         ${s.alerts.length === 0 ? 'none' : s.alerts.join(', ')}`);
      }));
    });
  requireSubcommand(report);
}
