import { HydroSyncError } from '../errors';
import { checkTariff } from '../hsm/config';
import type { Tariff } from '../hsm/types';
import { readJsonFile } from './json-file';

/** The `format` of a tariffs file. */
export const TARIFFS_FILE_FORMAT = 'hydrosync-tariffs/1';

/**
 * Read a tariffs file: {"format":"hydrosync-tariffs/1","tariffs":[…]} or a bare array of tariffs,
 * each checked by the module's own rule (checkTariff); errors name the file.
 */
export function readTariffsFile(path: string): Tariff[] {
  const json = readJsonFile(path, 'tariffs file') as { format?: unknown; tariffs?: unknown } | null;
  const list = Array.isArray(json) ? json : json?.format === TARIFFS_FILE_FORMAT ? json.tariffs : undefined;
  if (!Array.isArray(list)) {
    throw new HydroSyncError('FORMAT', `tariffs file ${path} must hold {"format":"${TARIFFS_FILE_FORMAT}","tariffs":[…]} or an array of tariffs`);
  }
  try {
    return list.map(checkTariff);
  } catch (e) {
    if (e instanceof HydroSyncError) throw new HydroSyncError(e.code, `tariffs file ${path}: ${e.message}`);
    throw e;
  }
}
