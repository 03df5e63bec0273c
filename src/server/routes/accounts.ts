/**
 * Website accounts: admins create admin users and invite customers (a one-time code, shown once,
 * stored hashed, expiring); a customer creates their account with an invitation code or by
 * self-registration against their customer number with the PAN of a meter linked to them as proof.
 * Failed proofs are counted like failed sign-ins (per customer number and per address).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { parseMeterPan } from '../../codec/pan';
import { accountRow, createAdminUser, invitationHash, newInvitationCode } from '../accounts';
import { callerOf } from '../auth';
import { HttpProblem } from '../problem';
import { problems } from '../schemas/common';
import { AccountRegistration, AdminUserCreation, InvitationAnswer, InvitationRequest } from '../schemas/account';
import { CustomerNumber } from '../schemas/customer';
import { type SignInLimits, assertNotLocked, countFailure, throttleKeys } from '../sign-in';
import type { ServerStore, UserRow } from '../store/server-store';

/** An account as shown (never its hash). */
export function userInfo(row: UserRow): Omit<UserRow, 'passwordHash'> {
  const { passwordHash: _hash, ...info } = row;
  return info;
}

export function accountRoutes(app: FastifyInstance, deps: { store: ServerStore; now: () => Date; limits: SignInLimits }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { store } = deps;

  r.post('/v1/users', {
    config: { access: 'admin' },
    schema: { tags: ['accounts'], summary: 'create an admin user of the website', body: AdminUserCreation, response: { 201: Type.Ref('User'), ...problems(400, 403, 409, 413, 415) } },
  }, async (req, reply) => {
    const by = callerOf(req).operator;
    const row = await createAdminUser(store, { ...req.body, createdBy: by }, deps.now());
    req.log.info({ user: row.username, by }, 'admin user created');
    return reply.code(201).send(userInfo(row));
  });

  r.get('/v1/users', {
    config: { access: 'admin' },
    schema: { tags: ['accounts'], summary: 'every website account (never a password hash)', response: { 200: Type.Array(Type.Ref('User')), ...problems(403) } },
  }, async () => (await store.listUsers()).map(userInfo));

  r.post('/v1/customers/:number/invitations', {
    config: { access: 'admin' },
    schema: {
      tags: ['accounts'], summary: 'invite a customer to create their account: a one-time code, shown in this answer only',
      params: Type.Object({ number: CustomerNumber }), body: InvitationRequest, response: { 201: InvitationAnswer, ...problems(400, 403, 404, 409, 413, 415) },
    },
  }, async (req, reply) => {
    const number = req.params.number;
    if ((await store.getCustomer(number)) === undefined) throw new HttpProblem(404, 'NOT_FOUND', `no customer ${number}; register it with POST /v1/customers`, { field: 'params.number' });
    const account = await store.customerUser(number);
    if (account !== undefined) throw new HttpProblem(409, 'CONFLICT', `customer ${number} has an account already (${account.username})`, { field: 'params.number' });
    const now = deps.now();
    const code = newInvitationCode();
    const expiresAt = new Date(now.getTime() + req.body.validDays * 86_400_000).toISOString();
    const by = callerOf(req).operator;
    await store.insertInvitation({ codeHash: invitationHash(code), customerNumber: number, createdBy: by, createdAt: now.toISOString(), expiresAt, usedAt: null });
    req.log.info({ customer: number, expiresAt, by }, 'customer invited');
    return reply.code(201).send({ code, customerNumber: number, expiresAt });
  });

  r.post('/v1/accounts', {
    config: { access: 'public' },
    schema: {
      tags: ['accounts'], security: [],
      summary: 'a customer creates their account: with an invitation code, or with their customer number and the PAN of a meter linked to them',
      body: AccountRegistration, response: { 201: Type.Ref('User'), ...problems(400, 403, 409, 413, 415) },
    },
  }, async (req, reply) => {
    const b = req.body;
    const now = deps.now();
    const address = req.ip;
    if ((b.invitation === undefined) === (b.customerNumber === undefined && b.pan === undefined)) {
      throw new HttpProblem(400, 'FORMAT', 'give either invitation, or customerNumber and pan', { field: b.invitation === undefined ? 'body.invitation' : 'body.customerNumber', rule: 'oneOf' });
    }
    if (b.invitation !== undefined) {
      const keys = throttleKeys('invitation', address);
      await assertNotLocked(store, [keys.address], now, req.log, { address });
      const draft = await accountRow({ username: b.username, password: b.password, role: 'customer', customerNumber: 'pending', createdBy: 'invitation' }, now);
      const { customerNumber: _pending, ...user } = draft;
      const row = await store.redeemInvitation(invitationHash(b.invitation), user, now.toISOString());
      if (row === undefined) {
        await countFailure(store, [{ key: keys.address, max: deps.limits.maxFailuresPerAddress }], now, deps.limits);
        req.log.warn({ address }, 'account refused: unknown, used or expired invitation');
        throw new HttpProblem(403, 'FORBIDDEN', 'the invitation code is unknown, used or expired; ask the utility for a new one', { field: 'body.invitation' });
      }
      req.log.info({ user: row.username, customer: row.customerNumber }, 'customer account created by invitation');
      return reply.code(201).send(userInfo(row));
    }
    if (b.customerNumber === undefined || b.pan === undefined) {
      throw new HttpProblem(400, 'FORMAT', `self-registration needs ${b.pan === undefined ? 'pan' : 'customerNumber'}`, { field: b.pan === undefined ? 'body.pan' : 'body.customerNumber', rule: 'required' });
    }
    const keys = throttleKeys(`register:${b.customerNumber}`, address);
    await assertNotLocked(store, [keys.subject, keys.address], now, req.log, { customer: b.customerNumber, address });
    const row = await accountRow({ username: b.username, password: b.password, role: 'customer', customerNumber: b.customerNumber, createdBy: 'self-registration' }, now);
    let pan: string | undefined;
    try {
      pan = parseMeterPan(b.pan).pan;
    } catch {
      pan = undefined; // counted as a failed proof below, like a PAN of another customer
    }
    const link = pan === undefined ? undefined : await store.meterLink(pan);
    if (link === undefined || link.customerNumber !== b.customerNumber) {
      await countFailure(store, [{ key: keys.subject, max: deps.limits.maxFailuresPerUser }, { key: keys.address, max: deps.limits.maxFailuresPerAddress }], now, deps.limits);
      req.log.warn({ customer: b.customerNumber, address }, 'account refused: customer number and meter do not match');
      throw new HttpProblem(403, 'FORBIDDEN', 'the customer number and the meter do not match a registered customer; check both, or ask the utility for an invitation', { field: 'body.pan' });
    }
    await store.insertUser(row);
    await store.clearSignInFailures(keys.subject);
    req.log.info({ user: row.username, customer: row.customerNumber }, 'customer account created by self-registration');
    return reply.code(201).send(userInfo(row));
  });
}
