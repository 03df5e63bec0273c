/**
 * The fleet key-change engine: key-change sets (IEC 62055-41 §6.2.7–6.2.8, reference §2.6) for many
 * meters. Per profile (see profile.ts) it first makes one set with the library's reference path
 * (deriveDecoderKey for the current and the new key, generateKeyChange), then compiles a fast path
 * (per-profile templates: DKGA message and token blocks; per meter only the two derivations, the
 * current key's cipher schedule, 2–4 encryptions) and uses it only if it reproduces that set
 * exactly. Per-meter errors become refusals; they never abort the batch.
 *
 * With the `verify` option every set is also checked independently of the fast path before it is
 * handed out (FleetSetVerifier, verify.ts): the decoder keys then come from the reference
 * derivation instead of derive-fast.ts, the fast path only builds and encrypts the token blocks,
 * and the verifier decodes them on the token layer with that reference current key.
 */
import { HydroSyncError, fail } from '../../errors';
import { formatToken } from '../../codec/token-digits';
import { tokenCrc } from '../../codec/crc16';
import { parseMeterPan } from '../../codec/pan';
import { createDes } from '../../cipher/des';
import { createMisty1 } from '../../cipher/misty1';
import { createSta } from '../../cipher/sta';
import type { BlockCipher64 } from '../../cipher/types';
import { DecoderKey } from '../../keys/decoder-key';
import { deriveDecoderKey } from '../../keys/derive';
import { normalizeKeyParameters } from '../../keys/parameters';
import { VendingKey } from '../../keys/vending-key';
import { baseDateAfter, generateKeyChange, keyChangeTokens } from '../../tokens/key-change';
import { buildBlock, layoutOf } from '../../tokens/generate';
import type { KeyChangeToken } from '../../tokens/types';
import type { FleetItem, FleetOutcome } from '../types';
import { type DeriveInto, type PreparedVendingKey, dkga02Deriver, dkga04Deriver } from './derive-fast';
import { ProfileTable, profileKey } from './profile';
import { markVerified } from './verified';
import { FleetSetVerifier } from './verify';
import { sha256HexOfText } from '../sha256-text';
import type { FleetBatchOptions, FleetKeyParams, FleetProfile, PackedFleetChunk, PackedFleetResult } from './types';
import { checkArray, checkOptions } from '../../argument-checks';

/** Makes the set for one meter (canonical PAN), appending the tokens to `out`; throws HydroSyncError. */
type Generate = (pan: string, out: string[]) => void;

/** The fast path's token builder: the set under a current key's cipher, carrying `newKey`'s bits. */
type Build = (cipher: BlockCipher64, newKey: Uint8Array, out: string[]) => void;

interface Refusal {
  errorCode: string;
  message: string;
}

interface CompiledProfile {
  refusal: Refusal | null;
  generate: Generate;
  /** true when the fast path is in use (it reproduced the reference set). */
  fast: boolean;
  /** profileKey() of the profile. */
  key: string;
  /** The fast path's token builder (when `fast`). */
  build?: Build;
}

/** Which new-key word each key-change token carries, as a byte offset into the new key (reference §2.6). */
function keyWordOf(t: KeyChangeToken, keyBytes: number): { field: string; offset: number } | null {
  switch (t.kind) {
    case 'set1stSectionDecoderKey': return { field: 'newKeyHigh', offset: 0 }; // NKHO
    case 'set2ndSectionDecoderKey': return { field: 'newKeyLow', offset: keyBytes - 4 }; // NKLO
    case 'set3rdSectionDecoderKey': return { field: 'newKeyMiddle2', offset: 4 }; // NKMO2
    case 'set4thSectionDecoderKey': return { field: 'newKeyMiddle1', offset: 8 }; // NKMO1
    default: return null; // 3KCT supply group code token: no key bits
  }
}

/** Two valid MeterPANs (both IIN forms) to check a compiled fast path against the reference path. */
const PROBE_PANS = ['600727000000000009', '000001000000000082'] as const;

function reproduces(generate: Generate, pan: string, want: readonly string[]): boolean {
  const got: string[] = [];
  try {
    generate(pan, got);
  } catch {
    return false;
  }
  return got.length === want.length && got.every((t, i) => t === want[i]);
}

function errorOf(e: unknown, prefix: string): Refusal {
  if (e instanceof HydroSyncError) return { errorCode: e.code, message: prefix + e.message };
  throw e;
}

/** Refuse an RO flag that does not match the base dates (the meter moves to the next base date on RO = 1). */
function rolloverRefusal(p: FleetProfile): Refusal | null {
  const from = p.current.baseDate;
  const to = p.next.baseDate;
  if (p.rollover) {
    if (from === 2035) return { errorCode: 'KEY_CHANGE', message: 'a rollover (RO = 1) from base date 2035 is impossible: no later base date is defined' };
    let after: number;
    try {
      after = baseDateAfter(from, true);
    } catch (e) {
      return errorOf(e, 'current key: ');
    }
    if (to !== after) {
      return {
        errorCode: 'KEY_CHANGE',
        message: `a rollover key change (RO = 1) moves the meter from base date ${from} to ${after}, but the new key is for base date ${to}; give the new key base date ${after}, or no rollover`,
      };
    }
  }
  return null; // no RO with a base date change: generateKeyChange refuses it (KEY_CHANGE)
}

/**
 * The set does not carry the encryption algorithm: the meter takes EA11 for a 128-bit key and
 * keeps its EA07/EA09 for a 64-bit one (EA07 after EA11), as decodeKeyChange does. Refuse a new
 * key whose algorithm the meter would not take.
 */
function algorithmRefusal(p: FleetProfile): Refusal | null {
  const from = p.current.encryptionAlgorithm;
  const to = p.next.encryptionAlgorithm;
  if (to === '11' || to === from || (from === '11' && to === '07')) return null;
  return {
    errorCode: 'KEY_CHANGE',
    message: `a key-change set does not carry the encryption algorithm: a meter on EA${from} given a 64-bit key stays on EA${from === '11' ? '07' : from}, but the new key is for EA${to}`,
  };
}

/** A fleet key-change engine for one set of vending keys: prepares each key and each profile once. */
export class FleetEngine {
  private readonly keys = new Map<string, PreparedVendingKey | Refusal>();
  private readonly compiled = new Map<string, CompiledProfile>();
  private readonly table = new ProfileTable();
  private readonly byId: (CompiledProfile | undefined)[] = [];

  /** `vendingKeys`: vending key id → raw key bytes (8 or 20). Read once per id. */
  constructor(private readonly vendingKeys: ReadonlyMap<string, Uint8Array>, private readonly options: FleetBatchOptions = {}) {}

  /** Profiles compiled so far and how many use the fast path (for tests and diagnostics). */
  stats(): { profiles: number; fast: number } {
    let fast = 0;
    for (const c of this.compiled.values()) if (c.fast) fast++;
    return { profiles: this.compiled.size, fast };
  }

  private vendingKey(id: string, which: string): PreparedVendingKey | Refusal {
    let k = this.keys.get(id);
    if (k === undefined) {
      const bytes = this.vendingKeys.get(id);
      if (bytes === undefined) {
        k = { errorCode: 'NOT_FOUND', message: `${which}: vending key ${JSON.stringify(id)} is not loaded; import it into the security module or give a known vendingKeyId` };
      } else {
        try {
          const vendingKey = VendingKey.fromBytes(bytes);
          k = { bytes: vendingKey.exportBytes(), vendingKey };
        } catch (e) {
          k = errorOf(e, `${which}: vending key ${JSON.stringify(id)}: `);
        }
      }
      this.keys.set(id, k);
    }
    return k;
  }

  /**
   * Compile a profile; `samplePan` is a valid canonical PAN of one of its meters. With the
   * `verify` option, every set made is checked on the reference path (verify.ts) before it is
   * handed out; one that fails is refused (KEY_CHANGE).
   */
  private compile(p: FleetProfile, samplePan: string, key: string): CompiledProfile {
    const c = this.compileGenerate(p, samplePan);
    if (c.refusal !== null || this.options.verify !== true) return { ...c, key };
    let verifier: FleetSetVerifier;
    try {
      verifier = new FleetSetVerifier(p, samplePan, this.keys.get(p.current.vendingKeyId) as PreparedVendingKey,
        this.keys.get(p.next.vendingKeyId) as PreparedVendingKey, this.options);
    } catch (e) {
      const r = errorOf(e, 'verifier: ');
      return { refusal: r, fast: false, key, generate: () => { throw new HydroSyncError(r.errorCode as never, r.message); } };
    }
    const build = c.build;
    if (build !== undefined) {
      // The keys come from the verifier's reference derivation (not derive-fast.ts), the tokens from
      // the fast builder, and the verifier decodes them with that same reference current key.
      return {
        ...c, key,
        generate: (pan, out) => {
          const before = out.length;
          const { currentKey, newKey } = verifier.keys(pan);
          try {
            build(currentKey.cipher, newKey, out);
            verifier.checkWith(pan, out.slice(before), currentKey, newKey);
          } finally {
            newKey.fill(0);
          }
        },
      };
    }
    const generate = c.generate;
    return {
      ...c, key,
      generate: (pan, out) => {
        const before = out.length;
        generate(pan, out);
        verifier.check(pan, out.slice(before));
      },
    };
  }

  private compileGenerate(p: FleetProfile, samplePan: string): Omit<CompiledProfile, 'key'> {
    const refuse = (r: Refusal): Omit<CompiledProfile, 'key'> => ({
      refusal: r, fast: false, generate: () => { throw new HydroSyncError(r.errorCode as never, r.message); },
    });
    const ro = rolloverRefusal(p) ?? algorithmRefusal(p);
    if (ro) return refuse(ro);
    const curVk = this.vendingKey(p.current.vendingKeyId, 'current key');
    if (!('vendingKey' in curVk)) return refuse(curVk);
    const newVk = this.vendingKey(p.next.vendingKeyId, 'new key');
    if (!('vendingKey' in newVk)) return refuse(newVk);
    const { staTables, parity } = this.options;
    const deriveOptions = { ...(staTables ? { staTables } : {}), ...(parity ? { parity } : {}) };
    const kcOptions = { rollover: p.rollover, threeTokenSet: p.threeTokenSet, keyExpiryNumber: p.next.keyExpiryNumber };
    const reference: Generate = (pan, out) => {
      const cur = deriveDecoderKey(curVk.vendingKey, { ...p.current, pan }, deriveOptions);
      const nxt = deriveDecoderKey(newVk.vendingKey, { ...p.next, pan }, deriveOptions);
      for (const t of generateKeyChange(cur, nxt, kcOptions)) out.push(t);
    };
    let curKey: DecoderKey;
    let newKey: DecoderKey;
    let want: string[];
    try {
      curKey = deriveDecoderKey(curVk.vendingKey, { ...p.current, pan: samplePan }, deriveOptions);
    } catch (e) {
      return refuse(errorOf(e, 'current key: '));
    }
    try {
      newKey = deriveDecoderKey(newVk.vendingKey, { ...p.next, pan: samplePan }, deriveOptions);
    } catch (e) {
      return refuse(errorOf(e, 'new key: '));
    }
    try {
      want = generateKeyChange(curKey, newKey, kcOptions);
    } catch (e) {
      return refuse(errorOf(e, ''));
    }
    if (this.options.reference) return { refusal: null, fast: false, generate: reference };
    const compiled = this.fastPath(p, samplePan, curVk, newVk, curKey, newKey, kcOptions);
    const fast = compiled?.generate;
    if (fast && reproduces(fast, samplePan, want)) {
      // A second meter, so that a template keeping the sample's PAN cannot pass.
      const probe = samplePan === PROBE_PANS[0] ? PROBE_PANS[1] : PROBE_PANS[0];
      const probeWant: string[] = [];
      try {
        reference(probe, probeWant);
      } catch {
        return { refusal: null, fast: false, generate: reference };
      }
      if (reproduces(fast, probe, probeWant)) return { refusal: null, fast: true, generate: fast, build: compiled!.build };
    }
    return { refusal: null, fast: false, generate: reference };
  }

  private deriver(k: FleetKeyParams, vk: PreparedVendingKey, samplePan: string): DeriveInto | null {
    const params = normalizeKeyParameters({ ...k, pan: samplePan });
    if (k.dkga === '04') return dkga04Deriver(vk, params);
    if (k.dkga === '02') return dkga02Deriver(vk, params, this.options.parity);
    return null;
  }

  private fastPath(
    p: FleetProfile, samplePan: string, curVk: PreparedVendingKey, newVk: PreparedVendingKey,
    curKey: DecoderKey, newKey: DecoderKey, kcOptions: { rollover: boolean; threeTokenSet: boolean; keyExpiryNumber: number },
  ): { generate: Generate; build: Build } | null {
    const curDerive = this.deriver(p.current, curVk, samplePan);
    const newDerive = this.deriver(p.next, newVk, samplePan);
    if (!curDerive || !newDerive) return null;
    const ea = curKey.encryptionAlgorithm;
    const staTables = this.options.staTables;
    const cipherOf: (key: Uint8Array) => BlockCipher64 =
      ea === '11' ? createMisty1 : ea === '09' ? createDes : (key) => createSta(key, staTables);
    const curBytes = new Uint8Array(curKey.bits / 8);
    const newBytes = new Uint8Array(newKey.bits / 8);
    // Token templates: each token's plaintext block with its new-key word zero and no CRC.
    const block = new Uint32Array(2);
    const templates = keyChangeTokens(curKey, newKey, kcOptions).map((t) => {
      const word = keyWordOf(t, newBytes.length);
      const spec = word ? layoutOf(t).fields.find((f) => f[0] === word.field) : undefined;
      if (word && !spec) return null;
      const fields = { ...t.fields, ...(word ? { [word.field]: 0 } : {}) };
      const cls = buildBlock({ ...t, fields } as KeyChangeToken, block);
      // The key words are 32-bit fields straddling the halves (NKHO etc. at bits 47..16): precompute the shifts.
      if (spec && !(spec[2] === 32 && spec[1] > 0 && spec[1] < 32)) return null;
      const lsb = spec ? spec[1] : 0;
      return { cls, hi: block[0]!, lo: (block[1]! & 0xffff0000) >>> 0, offset: word ? word.offset : -1, hiShift: 32 - lsb, loShift: lsb };
    });
    if (templates.some((t) => t === null)) return null;
    const tpl = templates as NonNullable<(typeof templates)[number]>[];
    const build: Build = (cipher, newBytes, out) => {
      for (let i = 0; i < tpl.length; i++) {
        const t = tpl[i]!;
        block[0] = t.hi;
        block[1] = t.lo;
        if (t.offset >= 0) {
          const o = t.offset;
          const w = ((newBytes[o]! << 24) | (newBytes[o + 1]! << 16) | (newBytes[o + 2]! << 8) | newBytes[o + 3]!) >>> 0;
          block[0] = (block[0]! | (w >>> t.hiShift)) >>> 0;
          block[1] = (block[1]! | (w << t.loShift)) >>> 0;
        }
        block[1] = (block[1]! | tokenCrc(t.cls, block[0]!, block[1]!, false)) >>> 0;
        cipher.encrypt(block);
        out.push(formatToken(t.cls, block[0]!, block[1]!));
      }
    };
    const generate: Generate = (pan, out) => {
      curDerive(pan, curBytes);
      newDerive(pan, newBytes);
      build(cipherOf(curBytes), newBytes, out);
    };
    return { generate, build };
  }

  /** The compiled profile with this id in the engine's profile table. */
  private profileFor(id: number, p: FleetProfile, samplePan: string): CompiledProfile {
    let c = this.byId[id];
    if (c === undefined) {
      const key = profileKey(p);
      c = this.compiled.get(key);
      if (c === undefined) {
        c = this.compile(p, samplePan, key);
        this.compiled.set(key, c);
      }
      this.byId[id] = c;
    }
    return c;
  }

  /** One meter: canonical PAN + profile → tokens, or a refusal. */
  private one(pan: unknown, profile: (canonicalPan: string) => CompiledProfile, out: string[]): Refusal | null {
    try {
      if (typeof pan !== 'string') return { errorCode: 'FORMAT', message: `pan must be an 18-digit MeterPAN string; got ${typeof pan}` };
      const canonical = parseMeterPan(pan).pan;
      const c = profile(canonical);
      if (c.refusal) return c.refusal;
      c.generate(canonical, out);
      return null;
    } catch (e) {
      return errorOf(e, '');
    }
  }

  /** Key-change sets for the items, outcomes in input order. */
  run(items: readonly FleetItem[]): FleetOutcome[] {
    const outcomes: FleetOutcome[] = new Array(items.length);
    const table = this.table;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const shape = itemShapeError(item);
      if (shape) {
        const pan = item !== null && typeof item === 'object' && typeof item.pan === 'string' ? item.pan : '';
        outcomes[i] = { pan, ok: false, errorCode: 'FORMAT', message: `fleet item ${i + 1}: ${shape}` };
        continue;
      }
      const tokens: string[] = [];
      let used: CompiledProfile | undefined;
      let canonicalPan = '';
      const r = this.one(item.pan, (canonical) => {
        const id = table.idOf(item);
        canonicalPan = canonical;
        return (used = this.profileFor(id, table.profiles[id]!, canonical));
      }, tokens);
      const pan = typeof item.pan === 'string' ? item.pan : String(item.pan);
      const o: FleetOutcome = r ? { pan, ok: false, errorCode: r.errorCode, message: r.message } : { pan, ok: true, tokens };
      if (r === null && this.options.verify === true && used !== undefined && pan === canonicalPan) {
        markVerified(o, { pan, profile: used.key, tokenHash: sha256HexOfText(tokens.join(',')), staTables: this.options.staTables, parity: this.options.parity ?? 'raw' });
      }
      outcomes[i] = o;
    }
    return outcomes;
  }

  /** Key-change sets for a packed chunk (worker threads): see PackedFleetChunk / PackedFleetResult. */
  runPacked(chunk: PackedFleetChunk): PackedFleetResult {
    const pans = chunk.pans.length === 0 && chunk.profileIndex.length === 0 ? [] : chunk.pans.split('\n');
    const n = chunk.profileIndex.length;
    const counts = new Uint8Array(n);
    const errors: PackedFleetResult['errors'] = [];
    const out: string[] = [];
    // With verify: the token hash of each set checked, so that the runner can bind its mark to the tokens.
    const hashes: string[] | null = this.options.verify === true ? [] : null;
    // Chunk-local profile ids → engine profile ids.
    const ids = chunk.profiles.map((p) => this.table.idOf({ pan: '', ...p }));
    for (let i = 0; i < n; i++) {
      const before = out.length;
      const local = chunk.profileIndex[i]!;
      const pan = pans[i];
      const r = this.one(pan, (canonical) => {
        const id = ids[local];
        if (id === undefined) throw new HydroSyncError('FORMAT', `packed fleet chunk: item ${i + 1} names profile ${local}, the chunk has ${ids.length}`);
        return this.profileFor(id, chunk.profiles[local]!, canonical);
      }, out);
      if (r) {
        out.length = before;
        errors.push({ index: i, errorCode: r.errorCode, message: r.message });
      } else {
        counts[i] = out.length - before;
        if (hashes !== null) hashes.push(sha256HexOfText(out.slice(before).join(',')));
      }
    }
    const result: PackedFleetResult = { counts, tokens: out.join(''), errors };
    if (hashes !== null) result.tokenHashes = hashes.join('');
    return result;
  }
}

/** Why an item is not a FleetItem (null if it is one, as far as the engine needs). */
function itemShapeError(item: unknown): string | null {
  if (item === null || typeof item !== 'object') return 'expected an object with pan, current, next, rollover and threeTokenSet';
  const it = item as Partial<FleetItem>;
  if (it.current === null || typeof it.current !== 'object') return 'current (the current decoder key parameters) is missing';
  if (it.next === null || typeof it.next !== 'object') return 'next (the new decoder key parameters) is missing';
  if (typeof it.rollover !== 'boolean') return 'rollover must be true or false';
  if (typeof it.threeTokenSet !== 'boolean') return 'threeTokenSet must be true or false';
  return null;
}

/**
 * Key-change sets for many meters: for each item, the current and new decoder keys (DKGA02/DKGA04)
 * and the 2-, 3- or 4-token set encrypted under the current key. Outcomes are in input order;
 * a bad item becomes `{ ok: false, errorCode, message }` (HydroSyncError codes; NOT_FOUND for an
 * unknown vending key id) and never stops the batch. Vending key bytes are never copied into an
 * outcome or a message.
 * @param items - one per meter: PAN, key parameters now and after
 * @param vendingKeys - vending key id → raw key bytes
 * @param options - defaults for every item
 * @throws HydroSyncError `USAGE` or `FORMAT` only for malformed arguments (not arrays, maps or
 *   objects); a bad item is an outcome, not a throw.
 */
export function keyChangeBatch(
  items: readonly FleetItem[],
  vendingKeys: ReadonlyMap<string, Uint8Array>,
  options: FleetBatchOptions = {},
): FleetOutcome[] {
  checkArray(items, 'the fleet items');
  if (!(vendingKeys instanceof Map)) fail('USAGE', 'the vending keys must be a Map from key id to key bytes');
  checkOptions(options, 'the fleet batch options');
  return new FleetEngine(vendingKeys, options).run(items);
}
