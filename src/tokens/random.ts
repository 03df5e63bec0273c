/** A uniformly random 4-bit RND (§6.3.3) from the platform CSPRNG (Web Crypto, present in browsers and Node ≥ 20). */
export function randomNibble(): number {
  const b = new Uint8Array(1);
  (globalThis as unknown as { crypto: { getRandomValues(a: Uint8Array): Uint8Array } }).crypto.getRandomValues(b);
  return b[0]! & 0xf;
}
