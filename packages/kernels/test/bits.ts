// Bit-for-bit comparisons: a split call (threads, or blocks of a product) must round exactly as one call.
import { expect } from 'vitest';
import { heap } from '../src/index.js';

/** A copy of the bit patterns of n floats at pointer p of heap h (the loaded build's by default). */
export const bits = (p: number, n: number, h: { f32(): Float32Array } = heap()): Uint32Array =>
  new Uint32Array(h.f32().buffer, p, n).slice();

/** Expects identical bit patterns, naming the first element that differs. */
export function expectSameBits(got: Uint32Array, want: Uint32Array, what: string): void {
  expect(got.length).toBe(want.length);
  const i = got.findIndex((v, j) => v !== want[j]);
  if (i >= 0) expect.fail(`${what}: element ${i} has bits ${got[i]}, want ${want[i]}`);
}
