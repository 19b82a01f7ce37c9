// Shared by the conv tests: seeded data, the three passes in float64 by direct loops, and the
// tolerance check. Tolerance: the classic bound on a float32 sum of m products,
// (m + 2) * 2^-24 * Σ|terms|, so the check holds for any summation order (blocked GEMM, FMA)
// yet a wrong or missing term fails it.
import type { Conv2dShape } from '../src/index.js';

/** Deterministic test data in [-1, 1), rounded to float32 (mulberry32). */
export function randoms(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

/** A reference result and, per element, the sum of the magnitudes of its terms. */
export interface Ref {
  value: Float64Array;
  abs: Float64Array;
}

const ref = (n: number): Ref => ({ value: new Float64Array(n), abs: new Float64Array(n) });

export function outSize(s: Conv2dShape) {
  return {
    oh: Math.floor((s.h + 2 * s.padH - s.kh) / s.strideH) + 1,
    ow: Math.floor((s.w + 2 * s.padW - s.kw) / s.strideW) + 1,
  };
}

/**
 * All three passes by direct loops over every product term: out = conv(x, w) + b,
 * dx and dw the gradients for output gradient dy, db = Σ dy per channel.
 */
export function reference(
  s: Conv2dShape,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
  dy: Float32Array,
): { out: Ref; dx: Ref; dw: Ref; db: Ref } {
  const { oh, ow } = outSize(s);
  const out = ref(s.n * s.cOut * oh * ow);
  const dx = ref(x.length);
  const dw = ref(w.length);
  const db = ref(s.cOut);
  for (let t = 0; t < s.n; t++)
    for (let o = 0; o < s.cOut; o++)
      for (let y = 0; y < oh; y++)
        for (let xx = 0; xx < ow; xx++) {
          const at = ((t * s.cOut + o) * oh + y) * ow + xx;
          const g = dy[at];
          if (b) {
            out.value[at] += b[o];
            out.abs[at] += Math.abs(b[o]);
          }
          db.value[o] += g;
          db.abs[o] += Math.abs(g);
          for (let c = 0; c < s.cIn; c++)
            for (let i = 0; i < s.kh; i++) {
              const iy = y * s.strideH - s.padH + i;
              if (iy < 0 || iy >= s.h) continue;
              for (let j = 0; j < s.kw; j++) {
                const ix = xx * s.strideW - s.padW + j;
                if (ix < 0 || ix >= s.w) continue;
                const wi = ((o * s.cIn + c) * s.kh + i) * s.kw + j;
                const xi = ((t * s.cIn + c) * s.h + iy) * s.w + ix;
                const f = w[wi] * x[xi];
                out.value[at] += f;
                out.abs[at] += Math.abs(f);
                const d = w[wi] * g;
                dx.value[xi] += d;
                dx.abs[xi] += Math.abs(d);
                const e = g * x[xi];
                dw.value[wi] += e;
                dw.abs[wi] += Math.abs(e);
              }
            }
        }
  return { out, dx, dw, db };
}

/** Throws naming the first element whose error exceeds the bound for a sum of `terms` products. */
export function expectClose(got: Float32Array, want: Ref, terms: number, what: string): void {
  if (got.length !== want.value.length)
    throw new Error(`${what}: length ${got.length}, want ${want.value.length}`);
  const eps = (terms + 2) * 2 ** -24;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - want.value[i]);
    if (!(err <= eps * want.abs[i] + 1e-30))
      throw new Error(`${what}[${i}]: got ${got[i]}, want ${want.value[i]} (error ${err})`);
  }
}

/** A 3x3, stride 1 shape with the given overrides (tests name only what they vary). */
export const shape = (o: Partial<Conv2dShape>): Conv2dShape => ({
  n: 1,
  cIn: 1,
  h: 7,
  w: 9,
  cOut: 4,
  kh: 3,
  kw: 3,
  strideH: 1,
  strideW: 1,
  padH: 0,
  padW: 0,
  ...o,
});
