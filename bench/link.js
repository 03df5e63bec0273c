#!/usr/bin/env node
// Bluetooth link benchmarks (issue #12): frames and uploads per second through the in-memory link,
// and the radio cost (link frames, ATT PDUs, bytes) of one token upload and one report at MTU 23
// and 247. Checks known answers first: a frame's bytes (CRC computed here bit by bit) and an
// upload that the meter accepts. One core; the in-memory link runs on a virtual clock, so the
// rates are the protocol's CPU cost, not radio time: they are per second of this process's CPU
// time (user + system), which a busy shared machine does not distort as it does wall time.
// Run: npm run build && node bench/link.js [--quick] [--json]
import { deriveDecoderKey, issueCredit, Meter, tidFromWallClock, bytesToHex } from '../dist/index.js';
import {
  encodeFrames, Reassembler, frameBytesForMtu, tokenToBytes, MESSAGE, MemoryLink, MeterLinkServer, PhoneLinkClient, VirtualClock,
} from '../dist/link.js';

const quick = process.argv.includes('--quick');
const asJson = process.argv.includes('--json');
const SECONDS = quick ? 0.3 : 1.5;
const out = [];
const say = (s) => { if (!asJson) console.log(s); };

function fail(what, got, want) {
  console.error(`known-answer check failed for ${what}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  process.exit(1);
}

// Known answer 1: the SUBMIT frame of a token, header by the layout table, CRC-16/MODBUS bit by bit.
const TOKEN = '16936447548921561478';
const frame = encodeFrames(MESSAGE.submit, 0x1234, tokenToBytes(TOKEN), 20);
let crc = 0xffff;
const body = [0x11, 0x12, 0x34, 0x00, 0x01, 0x09, ...tokenToBytes(TOKEN)];
for (const b of body) { crc ^= b; for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1; }
const want = bytesToHex(Uint8Array.from([...body, crc & 0xff, crc >>> 8]));
if (frame.length !== 1 || bytesToHex(frame[0]) !== want) fail('SUBMIT frame', frame.map(bytesToHex), [want]);
if (BigInt(`0x${bytesToHex(tokenToBytes(TOKEN))}`) !== BigInt(TOKEN)) fail('token bytes', bytesToHex(tokenToBytes(TOKEN)), TOKEN);

const PAN = '600727000000000009';
const params = { supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2, keyExpiryNumber: 255, pan: PAN, baseDate: 2014, encryptionAlgorithm: '11' };
const key = deriveDecoderKey('abababababababab949494949494949401234567', params);
const newMeter = () => new Meter({ profile: { pan: PAN }, key, initialTid: tidFromWallClock('2026-11-01T00:00', 2014) });
// Tokens with distinct TIDs (one minute apart; the reserved minute 00:01 moves to 00:02, so one a day is
// a repeat and is left out), 100 L each so the register never fills.
const tokens = [...new Set(Array.from({ length: 20_000 }, (_, i) => issueCredit(key, { litres: 100, dateTime: new Date(Date.UTC(2026, 11, 1) + i * 60_000).toISOString().slice(0, 16), rnd: 1 }).token))];

/** Seconds of CPU time this process has used. */
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

function linkWorld(mtu) {
  const clock = new VirtualClock();
  const meter = newMeter();
  const server = new MeterLinkServer({ meter, clock, at: () => '2027-01-01T00:00' });
  const link = new MemoryLink({ server, clock, mtu });
  const phone = new PhoneLinkClient({ transport: link, clock, firstMessageId: 1 });
  return { clock, meter, link, phone };
}

// Known answer 2: one upload, accepted; the report that follows says 100 L.
{
  const w = linkWorld(23);
  const r = await w.clock.run(w.phone.upload(tokens[0]));
  if (r.result !== 'ACCEPT' || r.litres !== 100 || w.meter.creditLitres !== 100) fail('upload', r, { result: 'ACCEPT', litres: 100 });
}

// 1. The frame codec alone: a 50-byte report cut into frames and put together again.
const report = Uint8Array.from({ length: 50 }, (_, i) => (i * 37) & 0xff);
for (const mtu of [23, 247]) {
  const max = frameBytesForMtu(mtu);
  const r = new Reassembler();
  let frames = 0;
  let ops = 0;
  const start = cpu();
  let s = 0;
  do {
    for (let i = 0; i < 1000; i++) {
      const fs = encodeFrames(MESSAGE.report, i & 0xffff, report, max);
      for (const f of fs) r.push(f);
      frames += fs.length;
    }
    ops += 1000;
    s = cpu() - start;
  } while (s < SECONDS);
  out.push({ name: `codec: 50-byte report encoded and reassembled, MTU ${mtu}`, messagesPerSecond: Math.round(ops / s), framesPerSecond: Math.round(frames / s) });
}

// 2. Uploads through the in-memory link (phone role, radio, meter role, meter simulator), one connection.
for (const mtu of [23, 247]) {
  const w = linkWorld(mtu);
  await w.clock.run(w.phone.connect());
  const before = w.link.count.frames;
  let n = 0;
  const start = cpu();
  let s = 0;
  do {
    for (let i = 0; i < 50; i++) {
      const r = await w.clock.run(w.phone.upload(tokens[n++ % tokens.length]));
      if (r.result !== 'ACCEPT') fail('upload in the loop', r.result, 'ACCEPT');
    }
    s = cpu() - start;
  } while (s < SECONDS && n < tokens.length - 50);
  out.push({ name: `link: token uploads end to end, MTU ${mtu}`, uploadsPerSecond: Math.round(n / s), framesPerSecond: Math.round((w.link.count.frames - before) / s) });
}

// 3. Radio cost per token upload and per report (connection set up before; L2CAP adds 4 bytes per PDU).
const radio = [];
for (const mtu of [23, 247]) {
  const w = linkWorld(mtu);
  const connect = { ...w.link.count };
  await w.clock.run(w.phone.connect());
  const c0 = { ...w.link.count };
  const t0 = w.clock.now();
  await w.clock.run(w.phone.upload(tokens[1]));
  const c1 = { ...w.link.count };
  const t1 = w.clock.now();
  await w.clock.run(w.phone.requestReport());
  const c2 = { ...w.link.count };
  const t2 = w.clock.now();
  const d = (a, b, ms) => ({ frames: b.frames - a.frames, pdus: b.pdus - a.pdus, attBytes: b.attBytes - a.attBytes, linkLayerBytes: b.attBytes - a.attBytes + 4 * (b.pdus - a.pdus), virtualMs: ms });
  radio.push({ mtu, connect: d(connect, c0, t0), upload: d(c0, c1, t1 - t0), report: d(c1, c2, t2 - t1) });
}

if (asJson) {
  console.log(JSON.stringify({ rates: out, radio }, null, 1));
} else {
  for (const o of out) {
    const figures = Object.entries(o).filter(([k]) => k !== 'name').map(([k, v]) => `${v.toLocaleString('en-US')} ${k.replace('PerSecond', '/s')}`);
    say(`${o.name.padEnd(60)} ${figures.join(', ')}`);
  }
  say('');
  say('radio cost (the connection already set up; ATT PDUs both ways; link-layer bytes = ATT + 4 L2CAP per PDU)');
  say('MTU  what                       link frames  ATT PDUs  ATT bytes  LL bytes  simulated ms (15 ms per PDU)');
  for (const r of radio) {
    for (const [what, x] of [['connect (CCCDs, info read)', r.connect], ['token upload', r.upload], ['report', r.report]]) {
      say(`${String(r.mtu).padEnd(4)} ${what.padEnd(26)} ${String(x.frames).padStart(11)} ${String(x.pdus).padStart(9)} ${String(x.attBytes).padStart(10)} ${String(x.linkLayerBytes).padStart(9)} ${String(x.virtualMs).padStart(6)}`);
    }
  }
}
