/** Schemas shared by the routes: names, ids, PANs, paging, and the problem+json answer. */
import Type from 'typebox';
import { PROBLEM_CONTENT_TYPE } from '../problem';

/** An 18-digit MeterPAN (spaces and dashes allowed: the library's parser reads them). */
export const Pan = Type.String({ minLength: 11, maxLength: 40, pattern: '^[0-9 -]+$', description: 'MeterPAN: 18 digits (spaces and dashes allowed)' });

/** A client-chosen request id (purchase id): what makes a retry safe. */
export const RequestId = Type.String({
  pattern: '^[A-Za-z0-9._:-]{1,59}$',
  description: 'chosen by the client, unique per vending point: a retry with the same id returns the same tokens and never sells twice (1 to 59 characters from A-Z a-z 0-9 . _ : -)',
});

export const Problem = Type.Object({
  type: Type.String({ description: 'urn:hydrosync:problem:<code>' }),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  instance: Type.String(),
  code: Type.String({ description: 'a HydroSyncError code (FORMAT, RANGE, NOT_FOUND, …) or an HTTP one (UNAUTHORIZED, …)' }),
  field: Type.Optional(Type.String({ description: 'the offending field, e.g. body.pan' })),
  rule: Type.Optional(Type.String({ description: 'the rule it broke, e.g. pattern' })),
}, { $id: 'Problem', title: 'RFC 9457 problem details' });

const problemResponse = (description: string) => ({ description, content: { [PROBLEM_CONTENT_TYPE]: { schema: Type.Ref('Problem') } } });

/** The error answers of a route, documented as problem+json. */
export function problems(...statuses: number[]): Record<number, unknown> {
  const text: Record<number, string> = {
    400: 'malformed request (the field and the rule are named)', 401: 'no valid API key', 403: 'the key may not do this',
    404: 'unknown meter, purchase or key', 409: 'the id was used for another request', 413: 'body too large', 415: 'not application/json',
    422: 'refused by the security module (RANGE, LIMIT, KEY_EXPIRED, …)', 429: 'too many requests', 503: 'store or module unavailable',
  };
  return Object.fromEntries([401, 429, 503, ...statuses].map((s) => [s, problemResponse(text[s] ?? 'error')]));
}
