/** Module refusals that concern one request field, named as such in the problem answer. */
import { isHydroSyncError } from '../errors';
import { statusOfCode } from './error-status';
import { HttpProblem } from './problem';

/** Run `f`; a HydroSyncError it throws becomes a problem naming `field`. */
export function withField<T>(field: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isHydroSyncError(e)) throw new HttpProblem(statusOfCode(e.code), e.code, e.message, { field });
    throw e;
  }
}
