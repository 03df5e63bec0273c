/**
 * Allowed decoder key type changes (KT, reference §7.6). IEC 62055-41 §6.5.2.4 holds the rules but
 * its text is not public (reference §13.12), so this table is our choice, configurable per meter
 * profile:
 *
 * | to \ from          | 0 DITK | 1 DDTK | 2 DUTK | 3 DCTK |
 * |--------------------|--------|--------|--------|--------|
 * | 0 DITK (factory)   |   no   |   no   |   no   |   no   |
 * | 1 DDTK (default)   |  yes   |  yes   |   no   |   no   |
 * | 2 DUTK (unique)    |  yes   |  yes   |  yes   |  yes   |
 * | 3 DCTK (common)    |  yes   |   no   |   no   |  yes   |
 *
 * Reasoning: the initialisation key is only ever set at the factory; a meter may always move to
 * its own unique key; it never falls back from a unique key to a shared (default or common) one,
 * because a shared key is known to more parties and would undo the unique key's protection.
 */
import type { KeyType } from '../keys/types';

/** For each current KT, the KTs a key-change set may install. */
export type KeyTypeChanges = Readonly<Record<KeyType, readonly KeyType[]>>;

/**
 * Which key type may follow which in a key change, by default (KT transitions a meter accepts).
 */
export const DEFAULT_KEY_TYPE_CHANGES: KeyTypeChanges = Object.freeze({
  0: Object.freeze([1, 2, 3] as KeyType[]),
  1: Object.freeze([1, 2] as KeyType[]),
  2: Object.freeze([2] as KeyType[]),
  3: Object.freeze([2, 3] as KeyType[]),
});

export function keyTypeChangeAllowed(changes: KeyTypeChanges, from: KeyType, to: KeyType): boolean {
  return changes[from]?.includes(to) === true;
}
