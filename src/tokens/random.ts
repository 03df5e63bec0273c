/**
 * The platform CSPRNG: Web Crypto's getRandomValues, present in browsers and Node ≥ 20. Small
 * draws (a vend takes three: its transaction id, the token's RND and the seal nonce) are served
 * from a pool of 4 KiB filled in one call, each byte handed out once and copied out; a call to
 * getRandomValues per draw cost about 4 % of a vend.
 */
const webCrypto = (globalThis as unknown as { crypto: { getRandomValues(a: Uint8Array): Uint8Array } }).crypto;

const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let used = POOL_BYTES;

/** `n` random bytes from the platform CSPRNG (transaction ids, seal nonces). */
export function randomBytes(n: number): Uint8Array {
  if (n > 256) return webCrypto.getRandomValues(new Uint8Array(n));
  if (used + n > POOL_BYTES) {
    webCrypto.getRandomValues(pool);
    used = 0;
  }
  const out = pool.slice(used, used + n);
  pool.fill(0, used, used + n);
  used += n;
  return out;
}

/** A uniformly random 4-bit RND (§6.3.3). */
export function randomNibble(): number {
  return randomBytes(1)[0]! & 0xf;
}
