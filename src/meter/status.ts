/** A meter's display/status summary (what `meter status` shows). */
import { formatMeterTime } from './clock';
import { Meter } from './meter';
import { describeValue } from '../argument-checks';
import { fail } from '../errors';

export interface MeterStatus {
  pan: string;
  profile: string;
  creditLitres: number;
  /** Remaining volume in m³ as an exact decimal string (litres / 1000). */
  creditCubicMetres: string;
  consumedLitres: number;
  valveOpen: boolean;
  lowCredit: boolean;
  tamper: boolean;
  key: { encryptionAlgorithm: string; keyType: number; keyRevisionNumber: number; keyExpiryNumber: number; supplyGroupCode: string; tariffIndex: string; baseDate: number };
  tidMemory: { depth: number; oldest: number; newest: number };
  keyChangeHeld: { subclasses: number[]; since: string } | null;
  lockout: { rejects: number; lockedUntil: string | null };
  clock: string | null;
  settings: Meter['settings'];
}

/**
 * Litres → m³ as an exact decimal ("1.25").
 * @param litres - whole litres
 * @throws HydroSyncError `FORMAT` for a non-integer or unsafe number.
 */
export function litresToCubicMetres(litres: number): string {
  if (!Number.isSafeInteger(litres)) fail('FORMAT', `litres must be a whole number; got ${describeValue(litres)}`);
  const whole = Math.floor(litres / 1000);
  const rest = litres - whole * 1000;
  return rest === 0 ? String(whole) : `${whole}.${String(rest).padStart(3, '0').replace(/0+$/, '')}`;
}

/**
 * A meter's registers, flags, key attributes (never its bits), lockout and held key-change tokens, for display or JSON.
 * @param m - the meter
 * @throws HydroSyncError `USAGE` if `m` is not a Meter.
 */
export function meterStatus(m: Meter): MeterStatus {
  if (!(m instanceof Meter)) fail('USAGE', `meterStatus takes a Meter; got ${describeValue(m)}`);
  const k = m.key;
  const held = m.pendingKeyChange;
  return {
    pan: m.profile.pan,
    profile: m.profile.name,
    creditLitres: m.creditLitres,
    creditCubicMetres: litresToCubicMetres(m.creditLitres),
    consumedLitres: m.consumedLitres,
    valveOpen: m.valveOpen,
    lowCredit: m.lowCredit,
    tamper: m.tamper,
    key: {
      encryptionAlgorithm: k.encryptionAlgorithm, keyType: k.keyType, keyRevisionNumber: k.keyRevisionNumber,
      keyExpiryNumber: k.keyExpiryNumber, supplyGroupCode: k.supplyGroupCode, tariffIndex: k.tariffIndex, baseDate: k.baseDate,
    },
    tidMemory: { depth: m.tidMemory.depth, oldest: m.tidMemory.oldest, newest: m.tidMemory.newest },
    keyChangeHeld: held === null ? null : { subclasses: held.subclasses, since: formatMeterTime(held.since) },
    lockout: { rejects: m.rejects, lockedUntil: Number.isFinite(m.lockedUntil) ? formatMeterTime(m.lockedUntil) : null },
    clock: m.clock === null ? null : formatMeterTime(m.clock),
    settings: { ...m.settings },
  };
}
