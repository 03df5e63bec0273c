/**
 * Whether a caller may act for a meter: agents and admins for every meter (their routes are
 * guarded by role), a customer only for the meters linked to them. Another customer's meter is
 * answered exactly like a meter that does not exist (404), so its existence is not revealed.
 */
import type { Caller } from './caller';
import { HttpProblem } from './problem';
import type { ServerStore } from './store/server-store';

/** Whether `caller` may see and act for the meter `pan` (a normalized 18-digit PAN). */
export async function mayActFor(store: ServerStore, caller: Caller, pan: string): Promise<boolean> {
  if (caller.role !== 'customer') return true;
  const link = await store.meterLink(pan);
  return link !== undefined && caller.customerNumber !== undefined && link.customerNumber === caller.customerNumber;
}

/**
 * Throw 404 NOT_FOUND (as for an unregistered meter) unless `caller` may act for the meter `pan`.
 * Call it in every route a customer may reach that names a meter, before anything is read or done.
 * @param field - where the PAN is in the request (`params.pan`, `body.pan`).
 */
export async function assertMayActFor(store: ServerStore, caller: Caller, pan: string, field = 'params.pan'): Promise<void> {
  if (!(await mayActFor(store, caller, pan))) {
    throw new HttpProblem(404, 'NOT_FOUND', `meter ${pan} is not registered; register it first (hsm meter add)`, { field });
  }
}
