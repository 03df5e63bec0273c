/**
 * Fleet profiles: what the meters of one fleet key change share (current and new key parameters,
 * RO, 3KCT) apart from their PAN. A fleet has one or a few; each is checked once.
 */
import type { FleetItem } from '../types';
import type { FleetKeyParams, FleetProfile } from './types';

/** Same decoder-key parameters (all nine fields). */
function sameKeyParams(a: FleetKeyParams, b: FleetKeyParams): boolean {
  return a === b || (
    a.vendingKeyId === b.vendingKeyId && a.keyRevisionNumber === b.keyRevisionNumber &&
    a.supplyGroupCode === b.supplyGroupCode && a.tariffIndex === b.tariffIndex &&
    a.keyType === b.keyType && a.keyExpiryNumber === b.keyExpiryNumber && a.baseDate === b.baseDate &&
    a.encryptionAlgorithm === b.encryptionAlgorithm && a.dkga === b.dkga
  );
}

/** Does the item belong to the profile? */
function itemHasProfile(item: FleetItem, p: FleetProfile): boolean {
  return item.rollover === p.rollover && item.threeTokenSet === p.threeTokenSet &&
    sameKeyParams(item.current, p.current) && sameKeyParams(item.next, p.next);
}

function paramsKey(k: FleetKeyParams): string {
  return JSON.stringify([k.dkga, k.vendingKeyId, k.supplyGroupCode, k.tariffIndex, k.keyRevisionNumber, k.keyType, k.keyExpiryNumber, k.baseDate, k.encryptionAlgorithm]);
}

/** A string that is equal for two items exactly when they share a profile. */
export function profileKey(p: FleetProfile): string {
  return `${paramsKey(p.current)}>${paramsKey(p.next)}|${p.rollover === true ? 1 : 0}${p.threeTokenSet === true ? 1 : 0}`;
}

/** The profile of an item (a fresh object with copies of the parameters, no PAN). */
function profileOf(item: FleetItem): FleetProfile {
  const copy = (k: FleetKeyParams): FleetKeyParams => ({
    dkga: k.dkga, vendingKeyId: k.vendingKeyId, supplyGroupCode: k.supplyGroupCode, tariffIndex: k.tariffIndex,
    keyRevisionNumber: k.keyRevisionNumber, keyType: k.keyType, keyExpiryNumber: k.keyExpiryNumber,
    baseDate: k.baseDate, encryptionAlgorithm: k.encryptionAlgorithm,
  });
  return { current: copy(item.current), next: copy(item.next), rollover: item.rollover, threeTokenSet: item.threeTokenSet };
}

/** Interns profiles: items → small integer profile ids, fast for runs of items with the same profile. */
export class ProfileTable {
  readonly profiles: FleetProfile[] = [];
  private readonly byKey = new Map<string, number>();
  private last = -1;

  /** The id of the item's profile (added if new). The item must have object `current` and `next`. */
  idOf(item: FleetItem): number {
    const last = this.last;
    if (last >= 0 && itemHasProfile(item, this.profiles[last]!)) return last;
    const p = profileOf(item);
    const key = profileKey(p);
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.profiles.length;
      this.profiles.push(p);
      this.byKey.set(key, id);
    }
    this.last = id;
    return id;
  }
}
