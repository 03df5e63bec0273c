import { fail } from '../errors';
import { createDes } from '../cipher/des';
import type { BlockCipher64 } from '../cipher/types';
import { type VendingKey, toVendingKey, vendingKeyBytes } from './vending-key';
import type { Dkga02Parity, KeyParameters } from './types';
import { normalizeKeyParameters } from './parameters';

// IEC 62055-41 §6.5.3.1 PANBlock, §6.5.3.2 CONTROLBlock, §6.5.3.4 DKGA02.

function nibbles(digits: string, out: Uint32Array): void {
  // 16 characters, each one hex nibble (decimal digits and 'F'), into two 32-bit halves.
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 8; i++) hi = (hi << 4) | parseInt(digits[i]!, 16);
  for (let i = 8; i < 16; i++) lo = (lo << 4) | parseInt(digits[i]!, 16);
  out[0] = hi >>> 0;
  out[1] = lo >>> 0;
}

/**
 * PANBlock (§6.5.3.1): the 16 PAN digits after the first IIN digit (IIN 6: last 5 IIN digits ‖
 * 11-digit DRN; IIN "0000": last 3 IIN digits ‖ 13-digit DRN), each digit one nibble. For a
 * common key (KT 3) the DRN digits are zeros.
 */
export function panBlockDigits(pan: string, keyType: number): string {
  const iinLen = pan.startsWith('0000') ? 4 : 6;
  const iinPart = pan.slice(1, iinLen);
  const drn = pan.slice(iinLen, 17);
  return iinPart + (keyType === 3 ? '0'.repeat(drn.length) : drn);
}

/** CONTROLBlock (§6.5.3.2): KT ‖ SGC ‖ TI ‖ KRN ‖ FFFFFF, one nibble per decimal digit. */
export function controlBlockDigits(p: { keyType: number; supplyGroupCode: string; tariffIndex: string; keyRevisionNumber: number }): string {
  return `${p.keyType}${p.supplyGroupCode}${p.tariffIndex}${p.keyRevisionNumber}FFFFFF`;
}

function oddParity(b: number): number {
  let ones = 0;
  for (let i = 1; i < 8; i++) ones += (b >> i) & 1;
  return (b & 0xfe) | ((ones & 1) ^ 1);
}

export interface Dkga02Options {
  /** Final XOR with the VK as given ('raw', the spec formula; default) or with odd parity applied. */
  parity?: Dkga02Parity;
}

/**
 * DKGA02 (§6.5.3.4): X = PANBlock ⊕ CONTROLBlock; DK = DES_VK(X) ⊕ X ⊕ VK. Returns the 8-byte
 * decoder key bits (deriveDecoderKey wraps them with their attributes).
 * @param vendingKey - a 64-bit vending key (VendingKey, 8 bytes or 16 hex digits)
 * @param params - the key parameters (SGC, TI, KRN, KT, PAN, …)
 * @param options - `parity`: 'raw' (default) or odd parity for the final XOR
 * @throws HydroSyncError `KEY` a malformed vending key or key parameters.
 */
export function dkga02(vendingKey: VendingKey | Uint8Array | string, params: KeyParameters, options: Dkga02Options = {}): Uint8Array {
  const vk = toVendingKey(vendingKey);
  if (vk.bits !== 64) fail('KEY', `DKGA02 needs a 64-bit vending key (16 hex digits); got ${vk.bits} bits`);
  const p = normalizeKeyParameters(params);
  if (p.encryptionAlgorithm === '11') fail('KEY', 'DKGA02 makes 64-bit decoder keys, for EA07 or EA09; EA11 needs DKGA04');
  let des = vk.cache.get('des') as BlockCipher64 | undefined;
  if (des === undefined) {
    des = createDes(vendingKeyBytes(vk));
    vk.cache.set('des', des);
  }
  const pan = new Uint32Array(2);
  const ctl = new Uint32Array(2);
  nibbles(panBlockDigits(p.pan, p.keyType), pan);
  nibbles(controlBlockDigits(p), ctl);
  const xHi = (pan[0]! ^ ctl[0]!) >>> 0;
  const xLo = (pan[1]! ^ ctl[1]!) >>> 0;
  const y = new Uint32Array([xHi, xLo]);
  des.encrypt(y);
  let vkBytes = vendingKeyBytes(vk);
  if (options.parity === 'odd-parity') vkBytes = vkBytes.map(oddParity);
  const dk = new Uint8Array(8);
  const hi = (y[0]! ^ xHi) >>> 0;
  const lo = (y[1]! ^ xLo) >>> 0;
  for (let i = 0; i < 4; i++) {
    dk[i] = ((hi >>> (24 - 8 * i)) & 0xff) ^ vkBytes[i]!;
    dk[i + 4] = ((lo >>> (24 - 8 * i)) & 0xff) ^ vkBytes[i + 4]!;
  }
  return dk;
}
