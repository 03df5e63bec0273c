/**
 * Worker thread of the fleet key change (see fleet-runner.ts). Receives the vending keys once, in
 * workerData, then packed chunks of meters; answers each with its packed outcomes. Never logs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { STA_TABLES_FORMAT, parseStaTables } from '../cipher/sta-tables';
import { FleetEngine } from '../hsm/fleet/engine';
import type { FleetBatchOptions, PackedFleetChunk } from '../hsm/fleet/types';
import type { FleetWorkerData, FleetWorkerReply } from './fleet-worker-protocol';

function start(): void {
  const port = parentPort;
  if (port === null) return; // imported outside a worker: nothing to do
  const data = workerData as FleetWorkerData;
  const options: FleetBatchOptions = {};
  if (data.parity !== undefined) options.parity = data.parity;
  if (data.reference === true) options.reference = true;
  if (data.verify === true) options.verify = true;
  if (data.staTables !== undefined) options.staTables = parseStaTables({ format: STA_TABLES_FORMAT, ...data.staTables });
  const engine = new FleetEngine(data.vendingKeys, options);
  port.on('message', (msg: { id: number; chunk: PackedFleetChunk }) => {
    let reply: FleetWorkerReply;
    try {
      reply = { id: msg.id, result: engine.runPacked(msg.chunk) };
    } catch (e) {
      const err = e as { name?: unknown; code?: unknown; message?: unknown };
      reply = { id: msg.id, error: { name: String(err?.name ?? 'Error'), code: typeof err?.code === 'string' ? err.code : undefined, message: String(err?.message ?? e) } };
    }
    port.postMessage(reply, reply.result ? [reply.result.counts.buffer as ArrayBuffer] : []);
  });
}

start();
