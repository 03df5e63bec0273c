/**
 * Who is calling: resolved from the API key by the auth hook (auth.ts) and used by every route to
 * attribute its work in the audit log (operator `apikey:<id>`, the key's vending point).
 */
import type { ApiKeyRole } from './store/server-store';

export interface Caller {
  keyId: string;
  role: ApiKeyRole;
  vendingPoint: string;
  /** The operator name recorded in the audit log. */
  operator: string;
  /** The API key's own daily limits for its vending point (passed to the module with each sale). */
  dailyLimits?: { litres: number | null; rupiah: number | null };
}

/** Who may call a route: anyone, agents and admins, or admins only. */
export type Access = 'public' | 'agent' | 'admin';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | undefined;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}
