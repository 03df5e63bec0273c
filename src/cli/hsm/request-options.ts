/**
 * Who asks (--operator, --vending-point, --txn): checked by the security module's own validators
 * (checkName, checkTransactionId) when the option is read, so the CLI and the library have one limit.
 */
import { userInfo } from 'node:os';
import { type Command, Option } from 'commander';
import { checkName, checkTransactionId } from '../../hsm/context';
import type { RequestContext } from '../../hsm/types';
import type { CliContext } from '../context';

export const OPERATOR_ENV = 'HYDROSYNC_OPERATOR';
export const VENDING_POINT_ENV = 'HYDROSYNC_VENDING_POINT';

/** Values of the request options (commands that issue tokens or change the store). */
export interface RequestOptionValues {
  operator?: string;
  vendingPoint?: string;
  txn?: string;
}

const trimmed = (what: string) => (v: string): string => checkName(what, v.trim());

/** --operator, checked as the module checks it (1 to 64 printable characters). */
export const operatorOption = (): Option =>
  new Option('--operator <name>', `who asks, for the audit log (default: $${OPERATOR_ENV}, else your user name)`).argParser(trimmed('--operator'));

/** Add --operator, and unless `adminOnly` --vending-point and --txn (administration records only the operator). */
export function addRequestOptions(cmd: Command, options: { adminOnly?: boolean } = {}): Command {
  cmd.optionsGroup('Request options:').addOption(operatorOption());
  if (options.adminOnly !== true) {
    cmd.addOption(new Option('--vending-point <name>', `till, kiosk or channel, for limits and the audit log (default: $${VENDING_POINT_ENV}, else "cli")`).argParser(trimmed('--vending-point')));
    cmd.addOption(new Option('--txn <id>', 'transaction id (A-Z a-z 0-9 . _ : -): the same id again returns the same token(s) again, with no new credit (default: a new id)').argParser((v) => checkTransactionId(v.trim())));
  }
  return cmd.optionsGroup('Options:');
}

/** The operator name: --operator, $HYDROSYNC_OPERATOR, the OS user name, else "unknown". */
export function operatorName(ctx: CliContext, o: RequestOptionValues): string {
  if (o.operator !== undefined) return o.operator;
  const given = ctx.env(OPERATOR_ENV);
  if (given !== undefined) return checkName(OPERATOR_ENV, given);
  try {
    const name = userInfo().username;
    if (name) return name;
  } catch {
    // no user database entry (containers): fall through
  }
  return ctx.env('USER') ?? ctx.env('LOGNAME') ?? 'unknown';
}

/** Who asks: operator, vending point and (when given) the transaction id. */
export function requestContext(ctx: CliContext, o: RequestOptionValues): RequestContext {
  const fromEnv = ctx.env(VENDING_POINT_ENV);
  const vendingPoint = o.vendingPoint ?? (fromEnv !== undefined ? checkName(VENDING_POINT_ENV, fromEnv) : 'cli');
  const out: RequestContext = { operator: operatorName(ctx, o), vendingPoint };
  if (o.txn !== undefined) out.transactionId = o.txn;
  return out;
}
