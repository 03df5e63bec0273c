/**
 * What every operation of an open Hsm shares: the store, the master-key subkeys, the clock, and
 * in-memory caches of unwrapped vending keys and derived decoder keys (never persisted; dropped
 * with the instance). Private fields keep all of it out of JSON and inspection.
 */
import { fail } from '../errors';
import type { StaTables } from '../cipher/sta-tables';
import { DecoderKey } from '../keys/decoder-key';
import { deriveDecoderKey } from '../keys/derive';
import { VendingKey } from '../keys/vending-key';
import { parseStoredConfig } from './config';
import { unwrapVendingKey } from './key-store';
import type { MasterKeys } from './master-key';
import type { HsmStore, StoreTx, VendingKeyRow } from './store';
import type { HsmConfig, MeterKeyAttributes } from './types';

const DECODER_KEY_CACHE = 4096;

/** Everything a decoder key is derived from. */
export interface DerivationInput extends MeterKeyAttributes {
  pan: string;
}

export class Core {
  readonly store: HsmStore;
  readonly clock: () => Date;
  /** This instance's audit chain (its node name). */
  readonly chain: string;
  readonly #keys: MasterKeys;
  readonly #staTables: StaTables | undefined;
  #configText: string | undefined;
  #config: HsmConfig | undefined;
  readonly #vendingKeys = new Map<string, { key: VendingKey; attributes: string }>();
  readonly #decoderKeys = new Map<string, DecoderKey>();

  constructor(store: HsmStore, keys: MasterKeys, clock: () => Date, chain: string, staTables?: StaTables) {
    this.store = store;
    this.chain = chain;
    this.#keys = keys;
    this.clock = clock;
    this.#staTables = staTables;
  }

  get auditKey(): Uint8Array {
    return this.#keys.audit;
  }
  get sealKey(): Uint8Array {
    return this.#keys.seal;
  }
  get kek(): Uint8Array {
    return this.#keys.kek;
  }
  /** The STA tables decoder keys are derived with (undefined: the IEC sample tables). */
  get staTables(): StaTables | undefined {
    return this.#staTables;
  }

  /** The stored configuration (re-read from the store, parsed only when it changed). */
  async config(tx: StoreTx): Promise<HsmConfig> {
    const text = await tx.getMeta('config');
    if (this.#config === undefined || text !== this.#configText) {
      this.#config = parseStoredConfig(text);
      this.#configText = text;
    }
    return this.#config;
  }

  async vendingKeyRow(tx: StoreTx, id: string): Promise<VendingKeyRow> {
    return (await tx.getVendingKey(id)) ?? fail('NOT_FOUND', `vending key ${id} is not in the store; import it first (hsm key import)`);
  }

  /**
   * The unwrapped vending key, cached per instance. The cache entry is only used while the row's
   * attributes are those it was unwrapped with: an edited row is unwrapped again, and fails.
   */
  vendingKey(row: VendingKeyRow): VendingKey {
    const attributes = JSON.stringify([row.dkga, row.bits, row.supplyGroupCode, row.keyRevisionNumber, row.vendingKeyType, row.baseDate, row.encryptionAlgorithm, row.activeFrom, row.issuedUntil]);
    const cached = this.#vendingKeys.get(row.id);
    if (cached !== undefined && cached.attributes === attributes) return cached.key;
    const bits = unwrapVendingKey(this.kek, row);
    const key = VendingKey.fromBytes(bits);
    bits.fill(0);
    this.#vendingKeys.set(row.id, { key, attributes });
    return key;
  }

  /** The meter's current decoder key, under the vending key the store holds for it. */
  async meterDecoderKey(tx: StoreTx, m: DerivationInput): Promise<DecoderKey> {
    return this.decoderKey(m, await this.vendingKeyRow(tx, m.vendingKeyId));
  }

  /** The meter's decoder key, derived on demand (DKGA02/DKGA04, reference §7) and cached. */
  decoderKey(m: DerivationInput, vkRow: VendingKeyRow): DecoderKey {
    const id = [m.vendingKeyId, m.pan, m.supplyGroupCode, m.tariffIndex, m.keyRevisionNumber, m.keyType, m.keyExpiryNumber, m.baseDate, m.encryptionAlgorithm].join('|');
    const vk = this.vendingKey(vkRow); // checks the row every time (see vendingKey)
    let dk = this.#decoderKeys.get(id);
    if (dk === undefined) {
      dk = deriveDecoderKey(vk, {
        dkga: vkRow.dkga, supplyGroupCode: m.supplyGroupCode, tariffIndex: m.tariffIndex, keyRevisionNumber: m.keyRevisionNumber,
        keyType: m.keyType, keyExpiryNumber: m.keyExpiryNumber, pan: m.pan, baseDate: m.baseDate, encryptionAlgorithm: m.encryptionAlgorithm,
      }, this.#staTables === undefined ? {} : { staTables: this.#staTables });
      if (this.#decoderKeys.size >= DECODER_KEY_CACHE) this.#decoderKeys.clear();
      this.#decoderKeys.set(id, dk);
    }
    return dk;
  }

  toJSON(): string {
    return `Hsm(${this.store.kind} store)`;
  }
}
