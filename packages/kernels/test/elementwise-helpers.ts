// Shared by the elementwise tests: heap blocks from plain arrays, a seeded generator, float64
// references (erf has no Math counterpart) and error measures in units of f32 ulps.
import { heap } from '../src/index.js';

/** The sizes every kernel is tested at: SIMD body only, tail only, and both. */
export const SIZES = [1, 3, 4, 5, 17, 33, 1000];

/** A block holding `values` as f32. */
export function f32Block(values: ArrayLike<number>): number {
  const p = heap().alloc(values.length * 4);
  heap()
    .f32()
    .set(values, p / 4);
  return p;
}

/** A block holding `values` as i32. */
export function i32Block(values: ArrayLike<number>): number {
  const p = heap().alloc(values.length * 4);
  heap()
    .i32()
    .set(values, p / 4);
  return p;
}

/** A block of n f32 elements filled with a sentinel, so unwritten elements show. */
export function outBlock(n: number): number {
  return f32Block(new Float32Array(n).fill(-12345));
}

export function readF32(p: number, n: number): Float32Array {
  return heap()
    .f32()
    .slice(p / 4, p / 4 + n);
}

export function readI32(p: number, n: number): Int32Array {
  return heap()
    .i32()
    .slice(p / 4, p / 4 + n);
}

export function free(...ptrs: number[]): void {
  for (const p of ptrs) heap().free(p);
}

/** mulberry32: a small seeded generator so every run sees the same data. */
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

/** n f32-representable numbers uniform in [lo, hi). */
export function uniform(n: number, lo: number, hi: number, seed = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** Spacing of f32 numbers at |v| (subnormal spacing below the normal range). */
export function ulpF32(v: number): number {
  const e = Math.max(Math.floor(Math.log2(Math.abs(v))), -126);
  return 2 ** (e - 23);
}

/** Distance of `got` from the float64 value `ref`, in f32 ulps at ref; 0 when both agree exactly. */
export function ulpError(got: number, ref: number): number {
  if (Number.isNaN(ref)) return Number.isNaN(got) ? 0 : Number.POSITIVE_INFINITY;
  if (got === ref) return 0;
  if (!Number.isFinite(ref) || !Number.isFinite(got)) return Number.POSITIVE_INFINITY;
  return Math.abs(got - ref) / ulpF32(ref);
}

/** The worst error over xs of a kernel result against a float64 reference. */
export function worst(
  xs: ArrayLike<number>,
  got: ArrayLike<number>,
  ref: (x: number) => number,
): { ulp: number; rel: number; x: number } {
  let w = { ulp: 0, rel: 0, x: Number.NaN };
  for (let i = 0; i < xs.length; i++) {
    const r = ref(xs[i]);
    const u = ulpError(got[i], r);
    const rel = r === got[i] ? 0 : Math.abs(got[i] - r) / Math.abs(r);
    if (u > w.ulp || Number.isNaN(u)) w = { ulp: u, rel: Math.max(rel, w.rel), x: xs[i] };
    else if (rel > w.rel) w.rel = rel;
  }
  return w;
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** erfc(z) for z >= 3 by its continued fraction, evaluated from depth 80 up. */
function erfcTail(z: number): number {
  let f = z;
  for (let k = 80; k >= 1; k--) f = z + k / 2 / f;
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
}

/** erf in float64 (~1e-15): a positive series below 3, 1 - erfc above. */
export function erf64(x: number): number {
  if (Number.isNaN(x)) return x;
  const z = Math.abs(x);
  if (z >= 3) return Math.sign(x) * (1 - erfcTail(z));
  let term = z;
  let sum = z;
  for (let n = 1; term > 1e-17 * sum; n++) {
    term *= (2 * z * z) / (2 * n + 1);
    sum += term;
  }
  return Math.sign(x) * TWO_OVER_SQRT_PI * Math.exp(-z * z) * sum;
}

/** The standard normal CDF in float64, relatively accurate in the lower tail. */
export function normalCdf64(x: number): number {
  const z = -x / Math.SQRT2;
  if (z >= 3) return erfcTail(z) / 2;
  return (1 - erf64(z)) / 2;
}

/** GELU (x·Φ(x)) in float64. */
export function gelu64(x: number): number {
  if (x === Number.NEGATIVE_INFINITY) return 0;
  return x * normalCdf64(x);
}

/** d gelu / dx = Φ(x) + x·φ(x) in float64. */
export function geluGrad64(x: number): number {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? x : x > 0 ? 1 : 0;
  return normalCdf64(x) + (x * Math.exp((-x * x) / 2)) / Math.sqrt(2 * Math.PI);
}

/** sigmoid in float64. */
export function sigmoid64(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
