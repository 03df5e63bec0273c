/**
 * `hsm key-change --fleet FILE`: key change sets for many meters. The module prepares one job per
 * meter (parameters only), the fleet runner makes the token sets on worker threads, the module
 * records the outcomes (meter records, reissue records, audit log) chunk by chunk as they finish,
 * then the outcomes are written.
 */
import { closeSync, existsSync, fchmodSync, openSync, readFileSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { HydroSyncError } from '../errors';
import {
  fleetOutcomeCsvHeader, fleetOutcomeToCsv, fleetOutcomeToNdjson, fleetRowToRequest, parseFleetCsv,
} from '../hsm/fleet';
import type { FleetOutcome, KeyChangeRequest } from '../hsm/types';
import { ioReason } from '../node/json-file';
import type { CliContext } from './context';
import { CliExit, EXIT, usage } from './exit-codes';
import { refusalsExit1 } from './hsm/refusals';
import { type RequestOptionValues, requestContext } from './hsm/request-options';
import { type StoreOptionValues, withHsm } from './hsm/store-options';
import { inputLines } from './input-lines';
import { parseInteger } from './option-values';

export interface FleetOptionValues {
  fleet?: string;
  workers?: string;
  format?: string;
  out?: string;
  force?: boolean;
  quiet?: boolean;
}

type NewKey = Omit<KeyChangeRequest, 'pan' | 'operator' | 'vendingPoint' | 'transactionId'>;

async function readFleetText(ctx: CliContext, file: string): Promise<string> {
  if (file === '-') {
    const stdin = ctx.io.stdin;
    if (stdin === undefined) usage('no standard input to read the fleet CSV from');
    const lines: string[] = [];
    for await (const l of inputLines(stdin)) lines.push(l);
    return lines.join('\n');
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new HydroSyncError('IO', `cannot read the fleet file ${file}: ${ioReason(e)}`);
  }
}

/** Whether stderr is a terminal: only for the real process (in-process test runs never are). */
function stderrIsTty(ctx: CliContext): boolean {
  const io = ctx.io as { stderrIsTTY?: boolean };
  if (io.stderrIsTTY !== undefined) return io.stderrIsTTY;
  return ctx.io.env === process.env && process.stderr.isTTY === true;
}

/** Write the outcome text to FILE (mode 0600: the tokens are live), refusing to overwrite without --force. */
function writeOutFile(path: string, text: string, force: boolean): void {
  if (!force && existsSync(path)) throw new HydroSyncError('IO', `${path} already exists; give --force to replace it`);
  let fd: number | undefined;
  try {
    fd = openSync(path, force ? 'w' : 'wx', 0o600);
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
  } catch (e) {
    throw new HydroSyncError('IO', `cannot write ${path}: ${ioReason(e)}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Outcomes in the order of the fleet file (every PAN of it is unique). */
function inFileOrder(requests: readonly KeyChangeRequest[], outcomes: readonly FleetOutcome[]): FleetOutcome[] {
  const order = new Map<string, number>();
  for (let i = 0; i < requests.length; i++) order.set(requests[i]!.pan, i);
  const slots: (FleetOutcome | undefined)[] = new Array(requests.length);
  const other: FleetOutcome[] = [];
  for (const o of outcomes) {
    const i = order.get(o.pan);
    if (i === undefined || slots[i] !== undefined) other.push(o);
    else slots[i] = o;
  }
  const out: FleetOutcome[] = [];
  for (const o of slots) if (o !== undefined) out.push(o);
  return other.length === 0 ? out : [...out, ...other];
}

/**
 * Run a fleet key change from the options. Exit 1 when any meter was refused.
 *
 * The workers' outcomes are recorded chunk by chunk as they finish (one store transaction per
 * chunk of up to 2048 meters, in file order), while the workers make the next sets. Each
 * transaction is atomic for its meters: if the run stops part-way (a store error, a crash), every
 * meter is either recorded (new key, reissue record, audit record) or unchanged. On a stop the
 * outcomes of the recorded meters are still written (their sets are live), the others are listed
 * as not recorded, and the error ends the command.
 */
export async function runFleet(ctx: CliContext, o: FleetOptionValues & StoreOptionValues & RequestOptionValues, next: NewKey): Promise<void> {
  const format = (o.format ?? (o.json ? 'ndjson' : 'csv')).trim().toLowerCase();
  if (format !== 'csv' && format !== 'ndjson') usage('--format must be csv or ndjson');
  if (o.force && o.out === undefined) usage('--force only goes with --out FILE');
  // Before anything is recorded: the sets must have somewhere to go.
  if (o.out !== undefined && o.force !== true && existsSync(o.out)) throw new HydroSyncError('IO', `${o.out} already exists; give --force to replace it`);
  // Default: one core is left to this thread, which records the sets while the workers make them.
  const workers = o.workers !== undefined ? parseInteger(o.workers, '--workers', 0, 256) : Math.max(1, availableParallelism() - 1);
  const context = requestContext(ctx, o);
  const text = await readFleetText(ctx, o.fleet!);
  const rows = parseFleetCsv(text);
  if (rows.length === 0) usage(`the fleet file ${o.fleet} lists no meters`);
  // One transaction per meter: with --txn ID, meter P's is "ID:P" (hsm key-change --pan P --txn ID:P
  // reissues its set); otherwise the module generates them.
  const { transactionId: txn, ...who } = context;
  const base: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fleetRowToRequest({ pan: '' }, next))) if (k !== 'pan') base[k] = v;
  Object.assign(base, who);
  const requests: KeyChangeRequest[] = rows.map((row) => (
    txn !== undefined ? { ...base, ...row, transactionId: `${txn}:${row.pan}` } : { ...base, ...row }
  ) as KeyChangeRequest);

  const { createProgressBar } = await import('./progress-bar');
  const { runFleetKeyChange } = await import('../node/fleet-runner');
  const started = performance.now();
  const summary = { committed: 0, refused: 0, unchanged: 0 };
  let outcomes: FleetOutcome[] = [];
  let stopped: unknown;
  await refusalsExit1(ctx, () => withHsm(ctx, o, async ({ hsm }) => {
    const prepared = hsm.prepareFleetKeyChange(requests);
    const bar = createProgressBar(
      { isTTY: stderrIsTty(ctx), ...(process.stderr.columns > 0 ? { columns: process.stderr.columns } : {}), write: (s: string) => ctx.io.stderr(s) },
      { quiet: o.quiet === true, json: o.json === true, label: 'key change' },
    );
    const recorded: FleetOutcome[] = [];
    // Meters already on the target key (e.g. a repeated run): skipped, not re-keyed, not a refusal.
    for (const pan of prepared.unchanged) recorded.push({ pan, ok: false, errorCode: 'UNCHANGED', message: 'the meter is already on the target key: skipped, not re-keyed' });
    summary.unchanged = prepared.unchanged.length;
    const record = (chunk: FleetOutcome[]) => {
      const s = hsm.commitFleetKeyChange(chunk, context);
      summary.committed += s.committed;
      summary.refused += s.refused;
      if (s.refusals.length === 0) {
        for (const c of chunk) recorded.push(c);
        return;
      }
      // A set refused here (e.g. the meter changed meanwhile) is reported with its refusal, not its tokens.
      const refusedHere = new Map(s.refusals.map((r) => [r.pan, r]));
      for (const c of chunk) recorded.push(c.ok ? (refusedHere.get(c.pan) ?? c) : c);
    };
    try {
      await runFleetKeyChange(prepared.items, prepared.vendingKeys, {
        workers,
        verify: true,
        onOutcomes: record,
        ...(bar.active ? { onProgress: (done: number, total: number) => bar.update(done, total) } : {}),
      });
      if (prepared.refused.length > 0) record(prepared.refused);
    } catch (e) {
      if (recorded.length === 0) throw e;
      stopped = e;
    } finally {
      bar.done();
      for (const k of prepared.vendingKeys.values()) k.fill(0);
    }
    outcomes = recorded;
    if (stopped !== undefined) {
      // Listed so that nobody looks for them: nothing was recorded or changed for these meters.
      const code = stopped instanceof HydroSyncError ? stopped.code : 'INTERNAL';
      const reason = stopped instanceof HydroSyncError ? stopped.message : 'internal error';
      const done = new Set(recorded.map((r) => r.pan));
      for (const r of requests) {
        if (!done.has(r.pan)) {
          outcomes.push({ pan: r.pan, ok: false, errorCode: code, message: `not recorded, the meter is unchanged: the run stopped (${reason}); run the fleet key change again for this meter` });
        }
      }
    }
  }));

  outcomes = inFileOrder(requests, outcomes);
  const lines = format === 'csv' ? [fleetOutcomeCsvHeader(), ...outcomes.map(fleetOutcomeToCsv)] : outcomes.map(fleetOutcomeToNdjson);
  const body = `${lines.join('\n')}\n`;
  const seconds = (performance.now() - started) / 1000;
  if (o.out !== undefined) {
    writeOutFile(o.out, body, o.force === true);
    if (o.json && stopped === undefined) ctx.json({ meters: requests.length, committed: summary.committed, refused: summary.refused, unchanged: summary.unchanged, out: o.out, format, workers, seconds: Math.round(seconds * 100) / 100 });
  } else {
    ctx.io.stdout(body);
  }
  if (stopped !== undefined) {
    const unrecorded = outcomes.length - summary.committed - summary.refused - summary.unchanged;
    ctx.io.stderr(`hydrosync: fleet key change STOPPED: ${summary.committed} committed and ${summary.refused} refused are recorded; ${unrecorded} meters were not recorded and are unchanged${o.out !== undefined ? `; outcomes in ${o.out}` : ''}\n`);
    const error = stopped;
    await refusalsExit1(ctx, () => { throw error; });
  }
  if (!o.quiet) {
    ctx.io.stderr(`hydrosync: fleet key change: ${requests.length} meters, ${summary.committed} committed, ${summary.refused} refused${summary.unchanged > 0 ? `, ${summary.unchanged} unchanged (already on the target key)` : ''} in ${seconds.toFixed(1)} s${o.out !== undefined ? `; outcomes in ${o.out}` : ''}\n`);
  }
  if (summary.refused > 0) throw new CliExit(EXIT.FAILED);
}
