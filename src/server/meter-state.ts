/**
 * What the vending system adds to a meter beyond the module's record: deactivation (no sales while
 * set) and a key-change set the meter has not confirmed yet (returned before every credit token
 * until a report verifies under the new key). Both live in the server store (meter_states).
 */
import { isHydroSyncError } from '../errors';
import type { Hsm, Issued } from '../hsm';
import type { Caller } from './caller';
import { HttpProblem } from './problem';
import type { MeterStateRow, ServerStore } from './store/server-store';

/** The state of a meter as answered (an active meter with nothing pending when the server never recorded one). */
export interface MeterState {
  active: boolean;
  deactivatedAt: string | null;
  deactivatedBy: string | null;
  deactivationReason: string | null;
  /** The transaction id of a key-change set to enter before the next credit token, or null. */
  pendingKeyChange: string | null;
  pendingKeyChangeAt: string | null;
}

export function meterStateOf(row: MeterStateRow | undefined): MeterState {
  return {
    active: row?.deactivatedAt == null,
    deactivatedAt: row?.deactivatedAt ?? null, deactivatedBy: row?.deactivatedBy ?? null, deactivationReason: row?.deactivationReason ?? null,
    pendingKeyChange: row?.pendingKeyChange ?? null, pendingKeyChangeAt: row?.pendingKeyChangeAt ?? null,
  };
}

/** The key-change tokens a credit token must be preceded by, as an answer carries them. */
export interface PendingKeyChangeTokens {
  transactionId: string;
  tokens: string[];
  grouped: string[];
  /** What to tell the customer. */
  instruction: string;
}

/**
 * Before a sale: refuse a deactivated meter (422 DEACTIVATED) unless the request is a retry of a
 * sale made before (its tokens are returned again: never lost), and fetch the pending key-change
 * set, if any, to hand out first.
 * @returns `{ retry }` with the earlier sale to return as it is, or `{ pending }` (possibly undefined) to go on selling.
 */
export async function beforeSale(
  deps: { hsm: Hsm; store: ServerStore }, caller: Caller, pan: string, transactionId: string,
): Promise<{ retry: Issued } | { retry?: undefined; pending: PendingKeyChangeTokens | undefined }> {
  const row = await deps.store.getMeterState(pan);
  if (row?.deactivatedAt != null) {
    const earlier = await deps.hsm.reprint({ transactionId, operator: caller.operator, vendingPoint: caller.vendingPoint }).catch((e: unknown) => {
      if (isHydroSyncError(e) && e.code === 'NOT_FOUND') return undefined;
      throw e;
    });
    if (earlier !== undefined && earlier.pan === pan) return { retry: earlier };
    throw new HttpProblem(422, 'DEACTIVATED', `the meter ${pan} was deactivated at ${row.deactivatedAt} (${row.deactivationReason ?? 'no reason given'}): no sales until an admin reactivates it`, { field: 'body.pan' });
  }
  if (row?.pendingKeyChange == null) return { pending: undefined };
  const set = await deps.hsm.reprint({ transactionId: row.pendingKeyChange, operator: caller.operator, vendingPoint: caller.vendingPoint });
  return {
    pending: {
      transactionId: set.transactionId, tokens: set.tokens, grouped: set.grouped,
      instruction: `the meter's key was changed: enter these ${set.tokens.length} key-change tokens first, in this order, then the credit token`,
    },
  };
}
