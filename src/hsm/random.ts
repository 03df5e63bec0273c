/**
 * Random bytes from the platform CSPRNG (Web Crypto getRandomValues, in browsers and Node ≥ 20),
 * drawn 4 KiB at a time: one vend needs three small draws (transaction id, RND, seal nonce) and
 * each getRandomValues call costs more than the bytes. Bytes handed out are wiped from the pool.
 */
const POOL_BYTES = 4096;
let pool = new Uint8Array(0);
let at = 0;

export function randomBytes(n: number): Uint8Array {
  if (at + n > pool.length) {
    pool = new Uint8Array(Math.max(POOL_BYTES, n));
    (globalThis as unknown as { crypto: { getRandomValues(a: Uint8Array): Uint8Array } }).crypto.getRandomValues(pool);
    at = 0;
  }
  const out = pool.slice(at, at + n);
  pool.fill(0, at, at + n);
  at += n;
  return out;
}

/** A uniformly random 4-bit RND (§6.3.3). */
export function randomNibble(): number {
  return randomBytes(1)[0]! & 0xf;
}
