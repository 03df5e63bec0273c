/**
 * The HTTP status of each HydroSyncError code (docs/server.md, "Errors"). A complete record, so a
 * new code cannot be added to the library without choosing its status here.
 */
import type { HydroSyncErrorCode } from '../errors';

export const HYDROSYNC_ERROR_STATUS: Readonly<Record<HydroSyncErrorCode, number>> = {
  // The request is malformed: fix it and send it again.
  FORMAT: 400, CHECK_DIGIT: 400, USAGE: 400, CRC: 400, KEY: 400, TABLES: 400, VECTOR: 400, STATE: 400,
  // Well formed, but the module's rules refuse it.
  RANGE: 422, FUNCTION: 422, TID: 422, KEY_EXPIRED: 422, KEY_CHANGE: 422, DDTK: 422, KEY_TYPE: 422,
  KEY_INACTIVE: 422, LIMIT: 422, MFR_CODE: 422, OVERFLOW: 422, LOCKOUT: 422, OLD: 422, USED: 422, MAC: 422,
  NOT_FOUND: 404,
  CONFLICT: 409,
  // The server's side: not the client's doing; try again later or call the operator.
  IO: 503, MASTER_KEY: 503, STORE: 503, AUDIT: 503, LINK: 503,
};

/** The status of a HydroSyncError code (422 for a code this table does not know, e.g. from a newer library copy). */
export function statusOfCode(code: string): number {
  return (HYDROSYNC_ERROR_STATUS as Record<string, number>)[code] ?? 422;
}
