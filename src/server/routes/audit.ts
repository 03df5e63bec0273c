/** The audit log: a filtered newest-first page, and verification of every chain (admins). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { Hsm } from '../../hsm';
import { Pan, problems } from '../schemas/common';

const AuditRecord = Type.Object({
  chain: Type.String(), seq: Type.Integer(), at: Type.String(), operator: Type.String(), vendingPoint: Type.String(), transactionId: Type.String(),
  pan: Type.Union([Type.String(), Type.Null()]), kind: Type.String(), outcome: Type.String(), errorCode: Type.Union([Type.String(), Type.Null()]),
  amount: Type.Union([Type.String(), Type.Null()]), tid: Type.Union([Type.Integer(), Type.Null()]), tokenHash: Type.Union([Type.String(), Type.Null()]),
  prevHash: Type.String(), hash: Type.String(),
});

const LocalDate = (description: string) => Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description });

export const AuditQuery = Type.Object({
  pan: Type.Optional(Pan),
  transactionId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,100}$' })),
  operator: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  outcome: Type.Optional(Type.Union([Type.Literal('issued'), Type.Literal('reissued'), Type.Literal('refused'), Type.Literal('done')])),
  from: Type.Optional(LocalDate('first local date, inclusive')),
  to: Type.Optional(LocalDate('last local date, inclusive')),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
  page: Type.Integer({ minimum: 1, default: 1, description: '1 = the newest records' }),
}, { additionalProperties: false });

export function auditRoutes(app: FastifyInstance, deps: { hsm: Hsm }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get('/v1/audit', {
    config: { access: 'admin' },
    schema: {
      tags: ['audit'], summary: 'a page of the audit log (newest page first; oldest first within a page), filtered', querystring: AuditQuery,
      response: { 200: Type.Object({ records: Type.Array(AuditRecord), matched: Type.Integer(), older: Type.Integer() }), ...problems(400, 403) },
    },
  }, async (req) => deps.hsm.queryAudit(req.query));

  r.get('/v1/audit/export', {
    config: { access: 'admin' },
    schema: {
      tags: ['audit'], summary: 'the whole audit log as a file: CSV (RFC 4180, header first) or NDJSON; anyone can recompute the hash chains from it',
      querystring: Type.Object({ format: Type.Union([Type.Literal('csv'), Type.Literal('ndjson')], { default: 'csv' }) }, { additionalProperties: false }),
      response: { 200: { type: 'string', description: 'text/csv or application/x-ndjson' }, ...problems(400, 403) },
    },
  }, async (req, reply) => {
    const format = req.query.format;
    const lines = await deps.hsm.exportAudit(format);
    req.log.info({ format, records: lines.length - (format === 'csv' ? 1 : 0) }, 'audit exported');
    return reply
      .type(format === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="hydrosync-audit.${format === 'csv' ? 'csv' : 'ndjson'}"`)
      .send(lines.map((l) => `${l}${format === 'csv' ? '\r\n' : '\n'}`).join(''));
  });

  r.get('/v1/audit/verify', {
    config: { access: 'admin' },
    schema: {
      tags: ['audit'], summary: 'verify every hash chain of the audit log and its head',
      response: {
        200: Type.Object({
          ok: Type.Boolean(), records: Type.Integer(),
          firstBad: Type.Optional(Type.Object({ chain: Type.String(), seq: Type.Integer(), reason: Type.String(), message: Type.String() })),
        }),
        ...problems(403),
      },
    },
  }, async () => deps.hsm.verifyAudit());
}
