/**
 * Vending key storage (reference §7.1, §7.6). A vending key is 8 bytes (DKGA02) or 20 bytes
 * (DKGA04). RFC 3394 AES key wrap needs a multiple of 8 bytes, at least 16, so what is wrapped is
 * a fixed 32-byte record:
 *
 *   byte 0        key length L (8 or 20)
 *   bytes 1..L    the key
 *   up to byte 23 zero
 *   bytes 24..31  binding: the first 8 bytes of SHA-256 over the key row's attributes
 *
 * wrapped with the master key (AES-256) into 40 bytes. Unwrapping checks the RFC 3394 integrity
 * value, the layout and the binding, so an edited key row (another key type, a later
 * issued-until, a swapped blob) makes the key unusable (STORE) instead of silently changing
 * what it may issue. There is no way to export a stored key: the bits leave this file only as a
 * VendingKey, for derivation inside the module.
 */
import { aeskw } from '@noble/ciphers/aes.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { fail } from '../errors';
import { bytesToHex } from '../codec/hex';
import type { VendingKeyRow } from './store';
import type { VendingKeyInfo } from './types';

const RECORD = 32;
const BINDING_AT = 24;

/** The attributes a wrapped key is bound to (all but the check value and import time). */
export function keyBinding(info: Omit<VendingKeyInfo, 'checkValue' | 'importedAt'>): Uint8Array {
  const canonical = JSON.stringify([
    'hydrosync-vk/1', info.id, info.dkga, info.bits, info.supplyGroupCode, info.keyRevisionNumber,
    info.vendingKeyType, info.baseDate, info.encryptionAlgorithm, info.activeFrom, info.issuedUntil,
  ]);
  return sha256(utf8ToBytes(canonical)).subarray(0, 8);
}

export function wrapVendingKey(kek: Uint8Array, key: Uint8Array, binding: Uint8Array): Uint8Array {
  if (key.length !== 8 && key.length !== 20) fail('KEY', 'a vending key is 8 bytes (DKGA02) or 20 bytes (DKGA04)');
  const record = new Uint8Array(RECORD);
  record[0] = key.length;
  record.set(key, 1);
  record.set(binding, BINDING_AT);
  const wrapped = aeskw(kek).encrypt(record);
  record.fill(0);
  return wrapped;
}

/** The key bits of a row. STORE if the row was altered or wrapped under another master key. */
export function unwrapVendingKey(kek: Uint8Array, row: VendingKeyRow): Uint8Array {
  let record: Uint8Array;
  try {
    record = aeskw(kek).decrypt(row.wrapped);
  } catch {
    return fail('STORE', `vending key ${row.id}: the wrapped key fails its RFC 3394 integrity check (the row was altered or copied from another store); re-import the key`);
  }
  const n = record[0]!;
  const expected = row.dkga === '02' ? 8 : 20;
  const binding = keyBinding(row);
  let ok = record.length === RECORD && n === expected;
  for (let i = 1 + n; ok && i < BINDING_AT; i++) ok = record[i] === 0;
  for (let i = 0; ok && i < 8; i++) ok = record[BINDING_AT + i] === binding[i];
  if (!ok) {
    record.fill(0);
    return fail('STORE', `vending key ${row.id}: the key row's attributes were changed after import (they no longer match the wrapped key); re-import the key`);
  }
  const key = record.slice(1, 1 + n);
  record.fill(0);
  return key;
}

/** Key check value: the first 6 hex digits of SHA-256("hydrosync-vk-kcv" ‖ key); safe to show. */
export function vendingKeyCheckValue(key: Uint8Array): string {
  return bytesToHex(sha256(concatBytes(utf8ToBytes('hydrosync-vk-kcv'), key))).slice(0, 6);
}

/** The row without the wrapped bits. */
export function vendingKeyInfo(row: VendingKeyRow): VendingKeyInfo {
  const { wrapped: _wrapped, ...info } = row;
  return info;
}
