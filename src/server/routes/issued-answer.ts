/** The transaction id of a client's request id, and the answer of an issuing route. */
import type { Issued } from '../../hsm';
import type { Caller } from '../caller';

/**
 * The module's transaction id for a client's request id: `<vending point>:<id>`, so two vending
 * points choosing the same id never meet, and a retry from the same point finds its sale.
 */
export function transactionIdOf(caller: Caller, requestId: string): string {
  return `${caller.vendingPoint}:${requestId}`;
}

export function issuedAnswer(issued: Issued, requestId: string): Issued & { requestId: string } {
  return { ...issued, requestId };
}
