// The payment state machine (src/server/payments/payment-status.ts): never back once the money is
// taken, one way into `issued`, a late settlement still owes the token. Property tests over random
// sequences of gateway outcomes and vend answers, with expectations written from the rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PaymentEvent, type PaymentStatus, gatewayOutcome, moneyTaken, nextStatus } from '../src/server/payments/payment-status';

const outcome = fc.constantFrom('pending', 'paid', 'expired', 'failed') as fc.Arbitrary<'pending' | 'paid' | 'expired' | 'failed'>;
const eventArb: fc.Arbitrary<PaymentEvent> = fc.oneof(
  outcome.map((o) => ({ kind: 'gateway' as const, outcome: o })),
  fc.boolean().map((ok) => ({ kind: 'vend' as const, ok })),
);
const run = (events: PaymentEvent[]): PaymentStatus[] => {
  const seen: PaymentStatus[] = ['pending'];
  for (const e of events) seen.push(nextStatus(seen[seen.length - 1]!, e));
  return seen;
};

describe('payment state machine', () => {
  it('maps Midtrans statuses: settlement and accepted capture are money; a challenged capture waits; unknown ones move nothing', () => {
    expect(gatewayOutcome('settlement')).toBe('paid');
    expect(gatewayOutcome('capture', 'accept')).toBe('paid');
    expect(gatewayOutcome('capture', 'challenge')).toBe('pending');
    expect(gatewayOutcome('pending')).toBe('pending');
    expect(gatewayOutcome('expire')).toBe('expired');
    for (const s of ['cancel', 'deny', 'failure']) expect(gatewayOutcome(s)).toBe('failed');
    for (const s of ['refund', 'partial_refund', 'authorize', '']) expect(gatewayOutcome(s)).toBeUndefined();
  });

  it('the happy path and its faults, step by step', () => {
    const g = (o: 'pending' | 'paid' | 'expired' | 'failed'): PaymentEvent => ({ kind: 'gateway', outcome: o });
    expect(run([g('pending'), g('paid'), { kind: 'vend', ok: true }])).toEqual(['pending', 'pending', 'paid', 'issued']);
    expect(run([g('paid'), g('pending')]).at(-1)).toBe('paid'); // out of order
    expect(run([g('expired'), g('paid')]).at(-1)).toBe('paid'); // late settlement
    expect(run([g('failed'), g('expired'), g('pending')]).at(-1)).toBe('failed');
    expect(run([g('paid'), { kind: 'vend', ok: false }, { kind: 'vend', ok: true }])).toEqual(['pending', 'paid', 'attention', 'issued']);
    expect(run([{ kind: 'vend', ok: true }]).at(-1)).toBe('pending'); // no vend before the money
  });

  it('once the money is taken the payment never leaves paid/attention/issued, and issued is final', () => {
    fc.assert(fc.property(fc.array(eventArb, { maxLength: 30 }), (events) => {
      const seen = run(events);
      const firstMoney = seen.findIndex(moneyTaken);
      if (firstMoney >= 0) expect(seen.slice(firstMoney).every(moneyTaken)).toBe(true);
      const firstIssued = seen.indexOf('issued');
      if (firstIssued >= 0) expect(seen.slice(firstIssued).every((s) => s === 'issued')).toBe(true);
    }), { numRuns: 2000 });
  });

  it('issued only after a vend that succeeded on a paid payment; paid only from a paid outcome', () => {
    fc.assert(fc.property(fc.array(eventArb, { maxLength: 30 }), (events) => {
      const seen = run(events);
      for (let i = 0; i < events.length; i++) {
        const [from, to, e] = [seen[i]!, seen[i + 1]!, events[i]!];
        if (to === 'issued' && from !== 'issued') expect(e.kind === 'vend' && e.ok && (from === 'paid' || from === 'attention')).toBe(true);
        if (to === 'paid' && from !== 'paid') expect(e.kind === 'gateway' && e.outcome === 'paid').toBe(true);
        if (to === 'attention' && from !== 'attention') expect(e.kind === 'vend' && !e.ok && from === 'paid').toBe(true);
      }
    }), { numRuns: 2000 });
  });

  it('a paid outcome after any sequence without money always takes the money (late settlements are never dropped)', () => {
    fc.assert(fc.property(fc.array(outcome.filter((o) => o !== 'paid'), { maxLength: 10 }), (outcomes) => {
      const before = run(outcomes.map((o) => ({ kind: 'gateway' as const, outcome: o }))).at(-1)!;
      expect(moneyTaken(before)).toBe(false);
      expect(nextStatus(before, { kind: 'gateway', outcome: 'paid' })).toBe('paid');
    }));
  });

  it('the same event twice changes nothing the second time (duplicate notifications)', () => {
    fc.assert(fc.property(fc.array(eventArb, { maxLength: 20 }), eventArb, (events, e) => {
      const s = run(events).at(-1)!;
      const once = nextStatus(s, e);
      if (e.kind === 'gateway') expect(nextStatus(once, e)).toBe(once);
    }));
  });
});
