/**
 * Both ends of the link in one process: a simulated meter behind a MeterLinkServer, the phone
 * role, and the in-memory radio between them on a virtual clock. What `hydrosync link send` and
 * the benchmark run; also a way to watch the protocol under chosen faults.
 */
import { describeValue } from '../argument-checks';
import { fail } from '../errors';
import type { MeterTime } from '../meter/clock';
import type { Meter } from '../meter/meter';
import { VirtualClock } from './link-clock';
import { MemoryLink, type LinkFault, type RadioCount } from './memory-link';
import { MeterLinkServer } from './meter-server';
import { PhoneLinkClient, type LinkReport, type UploadResult } from './phone-client';

/** A fault at one radio step, e.g. `{ step: 3, fault: { kind: 'drop' } }`. */
export interface SteppedFault {
  step: number;
  fault: LinkFault;
}

export interface LinkSessionInput {
  /** The simulated meter (its state changes: persist it afterwards). */
  meter: Meter;
  /** The meter time of the entries and the report. */
  at: MeterTime;
  /** Tokens to upload, in order. */
  tokens?: string[];
  /** Ask for a report at the end (default true). */
  report?: boolean;
  /** ATT MTU (default 23). */
  mtu?: number;
  /** Faults at chosen radio steps. */
  faults?: SteppedFault[];
  /** The meter's processing time per message, ms (default 0). */
  processingMs?: number;
  /** The phone's first message id (default 1). */
  firstMessageId?: number;
}

/** What one in-process session did. */
export interface LinkSessionResult {
  /** One result per token, in order; an upload that failed has `error`. */
  uploads: (UploadResult | { error: { code: string; message: string } })[];
  report: LinkReport | { error: { code: string; message: string } } | null;
  /** Radio traffic (ATT PDUs and bytes, link frames). */
  radio: RadioCount;
  /** Virtual time the session took, ms (latency 15 ms per PDU). */
  elapsedMs: number;
}

const KINDS = ['drop', 'duplicate', 'delay', 'truncate', 'corrupt', 'disconnect'] as const;

/**
 * Read a fault given as text: `KIND@STEP`, KIND one of drop, duplicate, delay, truncate, corrupt,
 * disconnect (delay: 4 s late; truncate: 5 bytes kept; corrupt: byte 7 XOR 0x21).
 * @param text - e.g. "disconnect@4"
 * @throws HydroSyncError `USAGE` for anything else.
 */
export function parseLinkFault(text: string): SteppedFault {
  const m = /^([a-z]+)@(\d{1,6})$/.exec(String(text).trim());
  const kind = m?.[1] as (typeof KINDS)[number] | undefined;
  if (!m || !KINDS.includes(kind!)) fail('USAGE', `a link fault is KIND@STEP with KIND one of ${KINDS.join(', ')} and STEP the radio PDU number from 0, e.g. disconnect@4; got ${typeof text === 'string' ? JSON.stringify(text) : describeValue(text)}`);
  const step = Number(m[2]);
  switch (kind) {
    case 'delay': return { step, fault: { kind, ms: 4000 } };
    case 'truncate': return { step, fault: { kind, keep: 5 } };
    case 'corrupt': return { step, fault: { kind, at: 7, xor: 0x21 } };
    default: return { step, fault: { kind: kind! } as LinkFault };
  }
}

function errorOf(e: unknown): { code: string; message: string } {
  const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : 'INTERNAL';
  return { code, message: e instanceof Error ? e.message : String(e) };
}

/**
 * Run the phone and the meter in one process over the in-memory link: upload the tokens, then ask
 * for a report. Never throws for a link failure (it is in the result); the meter's state changes.
 * @param input - the meter, the meter time, the tokens, and link options
 * @throws HydroSyncError `USAGE` / `RANGE` for bad options (MTU, faults).
 * @example
 * ```ts
 * const r = await simulateLinkSession({ meter, at: '2026-12-08T09:00', tokens: [token] });
 * r.uploads[0];   // { result: 'ACCEPT', applied: true, litres, creditLitres, messageId, attempts }
 * r.report;       // { frame: Uint8Array(50), … }: verify at the security module
 * ```
 */
export async function simulateLinkSession(input: LinkSessionInput): Promise<LinkSessionResult> {
  if (typeof input !== 'object' || input === null) fail('USAGE', 'simulateLinkSession needs { meter, at, tokens? }');
  const faults = new Map<number, LinkFault>();
  for (const f of input.faults ?? []) {
    if (typeof f !== 'object' || f === null || !Number.isSafeInteger(f.step) || f.step < 0) fail('USAGE', 'a link fault is { step, fault }');
    faults.set(f.step, f.fault);
  }
  const clock = new VirtualClock();
  const server = new MeterLinkServer({ meter: input.meter, clock, at: () => input.at, processingMs: input.processingMs ?? 0 });
  const link = new MemoryLink({ server, clock, mtu: input.mtu ?? 23, faults: (p) => faults.get(p.step) });
  const phone = new PhoneLinkClient({ transport: link, clock, firstMessageId: input.firstMessageId ?? 1 });
  const uploads: LinkSessionResult['uploads'] = [];
  for (const token of input.tokens ?? []) {
    try {
      uploads.push(await clock.run(phone.upload(token)));
    } catch (e) {
      uploads.push({ error: errorOf(e) });
    }
  }
  let report: LinkSessionResult['report'] = null;
  if (input.report !== false) {
    try {
      report = await clock.run(phone.requestReport());
    } catch (e) {
      report = { error: errorOf(e) };
    }
  }
  await clock.run(phone.disconnect());
  return { uploads, report, radio: { ...link.count }, elapsedMs: clock.now() };
}
