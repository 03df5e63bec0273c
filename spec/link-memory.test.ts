import { describe, expect, it } from 'vitest';
import { ATT_ERROR, MemoryLink, VirtualClock, type GattPeer, type GattServer, type LinkFault, type RadioPdu } from '../src/link';
import { errorCode } from './support';

// The in-memory transport pair and the virtual clock: what the roles and the fault tests stand on.

const CMD = 'cmd';
const OUT = 'out';

/** A GATT server that notifies back every value written to CMD (refusing a first byte 0xee), and serves 50 bytes on reads. */
class EchoServer implements GattServer {
  peer: GattPeer | null = null;
  writes: Uint8Array[] = [];
  connects = 0;
  connected(peer: GattPeer): void {
    this.peer = peer;
    this.connects++;
  }
  disconnected(): void {
    this.peer = null;
  }
  read(c: string): Uint8Array | number {
    return c === OUT ? Uint8Array.from({ length: 50 }, (_, i) => i) : ATT_ERROR.READ_NOT_PERMITTED;
  }
  write(c: string, v: Uint8Array): number {
    if (c !== CMD) return ATT_ERROR.WRITE_NOT_PERMITTED;
    if (v[0] === 0xee) return ATT_ERROR.FRAME_REFUSED;
    this.writes.push(v);
    this.peer?.notify(OUT, v);
    return 0;
  }
}

function setup(faults?: (p: RadioPdu) => LinkFault | undefined, mtu = 23) {
  const clock = new VirtualClock();
  const server = new EchoServer();
  const link = new MemoryLink({ server, clock, mtu, latencyMs: 10, ...(faults ? { faults } : {}) });
  const got: number[][] = [];
  const ready = async () => {
    await clock.run(link.connect());
    await clock.run(link.startNotifications(OUT, (v) => got.push([...v])));
  };
  return { clock, server, link, got, ready };
}

describe('in-memory link', () => {
  it('connect, write with response, notification, long read; the virtual clock counts latency', async () => {
    const { clock, server, link, got, ready } = setup();
    await ready();
    const t0 = clock.now();
    await clock.run(link.writeWithResponse(CMD, new Uint8Array([1, 2, 3])));
    expect(clock.now() - t0).toBe(20); // write + write response, 10 ms each
    await clock.advance(50);
    expect(got).toEqual([[1, 2, 3]]);
    expect(server.writes.length).toBe(1);
    expect((await clock.run(link.read(OUT))).length).toBe(50);
    // Radio count: CCCD write+response, write+response, notification, read: 1 request + 2 blob requests and 3 responses.
    expect(link.count.pdus).toBe(2 + 2 + 1 + 6);
    expect(link.count.frames).toBe(2);
    expect(link.mtu).toBe(23);
  });

  it('an ATT error answers a write (the promise rejects with LINK), and a write larger than MTU − 3 is refused', async () => {
    const { clock, link, ready } = setup();
    await ready();
    expect(await errorCode(() => clock.run(link.writeWithResponse(CMD, new Uint8Array([0xee]))))).toBe('LINK');
    expect(await errorCode(() => link.writeWithResponse(CMD, new Uint8Array(21)))).toBe('RANGE');
    expect(await errorCode(() => clock.run(link.read('nothing')))).toBe('LINK');
  });

  it('faults: drop (no answer ever: the clock reports the deadlock), duplicate, truncate, corrupt, delay (reorder)', async () => {
    const plan = new Map<number, LinkFault>();
    const { clock, server, link, ready } = setup((p) => plan.get(p.step));
    await ready(); // steps 0, 1: the CCCD write and response
    plan.set(2, { kind: 'drop' });
    expect(await errorCode(() => clock.run(link.writeWithResponse(CMD, new Uint8Array([1]))))).toBe('RANGE');
    expect(server.writes).toEqual([]);
    plan.set(3, { kind: 'duplicate' }); // the write arrives twice; one response
    await clock.run(link.writeWithResponse(CMD, new Uint8Array([2])));
    expect(server.writes.map((w) => [...w])).toEqual([[2], [2]]);
    // Truncate, corrupt and delay, on a fresh link, chosen by the value on the air.
    const seen: RadioPdu[] = [];
    const watch = setup((p) => {
      seen.push(p);
      if (p.op === 'write' && p.value?.[0] === 7) return { kind: 'truncate', keep: 1 };
      if (p.op === 'write' && p.value?.[0] === 8) return { kind: 'corrupt', at: 1, xor: 0x40 };
      if (p.op === 'notify' && p.value?.[0] === 9) return { kind: 'delay', ms: 100 };
      return undefined;
    });
    await watch.ready();
    await watch.clock.run(watch.link.writeWithResponse(CMD, new Uint8Array([7, 7, 7])));
    await watch.clock.run(watch.link.writeWithResponse(CMD, new Uint8Array([8, 8])));
    await watch.clock.run(watch.link.writeWithResponse(CMD, new Uint8Array([9])));
    await watch.clock.run(watch.link.writeWithResponse(CMD, new Uint8Array([10])));
    await watch.clock.advance(500);
    expect(watch.server.writes.map((w) => [...w])).toEqual([[7], [8, 0x48], [9], [10]]);
    expect(watch.got).toEqual([[7], [8, 0x48], [10], [9]]); // 9 overtaken by 10
    expect(seen.map((p) => p.step)).toEqual(seen.map((_, i) => i));
  });

  it('a disconnect fault drops the link: pending operations reject with LINK, both sides hear it, reconnect works', async () => {
    let cut = false;
    const { clock, server, link, got, ready } = setup((p) => (cut && p.op === 'write' ? ((cut = false), { kind: 'disconnect' }) : undefined));
    await ready();
    let heard = 0;
    link.onDisconnect(() => heard++);
    cut = true;
    expect(await errorCode(() => clock.run(link.writeWithResponse(CMD, new Uint8Array([1]))))).toBe('LINK');
    expect(link.connected).toBe(false);
    expect(server.peer).toBe(null);
    expect(heard).toBe(1);
    expect(await errorCode(() => link.writeWithResponse(CMD, new Uint8Array([1])))).toBe('LINK');
    await ready();
    expect(server.connects).toBe(2);
    await clock.run(link.writeWithResponse(CMD, new Uint8Array([5])));
    await clock.advance(20);
    expect(got).toEqual([[5]]);
  });

  it('MTU 247: the MTU exchange is counted, 244-byte values fit', async () => {
    const { clock, link, server, ready } = setup(undefined, 247);
    await ready();
    expect(server.peer?.mtu).toBe(247);
    await clock.run(link.writeWithResponse(CMD, new Uint8Array(244)));
    expect(errorCode(() => new MemoryLink({ server, clock, mtu: 22 }))).toBe('RANGE');
  });

  it('virtual clock: timers fire in time order, ties in the order set; cancel works', async () => {
    const clock = new VirtualClock();
    const order: string[] = [];
    clock.setTimer(20, () => order.push('b'));
    clock.setTimer(10, () => order.push('a'));
    clock.setTimer(20, () => order.push('c'));
    const cancel = clock.setTimer(15, () => order.push('x'));
    cancel();
    await clock.advance(25);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(clock.now()).toBe(25);
    expect(await errorCode(() => clock.run(new Promise(() => undefined)))).toBe('RANGE');
  });
});
