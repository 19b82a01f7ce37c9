// Seeded inputs, so every peer sees the same numbers and every run the same data.

/** Seed of every input a run generates. */
export const SEED = 20240901;

/** mulberry32: a small, fast 32-bit PRNG; quality is ample for benchmark inputs. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n uniform values in [-1, 1) from `seed`. */
export function uniform(n: number, seed: number): Float32Array {
  const next = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 2 * next() - 1;
  return out;
}

/** Largest |a - b| relative to the largest |ref|; the check for "same result". */
export function relativeError(ref: ArrayLike<number>, got: ArrayLike<number>): number {
  if (ref.length !== got.length) return Number.POSITIVE_INFINITY;
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]));
    const d = Math.abs(ref[i] - got[i]);
    worst = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(worst, d);
  }
  return worst / (scale || 1);
}
