import { fail } from '../errors';
import type { StaTables } from '../cipher/sta-tables';
import { DecoderKey } from '../keys/decoder-key';
import { deriveDecoderKey } from '../keys/derive';
import type { Dkga, EncryptionAlgorithm, KeyParameters } from '../keys/types';
import { parseEncryptionAlgorithm, parseKeyType } from '../keys/parameters';
import { parseBaseDate } from '../codec/tid';

/**
 * The key object of the vector format (vectors-format.md "Key object"): either derivation inputs
 * `{ dkga, vendingKey, keyType, supplyGroupCode, tariffIndex, keyRevisionNumber, pan, baseDate,
 * encryptionAlgorithm, keyExpiryNumber }` or `{ decoderKey: hex, …attributes }`.
 */
export interface KeyObject {
  dkga?: Dkga | string;
  vendingKey?: string;
  decoderKey?: string;
  keyType?: number;
  supplyGroupCode?: string;
  tariffIndex?: string;
  keyRevisionNumber?: number;
  pan?: string;
  baseDate?: number | string;
  encryptionAlgorithm?: EncryptionAlgorithm | string;
  keyExpiryNumber?: number;
}

/**
 * Build a DecoderKey from a vector key object; `encryptionAlgorithm` overrides the object's own.
 * @param obj - the key object of a vector case (decoder key hex or vending key plus parameters)
 * @param encryptionAlgorithm - '07', '09' or '11', overriding the object's
 * @param staTables - STA tables for EA07
 * @throws HydroSyncError `KEY` a malformed key object or key.
 */
export function keyFromObject(obj: unknown, encryptionAlgorithm?: string, staTables?: StaTables): DecoderKey {
  if (obj === null || typeof obj !== 'object') fail('KEY', 'a key must be an object (derivation inputs with vendingKey, or decoderKey)');
  const k = obj as KeyObject;
  const ea = parseEncryptionAlgorithm(encryptionAlgorithm ?? k.encryptionAlgorithm ?? (k.decoderKey?.length === 32 ? '11' : '07'));
  const opts = staTables ? { staTables } : {};
  if (typeof k.decoderKey === 'string') {
    return DecoderKey.fromHex(k.decoderKey, {
      encryptionAlgorithm: ea,
      ...(k.keyType !== undefined ? { keyType: parseKeyType(k.keyType) } : {}),
      ...(k.supplyGroupCode !== undefined ? { supplyGroupCode: k.supplyGroupCode } : {}),
      ...(k.tariffIndex !== undefined ? { tariffIndex: k.tariffIndex } : {}),
      ...(k.keyRevisionNumber !== undefined ? { keyRevisionNumber: k.keyRevisionNumber } : {}),
      ...(k.keyExpiryNumber !== undefined ? { keyExpiryNumber: k.keyExpiryNumber } : {}),
      ...(k.baseDate !== undefined ? { baseDate: parseBaseDate(k.baseDate) } : {}),
      ...(k.pan !== undefined ? { pan: k.pan } : {}),
    }, opts);
  }
  if (typeof k.vendingKey !== 'string') fail('KEY', 'a key object needs vendingKey (with derivation inputs) or decoderKey');
  const dkga = k.dkga === undefined ? undefined : String(k.dkga).padStart(2, '0');
  if (dkga !== undefined && dkga !== '02' && dkga !== '04') fail('KEY', `unsupported dkga ${typeof k.dkga === 'string' || typeof k.dkga === 'number' ? JSON.stringify(k.dkga) : typeof k.dkga}; use "02" or "04"`);
  const params: KeyParameters & { dkga?: Dkga } = {
    keyType: parseKeyType(k.keyType),
    supplyGroupCode: k.supplyGroupCode as string,
    tariffIndex: k.tariffIndex as string,
    keyRevisionNumber: k.keyRevisionNumber as number,
    pan: k.pan as string,
    baseDate: parseBaseDate(k.baseDate ?? 1993),
    encryptionAlgorithm: ea,
    ...(k.keyExpiryNumber !== undefined ? { keyExpiryNumber: k.keyExpiryNumber } : {}),
    ...(dkga !== undefined ? { dkga: dkga as Dkga } : {}),
  };
  return deriveDecoderKey(k.vendingKey, params, opts);
}
