/** The platform CSPRNG: Web Crypto's getRandomValues, present in browsers and Node ≥ 20. */
const webCrypto = (globalThis as unknown as { crypto: { getRandomValues(a: Uint8Array): Uint8Array } }).crypto;

/** `n` random bytes from the platform CSPRNG (transaction ids, seal nonces). */
export function randomBytes(n: number): Uint8Array {
  return webCrypto.getRandomValues(new Uint8Array(n));
}

/** A uniformly random 4-bit RND (§6.3.3). */
export function randomNibble(): number {
  return randomBytes(1)[0]! & 0xf;
}
