/** Options of the `hydrosync link …` commands: the MTU and injected radio faults, and the session run on the state file. */
import { type Command, Option } from 'commander';
import { parseLinkFault, simulateLinkSession, type LinkSessionResult, type SteppedFault } from '../link/simulation';
import type { CliContext } from './context';
import { type MeterTimeOptionValues, type StateOptionValues, updateMeterAt } from './meter-options';
import { usage } from './exit-codes';

export interface LinkOptionValues extends StateOptionValues, MeterTimeOptionValues {
  mtu: string;
  fault?: SteppedFault[];
  json?: boolean;
  lang?: string;
}

/** Add --mtu and --fault. */
export function addLinkOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--mtu <bytes>', 'ATT MTU of the simulated connection: 23 (the default every link starts with) or a negotiated one up to 517').default('23'))
    .addOption(new Option('--fault <kind@step>', 'inject a radio fault at ATT PDU number STEP (from 0): drop, duplicate, delay, truncate, corrupt, disconnect; repeatable')
      .argParser((v: string, prev: SteppedFault[] | undefined) => [...(prev ?? []), parseLinkFault(v)]));
}

/**
 * One session on the meter of the state file, under its lock: upload `tokens`, then (if `report`)
 * ask for a report; the meter is saved before anything is printed.
 */
export async function runLinkOnStateFile(ctx: CliContext, o: LinkOptionValues, tokens: string[], report: boolean): Promise<LinkSessionResult & { mtu: number }> {
  const mtu = Number(o.mtu);
  if (!/^\d{2,3}$/.test(o.mtu.trim()) || mtu < 23 || mtu > 517) usage('--mtu must be a whole number from 23 to 517');
  const { result } = await updateMeterAt(ctx, o, (meter, at) => simulateLinkSession({ meter, at: at ?? meter.clock!, tokens, report, mtu, faults: o.fault ?? [] }));
  return { ...result, mtu };
}
