/** Daily reconciliation per vending point (admins): reconciliation.ts. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { Hsm } from '../../hsm';
import { localDateTime } from '../../codec/local-time';
import { reconcile } from '../reconciliation';
import { problems } from '../schemas/common';
import type { ServerStore } from '../store/server-store';

const LocalDate = (description: string) => Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export function reconciliationRoutes(app: FastifyInstance, deps: { hsm: Hsm; store: ServerStore; now?: () => Date; payments?: { vendingPoint?: string } }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get('/v1/reconciliation', {
    config: { access: 'admin' },
    schema: {
      tags: ['reconciliation'],
      summary: 'sales, litres and rupiah per vending point per local day, checked against the audit log, the module\'s daily counters and the payments',
      querystring: Type.Object({
        from: Type.Optional(LocalDate('first local date, inclusive (default today)')),
        to: Type.Optional(LocalDate('last local date, inclusive (default from)')),
        vendingPoint: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          from: Type.String(), to: Type.String(), utcOffsetMinutes: Type.Integer(),
          rows: Type.Array(Type.Object({
            date: Type.String(), vendingPoint: Type.String(), sales: Type.Integer(), litres: Type.Integer(), rupiah: Type.Integer(), counterLitres: Type.Integer(),
            payments: Nullable(Type.Object({ sales: Type.Integer(), rupiah: Type.Integer() })), ok: Type.Boolean(),
          })),
          totals: Type.Object({ sales: Type.Integer(), litres: Type.Integer(), rupiah: Type.Integer() }),
          paidWithoutToken: Type.Array(Type.Object({
            id: Type.String(), pan: Type.String(), rupiah: Type.Integer(), status: Type.String(), paidAt: Nullable(Type.String()), attentionCode: Nullable(Type.String()),
          })),
          ok: Type.Boolean(),
        }),
        ...problems(400, 403),
      },
    },
  }, async (req) => {
    const today = localDateTime((deps.now ?? (() => new Date()))(), (await deps.hsm.config()).utcOffsetMinutes).slice(0, 10);
    const from = req.query.from ?? today;
    return reconcile(deps.hsm, deps.store, {
      from, to: req.query.to ?? from, paymentsVendingPoint: deps.payments?.vendingPoint ?? 'online',
      ...(req.query.vendingPoint !== undefined ? { vendingPoint: req.query.vendingPoint } : {}),
    });
  });
}
