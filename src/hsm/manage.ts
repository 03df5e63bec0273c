/**
 * Management tokens (class 2, reference §2.5) for a registered meter: ClearCredit (sub 1),
 * ClearTamperCondition (sub 5), SetWaterMeterFactor (sub 7, raw 16-bit field: its meaning is
 * reserved by the STS Association), SetMaximumPowerLimit (sub 0) and
 * SetMaximumPhasePowerUnbalanceLimit (sub 6), both in watts with TransferAmount coding, rounded up.
 * Same TID rules and refusals as a vend (KEY_INACTIVE, KEY_EXPIRED); no credit limits; allowed
 * under a default key (DDTK refuses credit only).
 */
import { fail } from '../errors';
import { decodeTransferAmount, encodeTransferAmount } from '../codec/amount';
import { groupToken } from '../codec/token-digits';
import { showInput } from '../codec/input-text';
import { parseMeterPan } from '../codec/pan';
import { generateToken } from '../tokens/generate';
import { randomNibble } from '../tokens/random';
import type { TokenInput } from '../tokens/types';
import type { Core } from './core';
import { allocateTokenTime, issuedWithTid } from './issue-time';
import { runIssue } from './operation';
import { requireMeter } from './registry';
import type { Issued, ManageRequest } from './types';

const REGISTERS = new Set([0, 1, 2, 3, 4, 5, 6, 7, 0xffff]);

interface Plan {
  value: number | null;
  requested: string | null;
  encoded: string | null;
  token: (tid: number) => TokenInput;
}

function word(name: string, v: unknown, max = 0xffff): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) fail('RANGE', `${name} must be a whole number from 0 to ${max}; got ${showInput(v)}`);
  return v;
}

function plan(req: ManageRequest): Plan {
  switch (req.action) {
    case 'clearCredit': {
      const register = word('register', req.register ?? 1);
      if (!REGISTERS.has(register)) fail('RANGE', `register must be 0-7 (1 = water) or 65535 (all registers); got ${register}`);
      const text = register === 0xffff ? 'all registers' : `register ${register}`;
      return { value: register, requested: text, encoded: text, token: (tid) => ({ kind: 'clearCredit', subclass: 1, fields: { rnd: randomNibble(), tid, register } }) };
    }
    case 'clearTamper':
      return { value: null, requested: null, encoded: null, token: (tid) => ({ kind: 'clearTamperCondition', subclass: 5, fields: { rnd: randomNibble(), tid, pad: 0 } }) };
    case 'setWaterMeterFactor': {
      const factor = word('factor', req.factor);
      return { value: factor, requested: `factor ${factor}`, encoded: `factor ${factor}`, token: (tid) => ({ kind: 'setWaterMeterFactor', subclass: 7, fields: { rnd: randomNibble(), tid, waterMeterFactor: factor } }) };
    }
    case 'setMaximumPowerLimit':
    case 'setMaximumPhasePowerUnbalanceLimit': {
      const watts = word('watts', req.watts, Number.MAX_SAFE_INTEGER);
      const raw = encodeTransferAmount(watts);
      const encoded = `${decodeTransferAmount(raw)} W`;
      const kind = req.action;
      return {
        value: watts, requested: `${watts} W`, encoded,
        token: (tid) => (kind === 'setMaximumPowerLimit'
          ? { kind, subclass: 0, fields: { rnd: randomNibble(), tid, maximumPowerLimit: raw } }
          : { kind, subclass: 6, fields: { rnd: randomNibble(), tid, maximumPhasePowerUnbalanceLimit: raw } }),
      };
    }
    default:
      return fail('FORMAT', `unknown management action ${showInput((req as { action?: unknown }).action)}; use clearCredit, clearTamper, setWaterMeterFactor, setMaximumPowerLimit or setMaximumPhasePowerUnbalanceLimit`);
  }
}

export function manage(core: Core, req: ManageRequest): Promise<Issued> {
  const kind = `manage:${typeof req?.action === 'string' ? req.action.slice(0, 40) : '?'}`;
  let p: Plan;
  return runIssue(core, kind, req, () => {
    if (req === null || typeof req !== 'object') fail('FORMAT', 'a management request must be an object');
    const pan = parseMeterPan(req.pan).pan;
    p = plan(req);
    return { pan, requested: p.requested, fingerprint: [p.value] };
  }, async (tx, now, ctx, d) => {
    const meter = await requireMeter(tx, d.pan!, true);
    const config = await core.config(tx);
    const row = await core.vendingKeyRow(tx, meter.vendingKeyId);
    const time = allocateTokenTime(meter, row, now, config.utcOffsetMinutes);
    const dk = core.decoderKey(meter, row);
    const t = p.token(time.tid);
    const token = generateToken(t, dk);
    const issued = issuedWithTid(kind, ctx.transactionId, meter.pan, [token], [groupToken(token)], time, meter.keyRevisionNumber, now);
    if (p.requested !== null) issued.requested = p.requested;
    if (p.encoded !== null) issued.encoded = p.encoded;
    await tx.updateMeter({ ...meter, lastTid: time.tid });
    return { issued, auditAmount: p.encoded };
  });
}
