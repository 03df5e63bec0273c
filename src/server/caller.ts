/**
 * Who is calling: resolved by the auth hook (auth.ts) from an API key or a website session, and
 * used by every route to attribute its work in the audit log (operator `apikey:<id>`,
 * `user:<username>` or `customer:<number>`) under a vending point.
 */

/** An agent key sells; an admin (key or website user) manages; a customer acts for the meters linked to them. */
export type CallerRole = 'agent' | 'admin' | 'customer';

export interface Caller {
  role: CallerRole;
  /** How the caller proved who it is. */
  via: 'apikey' | 'session';
  /** The API key id (API key callers). */
  keyId?: string;
  /** The website account (session callers). */
  username?: string;
  /** The customer a customer session speaks for. */
  customerNumber?: string;
  /**
   * Where the work is recorded (and the module's daily limits counted): the API key's vending
   * point; `user.<username>` for an admin user; `customer.<number>` for a customer.
   */
  vendingPoint: string;
  /** The operator name recorded in the audit log. */
  operator: string;
  /** The API key's own daily limits for its vending point (passed to the module with each sale). */
  dailyLimits?: { litres: number | null; rupiah: number | null };
}

/**
 * Who may call a route (`config: { access }`; default admin):
 * - `public`: anyone;
 * - `admin`: an admin key or an admin user's session;
 * - `agent`: any API key or an admin user's session;
 * - `meter`: as `agent`, and a customer's session for the meters linked to them — the route must
 *   check the meter with `assertMayActFor` (meter-access.ts);
 * - `customer`: a customer's session only (`/v1/me…`);
 * - `session`: any website session (`/v1/session`).
 */
export type Access = 'public' | 'admin' | 'agent' | 'meter' | 'customer' | 'session';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | undefined;
    /** The SHA-256 (hex) of the session id, for session callers. */
    sessionIdHash: string | undefined;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}
