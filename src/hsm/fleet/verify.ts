/**
 * The check every fleet key-change set passes before it is recorded, on a path independent of
 * the engine's fast path (templates, derive-fast.ts): the meter's current decoder key and the
 * planned new key come from the reference derivation (dkga02, or dkga04's message and HMAC; see
 * referenceDeriver), and the set is read as the meter reads it, on the token layer: decodeToken
 * (CRC, class, fields) with a DecoderKey of the current key, and assembleKeyChange. The set must carry exactly the planned new key bits, KRN,
 * KT, KEN, TI, RO and (when carried) SGC, in the right number of tokens.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { HydroSyncError } from '../../errors';
import { DecoderKey, type DecoderKeyOptions } from '../../keys/decoder-key';
import { dkga02 } from '../../keys/dkga02';
import { dkga04, dkga04Message } from '../../keys/dkga04';
import { normalizeKeyParameters } from '../../keys/parameters';
import type { DecoderKeyAttributes, Dkga02Parity } from '../../keys/types';
import type { VendingKey } from '../../keys/vending-key';
import { decodeToken } from '../../tokens/decode';
import { assembleKeyChange } from '../../tokens/key-change';
import type { Token } from '../../tokens/types';
import type { FleetKeyParams, FleetProfile } from './types';

/** What a set must carry (besides the new key bits). */
export interface PlannedKeyChange {
  keyRevisionNumber: number;
  keyType: number;
  keyExpiryNumber: number;
  tariffIndex: string;
  supplyGroupCode: string;
  rollover: boolean;
  threeTokenSet: boolean;
}

/**
 * Why `tokens` is not exactly the planned key change under `currentKey` (null: it is). `newKey`
 * holds the planned new key bits (8 or 16 bytes). The text never holds key material.
 */
export function keyChangeSetMismatch(tokens: readonly string[], currentKey: DecoderKey, newKey: Uint8Array, plan: PlannedKeyChange): string | null {
  if (!Array.isArray(tokens) || tokens.some((t) => typeof t !== 'string')) return 'the tokens are not strings';
  const bits = newKey.length === 16 ? 128 : 64;
  const count = bits === 128 ? 4 : plan.threeTokenSet ? 3 : 2;
  if (tokens.length !== count) return `${tokens.length} tokens instead of ${count}`;
  // The meter knows the key length, so class 2 subclass 8 is read as the set's kind says (no guessing).
  const subclass8 = bits === 128 ? '4-token' : '3-token';
  const decoded: Token[] = new Array(count);
  let change;
  try {
    for (let i = 0; i < count; i++) decoded[i] = decodeToken(tokens[i]!, currentKey, { subclass8 });
    const progress = assembleKeyChange(decoded, bits);
    if (!progress.complete) return `an incomplete set (${progress.have} of ${progress.need} tokens)`;
    change = progress.change;
  } catch (e) {
    if (e instanceof HydroSyncError) return `it does not decode with the meter's current key (${e.code})`;
    throw e;
  }
  const got = change.newKeyBytes;
  let diff = got.length ^ newKey.length;
  for (let i = 0; i < Math.min(got.length, newKey.length); i++) diff |= got[i]! ^ newKey[i]!;
  got.fill(0);
  if (diff !== 0) return 'it carries other key bits';
  if (change.keyRevisionNumber !== plan.keyRevisionNumber) return `it carries KRN ${change.keyRevisionNumber}`;
  if (change.keyType !== plan.keyType) return `it carries KT ${change.keyType}`;
  if (change.keyExpiryNumber !== plan.keyExpiryNumber) return `it carries KEN ${change.keyExpiryNumber}`;
  if (change.tariffIndex !== plan.tariffIndex) return `it carries TI ${change.tariffIndex}`;
  if (change.rollover !== plan.rollover) return `it carries RO = ${change.rollover ? 1 : 0}`;
  if (change.supplyGroupCode !== undefined && change.supplyGroupCode !== plan.supplyGroupCode) return `it carries SGC ${change.supplyGroupCode}`;
  return null;
}

export interface ReferenceDeriveOptions extends DecoderKeyOptions {
  parity?: Dkga02Parity;
}

/**
 * A decoder key deriver for one key of a fleet profile, on the reference path: DKGA02 by the
 * library function, DKGA04 as dkga04() computes it (reference §7.5): the message built afresh
 * for each PAN by dkga04Message and HMAC-SHA-256 under the vending key, with the parameters
 * validated once for the profile instead of once per meter, and an HMAC state of its own (not the
 * fast path's template). Checked against dkga04() itself on the sample PAN before use.
 */
function referenceDeriver(vk: VendingKey, vkBytes: Uint8Array, k: FleetKeyParams, samplePan: string, options: ReferenceDeriveOptions): (pan: string) => Uint8Array {
  const params = normalizeKeyParameters({ ...k, pan: samplePan });
  if (k.dkga === '02') {
    const dkga02Options = options.parity ? { parity: options.parity } : {};
    return (pan) => dkga02(vk, { ...params, pan }, dkga02Options);
  }
  const want = dkga04(vk, params); // KEY for a vending key or algorithm DKGA04 does not take
  const lengthBits = params.encryptionAlgorithm === '11' ? 128 : 64;
  const base = hmac.create(sha256, vkBytes);
  const scratch = base.clone();
  const digest = new Uint8Array(32);
  const derive = (pan: string) => {
    const h = base._cloneInto(scratch);
    h.update(dkga04Message({ ...params, pan }, lengthBits));
    h.digestInto(digest);
    return digest.slice(0, lengthBits / 8);
  };
  const got = derive(params.pan);
  let diff = got.length ^ want.length;
  for (let i = 0; i < want.length; i++) diff |= got[i]! ^ want[i]!;
  got.fill(0);
  want.fill(0);
  if (diff !== 0) throw new HydroSyncError('KEY_CHANGE', 'the fleet verifier does not reproduce dkga04; nothing was issued');
  return derive;
}

/**
 * Checks each set of one fleet profile on the reference path (see the file comment); check()
 * throws KEY_CHANGE (the set is then refused, never recorded) unless the set is exactly the
 * planned key change. Built once per profile; `samplePan` is a valid canonical PAN.
 */
export class FleetSetVerifier {
  readonly #current: (pan: string) => Uint8Array;
  readonly #next: (pan: string) => Uint8Array;
  readonly #attributes: DecoderKeyAttributes;
  readonly #keyOptions: DecoderKeyOptions;
  readonly #plan: PlannedKeyChange;

  constructor(p: FleetProfile, samplePan: string, current: { vendingKey: VendingKey; bytes: Uint8Array }, next: { vendingKey: VendingKey; bytes: Uint8Array }, options: ReferenceDeriveOptions) {
    this.#current = referenceDeriver(current.vendingKey, current.bytes, p.current, samplePan, options);
    this.#next = referenceDeriver(next.vendingKey, next.bytes, p.next, samplePan, options);
    const { pan: _sample, ...attributes } = normalizeKeyParameters({ ...p.current, pan: samplePan });
    this.#attributes = { ...attributes, dkga: p.current.dkga };
    this.#keyOptions = options.staTables ? { staTables: options.staTables } : {};
    this.#plan = { ...p.next, rollover: p.rollover, threeTokenSet: p.threeTokenSet };
  }

  /**
   * The meter's current decoder key and the planned new key bits, on the reference path (`pan`:
   * canonical). The caller zeroes newKey when done.
   */
  keys(pan: string): { currentKey: DecoderKey; newKey: Uint8Array } {
    const bits = this.#current(pan);
    const currentKey = DecoderKey.fromBytes(bits, { ...this.#attributes, pan }, this.#keyOptions);
    bits.fill(0);
    return { currentKey, newKey: this.#next(pan) };
  }

  /** Check a set against keys from keys(pan). */
  checkWith(pan: string, tokens: readonly string[], currentKey: DecoderKey, newKey: Uint8Array): void {
    const why = keyChangeSetMismatch(tokens, currentKey, newKey, this.#plan);
    if (why !== null) {
      throw new HydroSyncError('KEY_CHANGE', `the key-change set made for meter ${pan} does not carry the planned new key (${why}); it was not issued`);
    }
  }

  /** Check a set made by any path (`pan`: the meter's canonical PAN). */
  check(pan: string, tokens: readonly string[]): void {
    const { currentKey, newKey } = this.keys(pan);
    try {
      this.checkWith(pan, tokens, currentKey, newKey);
    } finally {
      newKey.fill(0);
    }
  }
}
