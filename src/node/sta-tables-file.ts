import { parseStaTables, type StaTables } from '../cipher/sta-tables';
import { HydroSyncError } from '../errors';
import { readJsonFile } from './json-file';

/**
 * Load an STA (EA07) table set from a `hydrosync-sta-tables/1` JSON file. IO if unreadable,
 * FORMAT if not JSON, TABLES if the tables are malformed. The tables are licensed data: messages
 * never quote them.
 */
export function loadStaTablesFile(path: string): StaTables {
  const json = readJsonFile(path, 'STA tables file');
  try {
    return parseStaTables(json);
  } catch (e) {
    if (e instanceof HydroSyncError) throw new HydroSyncError(e.code, `${path}: ${e.message}`);
    throw e;
  }
}
