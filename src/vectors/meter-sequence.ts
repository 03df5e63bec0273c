/**
 * The `meterSequence` vector kind (vectors-format.md "Meter sequences"): a meter profile and state,
 * then steps (token entries, consumption, events) at meter times, each checking only the fields
 * its `expected` lists. An unknown expected field fails the case (never a silent pass).
 */
import { fail } from '../errors';
import type { StaTables } from '../cipher/sta-tables';
import { Meter } from '../meter/meter';
import { isMeterResultCode } from '../meter/results';
import type { MeterProfileInput } from '../meter/profile';
import { keyFromObject } from './key-object';

type Obj = Record<string, unknown>;

const CHECKABLE = ['result', 'creditLitres', 'valveOpen', 'tamper', 'keyRevisionNumber', 'keyExpiryNumber', 'tariffIndex', 'keyType', 'baseDate', 'supplyGroupCode', 'lowCredit', 'consumedLitres'] as const;

function obj(v: unknown, what: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('VECTOR', `${what} must be an object`);
  return v as Obj;
}

/** Build the meter of a case's `meter` object. */
function meterFromVector(meterObj: unknown, staTables?: StaTables): Meter {
  const m = obj(meterObj, 'meter');
  if (typeof m.pan !== 'string') fail('VECTOR', 'meter.pan must be the 18-digit MeterPAN');
  const keyObj = obj(m.key, 'meter.key');
  const key = keyFromObject(keyObj.decoderKey === undefined && keyObj.pan === undefined ? { ...keyObj, pan: m.pan } : keyObj, undefined, staTables);
  const profile: MeterProfileInput = { pan: m.pan };
  if (m.manufacturerCode !== undefined) profile.manufacturerCode = m.manufacturerCode as number;
  if (m.tidMemoryDepth !== undefined) profile.tidMemoryDepth = m.tidMemoryDepth as number;
  if (m.creditCapLitres !== undefined) profile.creditCapLitres = m.creditCapLitres as number;
  if (m.lowCreditLitres !== undefined) profile.lowCreditLitres = m.lowCreditLitres as number;
  if (m.keyChangeHoldSeconds !== undefined) profile.keyChangeHoldSeconds = m.keyChangeHoldSeconds as number;
  // A sequence that wants a lockout says so; a missing `lockout` means none, so that a run of
  // rejected entries checks each result rather than the keypad lock.
  profile.lockout = m.lockout === undefined ? null : m.lockout as MeterProfileInput['lockout'];
  if (m.subclasses !== undefined) profile.subclasses = obj(m.subclasses, 'meter.subclasses') as MeterProfileInput['subclasses'];
  if (m.keyTypeChanges !== undefined) profile.keyTypeChanges = obj(m.keyTypeChanges, 'meter.keyTypeChanges') as MeterProfileInput['keyTypeChanges'];
  return new Meter({
    profile,
    key,
    initialTid: (m.initialTid as number | undefined) ?? 0,
    creditLitres: (m.creditLitres as number | undefined) ?? 0,
    tamper: m.tamper === true,
    ...(staTables ? { keyOptions: { staTables } } : {}),
  });
}

function check(i: number, what: string, got: unknown, want: unknown): void {
  if (got !== want) fail('VECTOR', `step ${i + 1}: ${what} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
}

/** Run a meterSequence case; throws VECTOR naming the first step that differs. */
export function runMeterSequence(c: Obj, staTables?: StaTables): void {
  const meter = meterFromVector(c.meter, staTables);
  if (!Array.isArray(c.steps) || c.steps.length === 0) fail('VECTOR', 'a meterSequence case needs a non-empty "steps" array');
  c.steps.forEach((s: unknown, i: number) => {
    const step = obj(s, `step ${i + 1}`);
    const at = step.at;
    if (typeof at !== 'string') fail('VECTOR', `step ${i + 1}: "at" (meter time "YYYY-MM-DDTHH:MM") is required`);
    let result: string | undefined;
    const actions = [step.token !== undefined, step.consumeLitres !== undefined, step.event !== undefined].filter(Boolean).length;
    if (actions !== 1) fail('VECTOR', `step ${i + 1}: give exactly one of token, consumeLitres or event`);
    if (step.token !== undefined) {
      if (typeof step.token !== 'string') fail('VECTOR', `step ${i + 1}: token must be a string`);
      result = meter.enter(step.token, at).result;
    } else if (step.consumeLitres !== undefined) {
      meter.consume(step.consumeLitres as number, at);
    } else if (step.event === 'tamper') {
      meter.raiseTamper(at);
    } else if (step.event === 'powerCycle') {
      meter.powerCycle(at);
    } else {
      fail('VECTOR', `step ${i + 1}: unknown event ${JSON.stringify(step.event)} (tamper, powerCycle)`);
    }
    const expected = step.expected === undefined ? {} : obj(step.expected, `step ${i + 1}: expected`);
    for (const [name, want] of Object.entries(expected)) {
      const k = meter.key;
      switch (name as (typeof CHECKABLE)[number]) {
        case 'result':
          if (!isMeterResultCode(want)) fail('VECTOR', `step ${i + 1}: expected result ${JSON.stringify(want)} is not a result code`);
          if (result === undefined) fail('VECTOR', `step ${i + 1}: a result is expected, but the step enters no token`);
          check(i, 'result', result, want);
          break;
        case 'creditLitres': check(i, 'creditLitres', meter.creditLitres, want); break;
        case 'consumedLitres': check(i, 'consumedLitres', meter.consumedLitres, want); break;
        case 'valveOpen': check(i, 'valveOpen', meter.valveOpen, want); break;
        case 'lowCredit': check(i, 'lowCredit', meter.lowCredit, want); break;
        case 'tamper': check(i, 'tamper', meter.tamper, want); break;
        case 'keyRevisionNumber': check(i, 'keyRevisionNumber', k.keyRevisionNumber, want); break;
        case 'keyExpiryNumber': check(i, 'keyExpiryNumber', k.keyExpiryNumber, want); break;
        case 'tariffIndex': check(i, 'tariffIndex', k.tariffIndex, want); break;
        case 'keyType': check(i, 'keyType', k.keyType, want); break;
        case 'baseDate': check(i, 'baseDate', k.baseDate, want); break;
        case 'supplyGroupCode': check(i, 'supplyGroupCode', k.supplyGroupCode, want); break;
        default:
          fail('VECTOR', `step ${i + 1}: unknown expected field ${JSON.stringify(name)} (checkable: ${CHECKABLE.join(', ')})`);
      }
    }
  });
}
