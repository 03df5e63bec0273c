/**
 * Link frames (docs/bluetooth.md, "Frames"): one frame is one ATT value (a write to the command
 * characteristic, or a notification of the result or report characteristic). A message longer
 * than one frame is cut into numbered frames; every frame carries its own length and CRC, so a
 * truncated or corrupted frame is always detected and never reassembled into a message.
 *
 *   off len field
 *    0   1  version (bits 7..4, = 1) ‖ message type (bits 3..0)
 *    1   2  message id (big-endian)
 *    3   1  sequence number of this frame in the message (0 .. count − 1)
 *    4   1  frame count of the message (1..255)
 *    5   1  payload length n of this frame (0..255)
 *    6   n  payload bytes
 *  6+n   2  CRC-16 over bytes 0 .. 5+n (the STS token CRC, CRC-16/MODBUS, stored as crc16Sts gives it)
 */
import { crc16Sts } from '../codec/crc16';
import { fail } from '../errors';
import { ATT_WRITE_HEADER_BYTES } from './gatt-profile';

/** The link protocol version this library speaks (frame byte 0, bits 7..4; meter info byte 0). */
export const LINK_PROTOCOL_VERSION = 1;
/** Header bytes before the payload. */
export const FRAME_HEADER_BYTES = 6;
/** Bytes a frame adds to its payload: header and CRC. */
export const FRAME_OVERHEAD_BYTES = FRAME_HEADER_BYTES + 2;
/** The longest frame: a 255-byte payload. */
export const FRAME_MAX_BYTES = FRAME_OVERHEAD_BYTES + 255;
/** The shortest useful frame (MTU 23: 20 bytes). Below this a message cannot be sent. */
export const FRAME_MIN_BYTES = 20;
/** The most frames one message may have. */
export const FRAME_MAX_COUNT = 255;

/** One decoded frame. */
export interface LinkFrame {
  type: number;
  messageId: number;
  seq: number;
  count: number;
  payload: Uint8Array;
}

/** Why a frame was refused (FRAME_* codes are stable: the meter and the phone log them). */
export type FrameProblem = 'SHORT' | 'LENGTH' | 'CRC' | 'VERSION' | 'SEQUENCE';

export type FrameResult = { ok: true; frame: LinkFrame } | { ok: false; problem: FrameProblem; message: string };

/**
 * The largest frame for an ATT MTU: MTU − 3 (opcode and handle), at most FRAME_MAX_BYTES.
 * @param mtu - the negotiated ATT MTU, 23..517
 * @throws HydroSyncError `RANGE` for an MTU below 23 or not a whole number.
 */
export function frameBytesForMtu(mtu: number): number {
  if (!Number.isSafeInteger(mtu) || mtu < FRAME_MIN_BYTES + ATT_WRITE_HEADER_BYTES || mtu > 517) {
    fail('RANGE', `the ATT MTU must be a whole number from 23 to 517; got ${mtu}`);
  }
  return Math.min(mtu - ATT_WRITE_HEADER_BYTES, FRAME_MAX_BYTES);
}

function checkField(v: number, name: string, max: number): void {
  if (!Number.isSafeInteger(v) || v < 0 || v > max) fail('RANGE', `a link frame's ${name} must be a whole number from 0 to ${max}; got ${v}`);
}

/**
 * Cut a message into frames of at most `maxFrameBytes` bytes each.
 * @param type - message type 0..15
 * @param messageId - 0..65535
 * @param payload - the message bytes (an empty message is one frame with no payload)
 * @param maxFrameBytes - frameBytesForMtu(mtu), 20..263
 * @throws HydroSyncError `RANGE` a field out of range, or a message too long for 255 frames.
 * @example
 * ```ts
 * encodeFrames(MESSAGE.submit, 7, tokenBytes, frameBytesForMtu(23)); // [Uint8Array(17)]
 * ```
 */
export function encodeFrames(type: number, messageId: number, payload: Uint8Array, maxFrameBytes: number): Uint8Array[] {
  checkField(type, 'type', 15);
  checkField(messageId, 'message id', 0xffff);
  if (!(payload instanceof Uint8Array)) fail('FORMAT', 'a link message payload must be a Uint8Array');
  if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < FRAME_MIN_BYTES) fail('RANGE', `a link frame must be allowed at least ${FRAME_MIN_BYTES} bytes; got ${maxFrameBytes}`);
  const chunk = Math.min(maxFrameBytes, FRAME_MAX_BYTES) - FRAME_OVERHEAD_BYTES;
  const count = Math.max(1, Math.ceil(payload.length / chunk));
  if (count > FRAME_MAX_COUNT) fail('RANGE', `a ${payload.length}-byte message needs ${count} frames; at most ${FRAME_MAX_COUNT} are allowed`);
  const frames: Uint8Array[] = [];
  for (let seq = 0; seq < count; seq++) {
    const part = payload.subarray(seq * chunk, Math.min(payload.length, (seq + 1) * chunk));
    const f = new Uint8Array(FRAME_OVERHEAD_BYTES + part.length);
    f[0] = (LINK_PROTOCOL_VERSION << 4) | type;
    f[1] = messageId >>> 8;
    f[2] = messageId & 0xff;
    f[3] = seq;
    f[4] = count;
    f[5] = part.length;
    f.set(part, FRAME_HEADER_BYTES);
    const crc = crc16Sts(f.subarray(0, FRAME_HEADER_BYTES + part.length));
    f[FRAME_HEADER_BYTES + part.length] = crc >>> 8;
    f[FRAME_HEADER_BYTES + part.length + 1] = crc & 0xff;
    frames.push(f);
  }
  return frames;
}

/**
 * Check and read one frame. Checks, in this order: at least the header and CRC (`SHORT`), the
 * length field against the frame's length (`LENGTH`: truncated or extra bytes), the CRC (`CRC`),
 * the version (`VERSION`), sequence number below the count (`SEQUENCE`).
 * @param bytes - one ATT value
 * @returns `{ ok: true, frame }` (the payload is a copy) or `{ ok: false, problem, message }`
 * @throws never: a bad frame is a value.
 */
export function decodeFrame(bytes: Uint8Array): FrameResult {
  if (!(bytes instanceof Uint8Array) || bytes.length < FRAME_OVERHEAD_BYTES) {
    return { ok: false, problem: 'SHORT', message: `a link frame has at least ${FRAME_OVERHEAD_BYTES} bytes; got ${bytes instanceof Uint8Array ? bytes.length : 'no bytes'}` };
  }
  const n = bytes[5];
  if (bytes.length !== FRAME_OVERHEAD_BYTES + n) {
    return { ok: false, problem: 'LENGTH', message: `the frame says ${n} payload bytes, so it should be ${FRAME_OVERHEAD_BYTES + n} bytes long; it is ${bytes.length} (${bytes.length < FRAME_OVERHEAD_BYTES + n ? 'truncated' : 'extra bytes'})` };
  }
  const crc = crc16Sts(bytes.subarray(0, FRAME_HEADER_BYTES + n));
  if (bytes[FRAME_HEADER_BYTES + n] !== crc >>> 8 || bytes[FRAME_HEADER_BYTES + n + 1] !== (crc & 0xff)) {
    return { ok: false, problem: 'CRC', message: 'the frame\'s CRC does not match: it was corrupted on the way' };
  }
  if (bytes[0] >>> 4 !== LINK_PROTOCOL_VERSION) {
    return { ok: false, problem: 'VERSION', message: `link protocol version ${bytes[0] >>> 4} is not supported (this version of hydrosync speaks version ${LINK_PROTOCOL_VERSION})` };
  }
  const seq = bytes[3];
  const count = bytes[4];
  if (count === 0 || seq >= count) return { ok: false, problem: 'SEQUENCE', message: `frame ${seq} of ${count}: the sequence number must be below the frame count` };
  return {
    ok: true,
    frame: { type: bytes[0] & 0x0f, messageId: (bytes[1] << 8) | bytes[2], seq, count, payload: bytes.slice(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + n) },
  };
}
