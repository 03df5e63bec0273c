/**
 * Fleet key change on worker threads (issue #4 §7): splits the meters into chunks, runs them on
 * `workers` threads (the vending keys go to each thread once, in workerData) and returns the
 * outcomes in input order. Small fleets, or no built worker file, run in this thread.
 *
 * With `verify`, each thread also checks every set on the reference path (fleet/verify.ts) and
 * returns its token hashes; this thread marks the outcomes (fleet/verified.ts) so that
 * commitFleetKeyChange does not decode them again. `onOutcomes` hands each finished chunk on in
 * input order, so a caller can record chunk k while the threads make chunk k+1.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { HydroSyncError, type HydroSyncErrorCode } from '../errors';
import { FleetEngine } from '../hsm/fleet/engine';
import { isPackable, packFleetChunk, unpackFleetResult } from '../hsm/fleet/packed';
import { profileKey } from '../hsm/fleet/profile';
import type { FleetBatchOptions, PackedFleetChunk } from '../hsm/fleet/types';
import { markVerified } from '../hsm/fleet/verified';
import type { FleetItem, FleetOutcome } from '../hsm/types';
import type { FleetWorkerData, FleetWorkerReply } from './fleet-worker-protocol';

export interface FleetRunOptions extends FleetBatchOptions {
  /** Worker threads (default os.availableParallelism()); 0 runs in this thread. */
  workers?: number;
  /** Meters per chunk (default 2048): the unit of work and of progress reports. */
  chunkSize?: number;
  /** Fleets smaller than this run in this thread, without worker start-up (default 2000). */
  inThreadBelow?: number;
  /** Called with (0, total) first, then after each chunk; ends with (total, total). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Called with the outcomes of each chunk (`from`: the first one's index), in input order (a
   * chunk only after every earlier one), as soon as they are ready: a caller can record a run
   * chunk by chunk while the workers go on. If it throws, the run stops (the workers are
   * terminated) and the promise rejects with that error.
   */
  onOutcomes?: (outcomes: FleetOutcome[], from: number) => void;
  /** Abort: the workers stop and the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The worker script (default: resolveFleetWorker()). */
  workerUrl?: URL;
  /** Told once how the run is done: `threads` 0 means in this thread (small fleet, or no worker file). */
  onPlan?: (plan: FleetRunPlan) => void;
}

export interface FleetRunPlan {
  threads: number;
  chunkSize: number;
  chunks: number;
}

const DEFAULT_CHUNK = 2048;
const DEFAULT_IN_THREAD_BELOW = 2000;

/** URL of this module: ESM (import.meta.url), or the CommonJS build (__filename). */
function moduleUrl(): string | undefined {
  let url: string | undefined;
  try {
    url = import.meta.url;
  } catch {
    url = undefined;
  }
  if (typeof url === 'string' && url !== '') return url;
  return typeof __filename === 'string' ? pathToFileURL(__filename).href : undefined;
}

/**
 * The worker script next to this module in dist/ (fleet-worker.js for ESM, fleet-worker.cjs for
 * CommonJS). Under the TypeScript sources (tests), the built dist/fleet-worker.js if it exists.
 * null if there is none: the fleet then runs in this thread.
 */
export function resolveFleetWorker(): URL | null {
  const here = moduleUrl();
  if (here === undefined) return null;
  const url = here.endsWith('.ts')
    ? new URL('../../dist/fleet-worker.js', here)
    : new URL(here.endsWith('.cjs') ? './fleet-worker.cjs' : './fleet-worker.js', here);
  try {
    return existsSync(fileURLToPath(url)) ? url : null;
  } catch {
    return null;
  }
}

function positiveInteger(name: string, v: number | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < min) throw new HydroSyncError('USAGE', `${name} must be an integer ≥ ${min}; got ${String(v)}`);
  return v;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The fleet key change was aborted', 'AbortError');
}

/** Let the event loop run (progress output, abort signals) between in-thread chunks. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function runInThread(items: readonly FleetItem[], vendingKeys: ReadonlyMap<string, Uint8Array>, options: FleetRunOptions, chunk: number): Promise<FleetOutcome[]> {
  const engine = new FleetEngine(vendingKeys, options);
  const total = items.length;
  const outcomes: FleetOutcome[] = new Array(total);
  for (let from = 0; from < total; from += chunk) {
    if (options.signal?.aborted) throw abortReason(options.signal);
    const to = Math.min(total, from + chunk);
    const part = engine.run(items.slice(from, to));
    for (let i = 0; i < part.length; i++) outcomes[from + i] = part[i]!;
    options.onProgress?.(to, total);
    options.onOutcomes?.(part, from);
    if (to < total) await yieldToEventLoop();
  }
  return outcomes;
}

function workerData(vendingKeys: ReadonlyMap<string, Uint8Array>, options: FleetRunOptions): FleetWorkerData {
  const data: FleetWorkerData = { vendingKeys: new Map(vendingKeys) };
  if (options.parity !== undefined) data.parity = options.parity;
  if (options.reference === true) data.reference = true;
  if (options.verify === true) data.verify = true;
  const t = options.staTables;
  if (t !== undefined) {
    data.staTables = { name: t.name, substitution1: [...t.substitution1], substitution2: [...t.substitution2], permutation: [...t.permutation] };
  }
  return data;
}

function runOnWorkers(
  items: readonly FleetItem[], vendingKeys: ReadonlyMap<string, Uint8Array>, options: FleetRunOptions,
  chunk: number, threads: number, url: URL,
): Promise<FleetOutcome[]> {
  const total = items.length;
  const outcomes: FleetOutcome[] = new Array(total);
  const chunks = Math.ceil(total / chunk);
  const data = workerData(vendingKeys, options);
  const signal = options.signal;
  return new Promise<FleetOutcome[]>((resolve, reject) => {
    const workers: Worker[] = [];
    let next = 0; // next chunk to hand out
    let finished = 0; // chunks done
    let delivered = 0; // chunks handed to onOutcomes (in order)
    let done = 0; // meters done
    let settled = false;
    const ready: boolean[] = new Array(chunks).fill(false);
    // What a worker checked, per chunk in flight (verify): the PANs and profile keys it was given.
    const checked = new Map<number, { pans: string[]; index: Uint32Array; keys: string[] }>();
    const inThread = new FleetEngine(vendingKeys, options); // for chunks that cannot be packed
    const end = (error: unknown, value?: FleetOutcome[]) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      for (const w of workers) void w.terminate();
      if (error !== undefined) reject(error);
      else resolve(value!);
    };
    const onAbort = () => end(abortReason(signal!));
    const complete = (c: number) => {
      const from = c * chunk;
      const to = Math.min(total, from + chunk);
      finished++;
      done += to - from;
      ready[c] = true;
      options.onProgress?.(done, total);
      try {
        while (!settled && delivered < chunks && ready[delivered]) {
          const f = delivered * chunk;
          delivered++;
          options.onOutcomes?.(outcomes.slice(f, Math.min(total, f + chunk)), f);
        }
      } catch (e) {
        end(e);
        return;
      }
      if (finished === chunks && delivered === chunks) end(undefined, outcomes);
    };
    const markChunk = (c: number, from: number, hashes: string | undefined) => {
      const meta = checked.get(c);
      checked.delete(c);
      if (meta === undefined || hashes === undefined) return;
      const mark = { staTables: options.staTables, parity: options.parity ?? 'raw' } as const;
      let h = 0;
      for (let i = 0; i < meta.pans.length; i++) {
        const o = outcomes[from + i]!;
        if (!o.ok) continue;
        const tokenHash = hashes.slice(h, h + 64);
        h += 64;
        if (o.pan === meta.pans[i]) markVerified(o, { ...mark, pan: o.pan, profile: meta.keys[meta.index[i]!]!, tokenHash });
      }
    };
    const dispatch = (w: Worker) => {
      while (!settled && next < chunks) {
        const c = next++;
        const from = c * chunk;
        const to = Math.min(total, from + chunk);
        if (!isPackable(items, from, to)) {
          const part = inThread.run(items.slice(from, to));
          for (let i = 0; i < part.length; i++) outcomes[from + i] = part[i]!;
          complete(c);
          continue;
        }
        const packed: PackedFleetChunk = packFleetChunk(items, from, to);
        if (options.verify === true) {
          checked.set(c, { pans: packed.pans === '' ? [] : packed.pans.split('\n'), index: packed.profileIndex.slice(), keys: packed.profiles.map(profileKey) });
        }
        w.postMessage({ id: c, chunk: packed }, [packed.profileIndex.buffer as ArrayBuffer]);
        return;
      }
    };
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
    for (let t = 0; t < threads && !settled; t++) {
      const w = new Worker(url, { workerData: data });
      workers.push(w);
      w.on('message', (reply: FleetWorkerReply) => {
        if (settled) return;
        if (reply.error) {
          const e = reply.error;
          end(e.name === 'HydroSyncError' && e.code ? new HydroSyncError(e.code as HydroSyncErrorCode, e.message) : new Error(`fleet worker failed: ${e.message}`));
          return;
        }
        const from = reply.id * chunk;
        unpackFleetResult(reply.result, items, from, outcomes);
        markChunk(reply.id, from, reply.result.tokenHashes);
        // Keep the worker busy before handing the outcomes on (onOutcomes may take a while).
        dispatch(w);
        complete(reply.id);
      });
      w.on('error', (e) => end(e));
      w.on('exit', (code) => {
        if (!settled) end(new Error(`a fleet worker thread stopped early (exit code ${code})`));
      });
      // Two chunks in flight per worker: the next one is queued while it works on the first.
      dispatch(w);
      dispatch(w);
    }
  });
}

/**
 * Key-change sets for a fleet: keyChangeBatch on worker threads, outcomes in input order. Progress
 * goes to `onProgress(done, total)` (0 first, total last). Vending key bytes reach the workers
 * only through workerData; no thread logs anything.
 * @param items - one per meter (as for keyChangeBatch)
 * @param vendingKeys - vending key id → raw key bytes
 * @param options - keyChangeBatch's options plus `workers`, `chunkSize`, `inThreadBelow`, `onProgress`
 * @throws HydroSyncError `USAGE` (rejects) for bad options; a bad item is an outcome, not a rejection.
 */
export async function runFleetKeyChange(
  items: readonly FleetItem[],
  vendingKeys: ReadonlyMap<string, Uint8Array>,
  options: FleetRunOptions = {},
): Promise<FleetOutcome[]> {
  if (!Array.isArray(items)) throw new HydroSyncError('USAGE', 'runFleetKeyChange needs an array of fleet items');
  const total = items.length;
  const chunk = positiveInteger('chunkSize', options.chunkSize, DEFAULT_CHUNK, 1);
  const threads = positiveInteger('workers', options.workers, availableParallelism(), 0);
  const below = positiveInteger('inThreadBelow', options.inThreadBelow, DEFAULT_IN_THREAD_BELOW, 0);
  if (options.signal?.aborted) throw abortReason(options.signal);
  options.onProgress?.(0, total);
  if (total === 0) {
    options.onPlan?.({ threads: 0, chunkSize: chunk, chunks: 0 });
    return [];
  }
  const url = threads > 0 && total >= below ? (options.workerUrl ?? resolveFleetWorker()) : null;
  const chunks = Math.ceil(total / chunk);
  if (url === null) {
    options.onPlan?.({ threads: 0, chunkSize: chunk, chunks });
    return runInThread(items, vendingKeys, options, chunk);
  }
  const used = Math.min(threads, chunks);
  options.onPlan?.({ threads: used, chunkSize: chunk, chunks });
  return runOnWorkers(items, vendingKeys, options, chunk, used, url);
}
