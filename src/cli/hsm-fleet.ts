/**
 * `hsm key-change --fleet FILE`: key change sets for many meters, thin over Hsm.keyChangeFleet
 * (one store transaction per chunk of meters), then the outcomes are written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import { HydroSyncError } from '../errors';
import { formatFleetOutcomes, parseFleetCsv } from '../hsm/fleet-csv';
import type { FleetOutcome, FleetRequest, KeyChangeRequest } from '../hsm/types';
import { ioReason } from '../node/json-file';
import type { CliContext } from './context';
import { CliExit, EXIT, usage } from './exit-codes';
import { refusalsExit1 } from './hsm/refusals';
import { type RequestOptionValues, requestContext } from './hsm/request-options';
import { type StoreOptionValues, withHsm } from './hsm/store-options';
import { writeSecretFile } from '../node/secret-file';

export interface FleetOptionValues {
  fleet?: string;
  format?: string;
  out?: string;
  force?: boolean;
  quiet?: boolean;
}

type NewKey = Omit<KeyChangeRequest, 'pan' | 'operator' | 'vendingPoint' | 'transactionId'>;

async function readFleetText(ctx: CliContext, file: string): Promise<string> {
  if (file === '-') return text(ctx.io.stdin ?? usage('no standard input to read the fleet CSV from'));
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new HydroSyncError('IO', `cannot read the fleet file ${file}: ${ioReason(e)}`);
  }
}

/**
 * Run a fleet key change from the options. Exit 1 when any meter was refused.
 *
 * If the run stops part-way (a store error, Ctrl-C), every meter is either recorded (new key,
 * reissue record, audit record) or unchanged: the outcomes of the recorded meters are still
 * written (their sets are live), the others are listed as not recorded, and the error ends the
 * command.
 */
export async function runFleet(ctx: CliContext, o: FleetOptionValues & StoreOptionValues & RequestOptionValues, next: NewKey): Promise<void> {
  const format = (o.format ?? (o.json ? 'ndjson' : 'csv')).trim().toLowerCase();
  if (format !== 'csv' && format !== 'ndjson') usage('--format must be csv or ndjson');
  if (o.force && o.out === undefined) usage('--force only goes with --out FILE');
  // Before anything is recorded: the sets must have somewhere to go.
  if (o.out !== undefined && o.force !== true && existsSync(o.out)) throw new HydroSyncError('IO', `${o.out} already exists; give --force to replace it`);
  const { transactionId: txn, ...who } = requestContext(ctx, o);
  const rows = parseFleetCsv(await readFleetText(ctx, o.fleet!));
  if (rows.length === 0) usage(`the fleet file ${o.fleet} lists no meters`);
  // One transaction per meter: with --txn ID, meter P's is "ID:P" (hsm key-change --pan P --txn ID:P
  // reissues its set); otherwise the module generates them.
  const requests: FleetRequest[] = rows.map((row) => ({ ...next, ...row, ...(txn !== undefined ? { transactionId: `${txn}:${row.pan}` } : {}) }));

  const { createProgressBar } = await import('./progress-bar');
  const started = performance.now();
  const outcomes: FleetOutcome[] = [];
  let stopped: unknown;
  await refusalsExit1(ctx, () => withHsm(ctx, o, async ({ hsm }) => {
    const bar = createProgressBar(
      { isTTY: ctx.io.stderrIsTTY === true, ...(process.stderr.columns > 0 ? { columns: process.stderr.columns } : {}), write: (s: string) => ctx.io.stderr(s) },
      { quiet: o.quiet === true, json: o.json === true, label: 'key change' },
    );
    // Ctrl-C (the real process only) stops the run after the chunk being recorded.
    const abort = new AbortController();
    const interrupt = () => abort.abort(new HydroSyncError('USAGE', 'interrupted (Ctrl-C)'));
    const real = ctx.io.env === process.env;
    if (real) process.once('SIGINT', interrupt);
    try {
      await hsm.keyChangeFleet(requests, who, {
        signal: abort.signal,
        onProgress: (p) => {
          outcomes.push(...p.outcomes);
          bar.update(p.done, p.total);
        },
      });
    } catch (e) {
      if (outcomes.length === 0) throw e;
      stopped = e;
    } finally {
      bar.done();
      if (real) process.off('SIGINT', interrupt);
    }
  }));
  const count = (f: (x: FleetOutcome) => boolean) => outcomes.filter(f).length;
  const summary = { committed: count((x) => x.ok), unchanged: count((x) => !x.ok && x.errorCode === 'UNCHANGED') };
  const refused = outcomes.length - summary.committed - summary.unchanged;
  if (stopped !== undefined) {
    // Listed so that nobody looks for them: nothing was recorded or changed for these meters.
    const code = stopped instanceof HydroSyncError ? stopped.code : 'INTERNAL';
    const reason = stopped instanceof HydroSyncError ? stopped.message : 'internal error';
    for (const r of requests.slice(outcomes.length)) {
      outcomes.push({ pan: r.pan, ok: false, errorCode: code, message: `not recorded, the meter is unchanged: the run stopped (${reason}); run the fleet key change again for this meter` });
    }
  }
  const body = formatFleetOutcomes(outcomes, format);
  const seconds = (performance.now() - started) / 1000;
  if (o.out !== undefined) {
    // Mode 0600: the tokens are live.
    writeSecretFile(o.out, body, { force: o.force === true, what: 'fleet outcomes file' });
    if (o.json && stopped === undefined) ctx.json({ meters: requests.length, ...summary, refused, out: o.out, format, seconds: Math.round(seconds * 100) / 100 });
  } else {
    ctx.io.stdout(body);
  }
  if (stopped !== undefined) {
    const unrecorded = requests.length - summary.committed - refused - summary.unchanged;
    ctx.io.stderr(`hydrosync: fleet key change STOPPED: ${summary.committed} committed and ${refused} refused are recorded; ${unrecorded} meters were not recorded and are unchanged${o.out !== undefined ? `; outcomes in ${o.out}` : ''}\n`);
    const error = stopped;
    await refusalsExit1(ctx, () => { throw error; });
  }
  if (!o.quiet) {
    ctx.io.stderr(`hydrosync: fleet key change: ${requests.length} meters, ${summary.committed} committed, ${refused} refused${summary.unchanged > 0 ? `, ${summary.unchanged} unchanged (already on the target key)` : ''} in ${seconds.toFixed(1)} s${o.out !== undefined ? `; outcomes in ${o.out}` : ''}\n`);
  }
  if (refused > 0) throw new CliExit(EXIT.FAILED);
}
