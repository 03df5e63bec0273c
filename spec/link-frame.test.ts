import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  FRAME_OVERHEAD_BYTES, Reassembler, decodeFrame, decodeMeterInfo, encodeFrames, encodeMeterInfo, frameBytesForMtu,
  tokenFromBytes, tokenToBytes,
} from '../src/link';
import { errorCode } from './support';

// The link frame codec (docs/bluetooth.md, "Frames"): round trip at the default and a large MTU,
// and every truncated or corrupted frame detected.

const MTUS = [23, 247] as const;
const message = fc.record({
  type: fc.integer({ min: 0, max: 15 }),
  messageId: fc.integer({ min: 0, max: 0xffff }),
  payload: fc.uint8Array({ minLength: 0, maxLength: 300 }),
  mtu: fc.constantFrom(...MTUS),
});

function reassemble(frames: Uint8Array[]): { type: number; messageId: number; payload: Uint8Array } {
  const r = new Reassembler();
  for (const [i, f] of frames.entries()) {
    const step = r.push(f);
    if (i < frames.length - 1) expect(step.kind).toBe('partial');
    else if (step.kind === 'message') return step.message;
  }
  throw new Error('no message');
}

describe('link frames', () => {
  it('layout: a 9-byte token is one 17-byte frame; header, payload and CRC-16 at the documented offsets', () => {
    const token = tokenToBytes('1693 6447 5489 2156 1478');
    const [f, ...rest] = encodeFrames(1, 0x1234, token, frameBytesForMtu(23));
    expect(rest).toEqual([]);
    expect(f!.length).toBe(17);
    expect([...f!.subarray(0, 6)]).toEqual([0x11, 0x12, 0x34, 0, 1, 9]);
    expect(f!.subarray(6, 15)).toEqual(token);
    expect(tokenFromBytes(f!.subarray(6, 15))).toBe('16936447548921561478');
    // CRC-16/MODBUS (reflected 0xA001, init 0xFFFF), high byte of the swapped value first: independent bit loop.
    let c = 0xffff;
    for (const b of f!.subarray(0, 15)) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    }
    expect([f![15], f![16]]).toEqual([c & 0xff, c >>> 8]);
  });

  it('frame size follows the MTU: 20 bytes at MTU 23 (12 payload bytes), 244 at 247; a 50-byte report is 5 frames or 1', () => {
    expect(frameBytesForMtu(23)).toBe(20);
    expect(frameBytesForMtu(247)).toBe(244);
    expect(frameBytesForMtu(517)).toBe(263);
    expect(encodeFrames(10, 1, new Uint8Array(50), 20).map((f) => f.length)).toEqual([20, 20, 20, 20, 10]);
    expect(encodeFrames(10, 1, new Uint8Array(50), 244).map((f) => f.length)).toEqual([58]);
    expect(encodeFrames(3, 1, new Uint8Array(0), 20).map((f) => f.length)).toEqual([FRAME_OVERHEAD_BYTES]);
    expect(errorCode(() => frameBytesForMtu(22))).toBe('RANGE');
    expect(errorCode(() => encodeFrames(16, 1, new Uint8Array(1), 20))).toBe('RANGE');
    expect(errorCode(() => encodeFrames(1, 0x10000, new Uint8Array(1), 20))).toBe('RANGE');
    expect(errorCode(() => encodeFrames(1, 1, new Uint8Array(12 * 255 + 1), 20))).toBe('RANGE');
  });

  it('property: every message round-trips at MTU 23 and 247, frames in any order and duplicated', () => {
    fc.assert(
      fc.property(message, fc.integer({ min: 0, max: 2 ** 31 }), (m, seed) => {
        const max = frameBytesForMtu(m.mtu);
        const frames = encodeFrames(m.type, m.messageId, m.payload, max);
        for (const f of frames) expect(f.length).toBeLessThanOrEqual(max);
        expect(reassemble(frames)).toEqual({ type: m.type, messageId: m.messageId, payload: m.payload });
        // Shuffled, every frame twice: still exactly the message.
        const shuffled = [...frames, ...frames].map((f, i) => ({ f, k: (i * 2654435761 + seed) % 1000 })).sort((a, b) => a.k - b.k).map((x) => x.f);
        const r = new Reassembler();
        const got = shuffled.map((f) => r.push(f)).filter((s) => s.kind === 'message');
        expect(got.length).toBeGreaterThanOrEqual(1);
        if (got[0]!.kind === 'message') expect(got[0]!.message.payload).toEqual(m.payload);
      }),
      { numRuns: 200 },
    );
  });

  it('property: every truncation of every frame is detected (never a frame, never part of a message)', () => {
    fc.assert(
      fc.property(message, (m) => {
        for (const f of encodeFrames(m.type, m.messageId, m.payload, frameBytesForMtu(m.mtu))) {
          for (let keep = 0; keep < f.length; keep++) {
            const r = decodeFrame(f.subarray(0, keep));
            expect(r.ok).toBe(false);
            expect(new Reassembler().push(f.subarray(0, keep)).kind).toBe('bad-frame');
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('property: every corruption of one byte (any bit pattern) and every burst of up to 16 bits is detected', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: 1, max: 0xffff }), (m, pick, burst) => {
        const frames = encodeFrames(m.type, m.messageId, m.payload, frameBytesForMtu(m.mtu));
        const f = frames[pick % frames.length]!;
        for (let at = 0; at < f.length; at++) {
          for (const x of [1, 0x80, 0xff, (burst & 0xff) || 1]) {
            const bad = f.slice();
            bad[at] ^= x;
            expect(decodeFrame(bad).ok).toBe(false);
          }
          if (at + 1 < f.length) {
            const bad = f.slice();
            bad[at] ^= burst >>> 8;
            bad[at + 1] ^= burst & 0xff;
            expect(decodeFrame(bad).ok).toBe(false);
          }
        }
        // An extra byte appended is detected too.
        expect(decodeFrame(Uint8Array.from([...f, 0])).ok).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it('says why a frame is refused: SHORT, LENGTH, CRC, VERSION, SEQUENCE', () => {
    const [f] = encodeFrames(1, 7, new Uint8Array([1, 2, 3]), 20);
    expect(decodeFrame(new Uint8Array(3))).toMatchObject({ ok: false, problem: 'SHORT' });
    expect(decodeFrame(f!.subarray(0, f!.length - 1))).toMatchObject({ ok: false, problem: 'LENGTH' });
    const crc = f!.slice();
    crc[7] ^= 4;
    expect(decodeFrame(crc)).toMatchObject({ ok: false, problem: 'CRC' });
    // A well-formed frame of version 2, and one with seq ≥ count: re-signed so only that field is wrong.
    const resign = (b: Uint8Array): Uint8Array => {
      let c = 0xffff;
      for (const x of b.subarray(0, b.length - 2)) {
        c ^= x;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
      }
      b[b.length - 2] = c & 0xff;
      b[b.length - 1] = c >>> 8;
      return b;
    };
    const v2 = f!.slice();
    v2[0] = 0x21;
    expect(decodeFrame(resign(v2))).toMatchObject({ ok: false, problem: 'VERSION' });
    const seq = f!.slice();
    seq[3] = 1;
    expect(decodeFrame(resign(seq))).toMatchObject({ ok: false, problem: 'SEQUENCE' });
  });

  it('a frame of another message abandons the partial one', () => {
    const a = encodeFrames(10, 1, new Uint8Array(30).fill(1), 20);
    const b = encodeFrames(10, 2, new Uint8Array(5).fill(2), 20);
    const r = new Reassembler();
    expect(r.push(a[0]!).kind).toBe('partial');
    expect(r.push(b[0]!)).toMatchObject({ kind: 'message', message: { messageId: 2 } });
    expect(r.push(a[1]!).kind).toBe('partial'); // a starts over: frame 0 is gone
    expect(r.partial).toBe(true);
  });

  it('meter information: 16 bytes, round trip; refuses another protocol version and a bad PAN', () => {
    const info = { pan: '600727000000000009', keyRevisionNumber: 2, keyChangePending: true, firmwareVersion: '1.4.0', maxFrameBytes: 244 };
    const b = encodeMeterInfo(info);
    expect(b.length).toBe(16);
    expect(decodeMeterInfo(b)).toEqual({ protocolVersion: 1, ...info });
    const v2 = b.slice();
    v2[0] = 2;
    expect(errorCode(() => decodeMeterInfo(v2))).toBe('FORMAT');
    const badPan = b.slice();
    badPan[8] ^= 1;
    expect(errorCode(() => decodeMeterInfo(badPan))).toBe('CHECK_DIGIT');
    expect(errorCode(() => decodeMeterInfo(b.subarray(0, 15)))).toBe('FORMAT');
  });
});
