/**
 * Reassembly of a message from its frames (docs/bluetooth.md, "Frames"). One message is put
 * together at a time per characteristic: frames may come twice or out of order; a frame of another
 * message (type or id) abandons the one in progress (its sender has moved on or will resend).
 */
import { decodeFrame, type FrameProblem, type LinkFrame } from './frame';

/** A complete message. */
export interface LinkMessage {
  type: number;
  messageId: number;
  payload: Uint8Array;
}

/** What one frame did to the reassembly. */
export type ReassemblyStep =
  | { kind: 'message'; message: LinkMessage }
  | { kind: 'partial' }
  | { kind: 'duplicate' }
  | { kind: 'bad-frame'; problem: FrameProblem; message: string };

/** Puts messages together from frames; holds at most one partial message. */
export class Reassembler {
  private current: { type: number; messageId: number; count: number; parts: (Uint8Array | undefined)[]; have: number } | null = null;
  /** Time (the caller's clock, ms) the last frame of the partial message arrived; null when none is partial. */
  lastFrameAt: number | null = null;

  /**
   * Take one frame (one ATT value).
   * @param bytes - the frame
   * @param now - the caller's clock (ms), kept to expire a partial message
   * @throws never
   */
  push(bytes: Uint8Array, now = 0): ReassemblyStep {
    const r = decodeFrame(bytes);
    if (!r.ok) return { kind: 'bad-frame', problem: r.problem, message: r.message };
    const f: LinkFrame = r.frame;
    let c = this.current;
    if (c === null || c.type !== f.type || c.messageId !== f.messageId || c.count !== f.count) {
      c = this.current = { type: f.type, messageId: f.messageId, count: f.count, parts: new Array(f.count), have: 0 };
    }
    if (c.parts[f.seq] !== undefined) return { kind: 'duplicate' };
    c.parts[f.seq] = f.payload;
    c.have++;
    this.lastFrameAt = now;
    if (c.have < c.count) return { kind: 'partial' };
    let length = 0;
    for (const p of c.parts) length += p!.length;
    const payload = new Uint8Array(length);
    let at = 0;
    for (const p of c.parts) {
      payload.set(p!, at);
      at += p!.length;
    }
    this.reset();
    return { kind: 'message', message: { type: c.type, messageId: c.messageId, payload } };
  }

  /** Drop the partial message (after a timeout or a disconnect). */
  reset(): void {
    this.current = null;
    this.lastFrameAt = null;
  }

  /** Whether a message is partly received. */
  get partial(): boolean {
    return this.current !== null;
  }
}
