/** Messages between the fleet runner and its worker threads (plain, structured-clone data). */
import type { Dkga02Parity } from '../keys/types';
import type { PackedFleetResult } from '../hsm/fleet/types';

/** workerData: the only way vending keys reach a worker. */
export interface FleetWorkerData {
  vendingKeys: Map<string, Uint8Array>;
  parity?: Dkga02Parity;
  reference?: boolean;
  /** Check every set on the reference path (FleetBatchOptions.verify). */
  verify?: boolean;
  /** STA table arrays (re-validated in the worker). */
  staTables?: { name: string; substitution1: number[]; substitution2: number[]; permutation: number[] };
}

export type FleetWorkerReply =
  | { id: number; result: PackedFleetResult; error?: undefined }
  | { id: number; result?: undefined; error: { name: string; code: string | undefined; message: string } };
