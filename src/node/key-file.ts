import { HydroSyncError } from '../errors';
import { readJsonFile } from './json-file';

/** The `format` of a key file. */
export const KEY_FILE_FORMAT = 'hydrosync-key/1';

/** Fields a key file may hold: the key object of the vector format, plus `format` and `description`. */
const KEY_FILE_FIELDS = [
  'format', 'description', 'dkga', 'vendingKey', 'decoderKey', 'keyType', 'supplyGroupCode', 'tariffIndex',
  'keyRevisionNumber', 'pan', 'baseDate', 'encryptionAlgorithm', 'keyExpiryNumber',
] as const;

/**
 * Read a key file: `{"format":"hydrosync-key/1", …key object…}` (`format` optional). Checks the
 * shape only (a JSON object, known format, known fields, exactly one of vendingKey/decoderKey);
 * the values are checked when the key is built. Never quotes the file's content.
 */
export function readKeyFile(path: string): Record<string, unknown> {
  const json = readJsonFile(path, 'key file');
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new HydroSyncError('KEY', `key file ${path} must hold a JSON object`);
  }
  const o = json as Record<string, unknown>;
  if (o.format !== undefined && o.format !== KEY_FILE_FORMAT) {
    const shown = typeof o.format === 'string' && o.format.length <= 40 ? JSON.stringify(o.format) : `a ${typeof o.format}`;
    throw new HydroSyncError('KEY', `key file ${path} has format ${shown}; expected "${KEY_FILE_FORMAT}"`);
  }
  for (const k of Object.keys(o)) {
    if (!(KEY_FILE_FIELDS as readonly string[]).includes(k)) {
      const shown = k.length <= 40 && /^[\w-]+$/.test(k) ? JSON.stringify(k) : 'with an unusual name';
      throw new HydroSyncError('KEY', `key file ${path} has an unknown field ${shown}; known fields: ${KEY_FILE_FIELDS.join(', ')}`);
    }
  }
  const hasVk = o.vendingKey !== undefined;
  const hasDk = o.decoderKey !== undefined;
  if (hasVk === hasDk) {
    throw new HydroSyncError('KEY', `key file ${path} must hold exactly one of "vendingKey" and "decoderKey"`);
  }
  return o;
}
