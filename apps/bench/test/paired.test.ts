import { afterEach, describe, expect, it, vi } from 'vitest';
import { timePaired } from '../src/paired.js';

/**
 * A clock that only the two bodies move: own takes 1 ms a call, other `otherMs(n)` for its n-th
 * call (from 1). Records which body ran, in order.
 */
function fakeClock(otherMs: (n: number) => number = () => 2) {
  let now = 0;
  let others = 0;
  const order: string[] = [];
  vi.spyOn(performance, 'now').mockImplementation(() => now);
  return {
    order,
    own: () => {
      now += 1;
      order.push('own');
    },
    other: () => {
      now += otherMs(++others);
      order.push('other');
    },
  };
}

afterEach(() => vi.restoreAllMocks());

describe('timePaired', () => {
  it('times the builds in alternating order and gives own seconds / other seconds per pair', () => {
    const clock = fakeClock();
    // At most 2 ms a call in the warm-up, so 10 ms slices run 5 calls.
    const t = timePaired(clock.own, clock.other, 4, 10, 10);
    expect(t.own).toHaveLength(4);
    expect(t.other).toHaveLength(4);
    for (const s of t.own) expect(s).toBeCloseTo(0.001, 12);
    for (const s of t.other) expect(s).toBeCloseTo(0.002, 12);
    for (const r of t.ratios) expect(r).toBeCloseTo(0.5, 12);
    // The timed part: pairs of 5-call slices, own first in even pairs, other first in odd ones.
    const timed = clock.order.slice(clock.order.length - 40);
    const slices = [];
    for (let i = 0; i < timed.length; i += 5) {
      expect(new Set(timed.slice(i, i + 5)).size).toBe(1);
      slices.push(timed[i]);
    }
    expect(slices).toEqual(['own', 'other', 'other', 'own', 'own', 'other', 'other', 'own']);
  });

  it('gives each pair its own ratio, so a slowdown halfway shows only in the pairs after it', () => {
    // One warm-up call, then 5 a slice: calls 2-21 are the first four pairs' other slices.
    const clock = fakeClock((n) => (n <= 21 ? 2 : 3));
    const t = timePaired(clock.own, clock.other, 8, 10, 0);
    for (const r of t.ratios.slice(0, 4)) expect(r).toBeCloseTo(0.5, 12);
    for (const r of t.ratios.slice(4)) expect(r).toBeCloseTo(1 / 3, 12);
  });

  it('runs the enter of a side before each of its slices, untimed', () => {
    const clock = fakeClock();
    const t = timePaired(clock.own, clock.other, 2, 10, 0, {
      own: () => clock.order.push('enter own'),
      other: () => clock.order.push('enter other'),
    });
    // Warm-up: one call each. Then own, other | other, own in slices of 5 calls.
    const slice = (side: string) => [`enter ${side}`, ...Array(5).fill(side)];
    expect(clock.order).toEqual([
      'enter own',
      'own',
      'enter other',
      'other',
      ...slice('own'),
      ...slice('other'),
      ...slice('other'),
      ...slice('own'),
    ]);
    for (const r of t.ratios) expect(r).toBeCloseTo(0.5, 12);
  });
});
