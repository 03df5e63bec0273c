/**
 * Time for the link roles: timeouts and the meter's processing delay. `systemClock` uses the
 * platform's timers (browsers and Node); `VirtualClock` is a deterministic clock for tests,
 * simulations and benchmarks: time moves only when `run` finds nothing else to do.
 */
import { fail } from '../errors';

/** A clock the link roles set timers on. */
export interface LinkClock {
  /** Milliseconds since an arbitrary start. */
  now(): number;
  /** Call `fn` after `ms` milliseconds; returns a function that cancels the timer. */
  setTimer(ms: number, fn: () => void): () => void;
}

interface PlatformTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setImmediate?: (fn: () => void) => unknown;
  performance?: { now(): number };
}

const platform = globalThis as unknown as PlatformTimers;

/** The platform's clock and timers (setTimeout), for real links. */
export const systemClock: LinkClock = Object.freeze({
  now: () => (platform.performance ? platform.performance.now() : Date.now()),
  setTimer(ms: number, fn: () => void): () => void {
    const h = platform.setTimeout(fn, ms);
    return () => platform.clearTimeout(h);
  },
});

/** Let every pending promise reaction run (one macrotask turn). */
function macrotask(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof platform.setImmediate === 'function') platform.setImmediate(resolve);
    else platform.setTimeout(resolve, 0);
  });
}

interface Timer {
  at: number;
  order: number;
  fn: () => void;
}

/**
 * A virtual clock: timers fire in time order (ties in the order they were set) when `run` advances
 * time, after every promise reaction that was ready has run. Deterministic and fast.
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const outcome = await clock.run(phone.upload(token)); // virtual seconds pass in microseconds
 * ```
 */
export class VirtualClock implements LinkClock {
  private time = 0;
  private order = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const t: Timer = { at: this.time + Math.max(0, ms), order: this.order++, fn };
    this.timers.push(t);
    return () => {
      const i = this.timers.indexOf(t);
      if (i >= 0) this.timers.splice(i, 1);
    };
  }

  /** Timers not fired yet. */
  get pending(): number {
    return this.timers.length;
  }

  private next(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) if (best === undefined || t.at < best.at || (t.at === best.at && t.order < best.order)) best = t;
    return best;
  }

  /**
   * Run until `promise` settles, moving time from timer to timer.
   * @param promise - what to wait for
   * @param limitMs - give up (RANGE) when more virtual time than this would pass (default 1 hour)
   * @throws HydroSyncError `RANGE` when the promise cannot settle: no timer is left, or the limit is passed.
   */
  async run<T>(promise: Promise<T>, limitMs = 3_600_000): Promise<T> {
    let settled = false;
    const watched = promise.then(
      (v) => {
        settled = true;
        return v;
      },
      (e: unknown) => {
        settled = true;
        throw e;
      },
    );
    watched.catch(() => undefined);
    const end = this.time + limitMs;
    for (;;) {
      await macrotask();
      if (settled) return watched;
      const t = this.next();
      if (t === undefined) fail('RANGE', 'the virtual clock has no timer left and the operation has not finished (a deadlock)');
      if (t.at > end) fail('RANGE', `the operation did not finish within ${limitMs} ms of virtual time`);
      this.timers.splice(this.timers.indexOf(t), 1);
      this.time = t.at;
      t.fn();
    }
  }

  /** Fire every timer due within `ms` from now, in order, then set the time to now + ms. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await macrotask();
      const t = this.next();
      if (t === undefined || t.at > end) break;
      this.timers.splice(this.timers.indexOf(t), 1);
      this.time = t.at;
      t.fn();
    }
    this.time = end;
    await macrotask();
  }
}
