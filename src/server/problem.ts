/**
 * RFC 9457 problem details: every error the server answers is `application/problem+json` with
 * type, title, status, detail and instance, plus `code` (a HydroSyncError code or an HTTP one such
 * as UNAUTHORIZED) and, when one field is at fault, `field` and `rule`.
 */
import { STATUS_CODES } from 'node:http';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  /** `urn:hydrosync:problem:<code in lower case>`. */
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request path. */
  instance: string;
  code: string;
  /** Where the fault is: `body.pan`, `query.limit`, `params.pan`, `header.authorization`. */
  field?: string;
  /** The rule it broke (a JSON Schema keyword such as `pattern`, `required`, `maximum`). */
  rule?: string;
}

/** The type URI of a problem code. */
export function problemType(code: string): string {
  return `urn:hydrosync:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

/** An error the routes throw to answer with a given problem. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly rule: string | undefined;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, detail: string, extra: { field?: string; rule?: string; headers?: Record<string, string> } = {}) {
    super(detail);
    this.status = status;
    this.code = code;
    this.field = extra.field;
    this.rule = extra.rule;
    this.headers = extra.headers ?? {};
  }
}

/** A problem document. */
export function problem(status: number, code: string, detail: string, instance: string, extra: { field?: string | undefined; rule?: string | undefined } = {}): Problem {
  return {
    type: problemType(code), title: STATUS_CODES[status] ?? 'Error', status, detail, instance, code,
    ...(extra.field !== undefined ? { field: extra.field } : {}),
    ...(extra.rule !== undefined ? { rule: extra.rule } : {}),
  };
}
