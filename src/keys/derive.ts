import { fail } from '../errors';
import { DecoderKey, type DecoderKeyOptions } from './decoder-key';
import { type Dkga02Options, dkga02 } from './dkga02';
import { dkga04 } from './dkga04';
import { normalizeKeyParameters } from './parameters';
import type { Dkga, KeyParameters } from './types';
import { VendingKey } from './vending-key';
import { checkObject, checkOptions, describeValue } from '../argument-checks';

export interface DeriveOptions extends DecoderKeyOptions, Dkga02Options {}

/**
 * Derive a decoder key with DKGA02 or DKGA04 and return it with all its attributes, ready to
 * generate and decode tokens. The DKGA is taken from `params.dkga`, or else from the vending
 * key's length (64 bits → DKGA02, 160 bits → DKGA04).
 *
 * @param vendingKey - the vending key: a VendingKey, its bytes (8 or 20) or its hex (16 or 40 digits)
 * @param params - the key parameters: supplyGroupCode, tariffIndex, keyRevisionNumber, keyType,
 *   keyExpiryNumber, pan, baseDate, encryptionAlgorithm (and optionally dkga '02' | '04')
 * @param options - `staTables` for EA07 keys, `parity` for DKGA02
 * @returns the DecoderKey with its attributes
 * @throws HydroSyncError `KEY` for a missing or malformed vending key (e.g. HYDROSYNC_VENDING_KEY
 *   unset), bad key parameters, an unsupported DKGA, or a key length the EA does not take.
 * @example
 * ```ts
 * const key = deriveDecoderKey(VendingKey.fromHex(vendingKeyHex), {
 *   supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2,
 *   keyExpiryNumber: 255, pan: '600727000000000009', baseDate: 2014, encryptionAlgorithm: '11',
 * });
 * key.attributes(); // safe to log: no key bits
 * ```
 */
export function deriveDecoderKey(
  vendingKey: VendingKey | Uint8Array | string,
  params: KeyParameters & { dkga?: Dkga },
  options: DeriveOptions = {},
): DecoderKey {
  if (typeof vendingKey !== 'string' && !(vendingKey instanceof Uint8Array) && !(vendingKey instanceof VendingKey)) {
    fail('KEY', `the vending key must be hex digits, a Uint8Array or a VendingKey; got ${describeValue(vendingKey)} (is HYDROSYNC_VENDING_KEY set?)`);
  }
  checkObject(params, 'the key parameters', 'KEY');
  checkOptions(options, 'the derive options');
  const p = normalizeKeyParameters(params);
  const dkga: Dkga = params.dkga ?? (typeof vendingKey === 'string'
    ? (vendingKey.replace(/^0x/i, '').length === 16 ? '02' : '04')
    : vendingKey instanceof Uint8Array ? (vendingKey.length === 8 ? '02' : '04')
    : vendingKey.bits === 64 ? '02' : '04');
  if (dkga !== '02' && dkga !== '04') fail('KEY', `unsupported DKGA ${JSON.stringify(dkga)}; use "02" or "04"`);
  const bytes = dkga === '02' ? dkga02(vendingKey, p, options) : dkga04(vendingKey, p);
  return DecoderKey.fromBytes(bytes, { ...p, dkga }, options);
}
