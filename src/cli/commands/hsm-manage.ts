import type { Command } from 'commander';
import type { ManageRequest } from '../../hsm/types';
import type { CliContext } from '../context';
import { usage } from '../exit-codes';
import { examples } from '../help-text';
import { issueAndPrint } from '../hsm/issued-text';
import { type RequestOptionValues, addRequestOptions, requestContext } from '../hsm/request-options';
import { type StoreOptionValues, addStoreOptions } from '../hsm/store-options';
import { panOption } from '../options/pan';
import { quietTokensOption } from '../options/quiet';
import { parseInteger } from '../option-values';

type ManageOptions = StoreOptionValues & RequestOptionValues & { pan?: string; register?: string; factor?: string; watts?: string };

type Action = ManageRequest['action'];

interface ActionSpec {
  name: string;
  action: Action;
  summary: string;
  options?: (cmd: Command) => void;
  fields: (o: ManageOptions) => Record<string, number>;
}

/** Largest value of the TransferAmount coding (watts, as in token generate max-power). */
const MAX_WATTS = 18_201_624;

const ACTIONS: ActionSpec[] = [
  {
    name: 'clear-credit', action: 'clearCredit',
    summary: 'clear the credit register (class 2 subclass 1; default: water)',
    options: (c) => c.option('--register <n|all>', 'register to clear: 1 = water (default), all = every register (0xFFFF)'),
    fields: (o): Record<string, number> => (o.register === undefined ? {}
      : { register: o.register.trim().toLowerCase() === 'all' ? 0xffff : parseInteger(o.register, '--register', 0, 0xffff, { hex: true }) }),
  },
  { name: 'clear-tamper', action: 'clearTamper', summary: 'clear the tamper condition (class 2 subclass 5)', fields: () => ({}) },
  {
    name: 'set-water-meter-factor', action: 'setWaterMeterFactor',
    summary: 'set the water meter factor (class 2 subclass 7; the field is reserved by the STS Association and carried raw)',
    options: (c) => c.option('--factor <n>', 'the raw 16-bit field, 0-65535 (required)'),
    fields: (o) => ({ factor: parseInteger(required(o.factor, '--factor N'), '--factor', 0, 0xffff, { hex: true }) }),
  },
  {
    name: 'max-power-limit', action: 'setMaximumPowerLimit',
    summary: 'set the maximum power limit (class 2 subclass 0)',
    options: (c) => c.option('--watts <n>', 'limit in watts (required; TransferAmount coding, rounded up)'),
    fields: (o) => ({ watts: parseInteger(required(o.watts, '--watts N'), '--watts', 0, MAX_WATTS) }),
  },
  {
    name: 'max-phase-power-unbalance-limit', action: 'setMaximumPhasePowerUnbalanceLimit',
    summary: 'set the maximum phase power unbalance limit (class 2 subclass 6)',
    options: (c) => c.option('--watts <n>', 'limit in watts (required; TransferAmount coding, rounded up)'),
    fields: (o) => ({ watts: parseInteger(required(o.watts, '--watts N'), '--watts', 0, MAX_WATTS) }),
  },
];

/** A required option's value, or a usage error naming it. */
function required(value: string | undefined, flag: string): string {
  return value ?? usage(`give ${flag}`);
}

/** `hydrosync hsm manage ACTION`: meter management tokens (class 2). */
export function registerHsmManage(hsm: Command, ctx: CliContext, requireSubcommand: (c: Command) => void): void {
  const manage = hsm.command('manage')
    .summary('management tokens: clear-credit, clear-tamper, set-water-meter-factor, max-power-limit, …')
    .description('Issue a meter management token (class 2) for a registered meter, recorded in the audit log.')
    .addHelpText('after', examples([
      'hydrosync hsm manage clear-tamper --pan 600727000000000009',
      'hydrosync hsm manage clear-credit --pan 600727000000000009 --register all',
      'hydrosync hsm manage max-power-limit --pan 600727000000000009 --watts 2200',
    ]));
  for (const spec of ACTIONS) {
    const cmd = manage.command(spec.name).summary(spec.summary).description(`${spec.summary.charAt(0).toUpperCase()}${spec.summary.slice(1)}.`)
      .option('--pan <digits>', '18-digit MeterPAN of a registered meter (required)');
    spec.options?.(cmd);
    cmd.addOption(quietTokensOption());
    addRequestOptions(cmd);
    addStoreOptions(cmd).action(async (o: ManageOptions) => {
      const pan = panOption(o.pan);
      const fields = spec.fields(o);
      const req = { ...requestContext(ctx, o), pan, action: spec.action, ...fields } as ManageRequest;
      await issueAndPrint(ctx, o, (m) => m.manage(req));
    });
  }
  requireSubcommand(manage);
}
