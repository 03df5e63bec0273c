import { describe, expect, it } from 'vitest';
import { TidMemory } from '../src/meter/tid-memory';

// The meter's TID memory (reference §8.2) with hand-worked contents: Old is below the smallest
// stored TID, Used is stored, an accepted TID replaces the smallest entry.

describe('TidMemory', () => {
  it('starts filled with the manufacture TID: below it Old, at it Used', () => {
    const m = new TidMemory(3, 100);
    expect(m.depth).toBe(3);
    expect(m.toArray()).toEqual([100, 100, 100]);
    expect([m.oldest, m.newest]).toEqual([100, 100]);
    expect([m.isOld(99), m.isOld(100), m.isOld(101)]).toEqual([true, false, false]);
    expect([m.has(100), m.has(101)]).toEqual([true, false]);
  });
  it('insert replaces the smallest entry, wherever it is; oldest and newest follow', () => {
    const m = new TidMemory(3, 0);
    m.load([50, 10, 30]);
    expect([m.oldest, m.newest]).toEqual([10, 50]);
    m.insert(40); // replaces 10 (position 2)
    expect(m.toArray()).toEqual([50, 40, 30]);
    expect([m.oldest, m.newest]).toEqual([30, 50]);
    m.insert(20); // smaller than everything stored: still replaces the smallest (30)
    expect(m.toArray()).toEqual([50, 40, 20]);
    expect(m.oldest).toBe(20);
    m.insert(60);
    expect(m.toArray()).toEqual([50, 40, 60]);
    expect([m.oldest, m.newest]).toEqual([40, 60]);
    expect([m.isOld(39), m.isOld(40), m.has(20), m.has(60)]).toEqual([true, false, false, true]);
  });
  it('the last slot can hold the minimum and the maximum', () => {
    const m = new TidMemory(4, 0);
    m.load([7, 8, 9, 5]);
    expect([m.oldest, m.newest]).toEqual([5, 9]);
    expect(m.has(5)).toBe(true);
    m.load([7, 8, 9, 12]);
    expect([m.oldest, m.newest]).toEqual([7, 12]);
    expect(m.has(12)).toBe(true);
  });
  it('fill (a rollover clears to 0) sets every slot and the minimum to its first slot', () => {
    const m = new TidMemory(3, 0);
    m.load([5, 1, 9]);
    m.fill(0);
    expect(m.toArray()).toEqual([0, 0, 0]);
    expect(m.oldest).toBe(0);
    m.insert(3);
    expect(m.toArray()).toEqual([3, 0, 0]);
    expect(m.oldest).toBe(0);
  });
  it('toArray is a copy', () => {
    const m = new TidMemory(2, 4);
    const a = m.toArray();
    a[0] = 99;
    expect(m.toArray()).toEqual([4, 4]);
  });
});
