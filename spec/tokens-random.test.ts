// The CSPRNG draw (transaction ids, seal nonces, RND): small draws come from a pooled
// getRandomValues fill, each byte handed out once, copied out.
import { describe, expect, it } from 'vitest';
import { randomBytes, randomNibble } from '../src/tokens/random';

describe('randomBytes', () => {
  it('returns the length asked for, pooled or not (up to 256 bytes pooled, more drawn directly)', () => {
    for (const n of [0, 1, 16, 24, 255, 256, 257, 5000]) expect(randomBytes(n).length).toBe(n);
  });

  it('never hands out the same bytes twice across pool refills: 2,000 draws of 24 bytes are all distinct', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(Buffer.from(randomBytes(24)).toString('hex'));
    expect(seen.size).toBe(2000);
  });

  it('a drawn array is a copy: changing it changes no later draw', () => {
    const a = randomBytes(16);
    a.fill(0);
    const later = Array.from({ length: 300 }, () => randomBytes(16));
    expect(later.some((b) => b.every((x) => x === 0))).toBe(false);
    expect(later.every((b) => b.buffer.byteLength === 16)).toBe(true);
  });

  it('randomNibble covers 0..15 and nothing else', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(randomNibble());
    expect([...seen].sort((x, y) => x - y)).toEqual([...Array(16).keys()]);
  });
});
