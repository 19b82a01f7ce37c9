// A seeded generator for test inputs, so a failing case can be replayed.

/** Uniform values in [-0.5, 0.5) from a 32-bit linear congruential generator. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}
