// Finite-difference check of analytic gradients: central differences of L(x) = Σ f(x)·v for a
// fixed random projection v, against the backward pass, element by element.
import { heap } from '@asgrad/kernels';
import { tensor } from './create.js';
import { grad } from './functional.js';
import { noGrad } from './graph.js';
import { scope } from './memory.js';
import type { Tensor } from './tensor.js';

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-2: float32 needs a large step). */
  eps?: number;
  /** Absolute tolerance (default 1e-2). */
  atol?: number;
  /** Relative tolerance (default 1e-2). */
  rtol?: number;
}

/** The worst disagreement found, and whether all elements passed. */
export interface GradcheckReport {
  ok: boolean;
  maxAbsError: number;
  worst: { input: number; index: number; analytic: number; numeric: number } | null;
  /** A one-line summary naming the worst element. */
  message: string;
}

function projection(n: number, seed: number): Float64Array {
  // A fixed, well-spread projection (not the global generator, so gradcheck does not perturb it).
  const v = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    v[i] = 0.5 + (s >>> 0) / 2 ** 32;
  }
  return v;
}

/**
 * Compares the analytic gradient of `fn` with central differences at `inputs`.
 * @example
 * ```ts
 * const r = gradcheck((a, b) => a.mul(b).sin(), [randn([3]), randn([3])]);
 * expect(r.ok).toBe(true);
 * ```
 */
export function gradcheck(
  fn: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  options: GradcheckOptions = {},
): GradcheckReport {
  const eps = options.eps ?? 1e-2;
  const atol = options.atol ?? 1e-2;
  const rtol = options.rtol ?? 1e-2;
  return scope(() => {
    const probe = noGrad(() => fn(...inputs));
    const v = projection(probe.size, 12345);
    probe.dispose();
    const vt = tensor(Float32Array.from(v), { shape: probe.shape as number[] });
    const L = (...xs: Tensor[]) =>
      fn(...xs)
        .mul(vt)
        .sum();
    const value = (xs: Tensor[]) =>
      noGrad(() => {
        const out = fn(...xs);
        const d = out.dataSync();
        out.dispose();
        let s = 0;
        for (let i = 0; i < d.length; i++) s += d[i] * v[i];
        return s;
      });
    const argnums = inputs.map((_, i) => i);
    const analytic = grad(L, argnums)(...inputs) as Tensor[];
    let worst: GradcheckReport['worst'] = null;
    let maxAbsError = 0;
    let ok = true;
    inputs.forEach((x, which) => {
      const a = analytic[which].dataSync();
      const base = x.ptr >>> 2;
      for (let i = 0; i < x.size; i++) {
        const f32 = heap().f32();
        const orig = f32[base + i];
        f32[base + i] = orig + eps;
        const plus = value(inputs);
        heap().f32()[base + i] = orig - eps;
        const minus = value(inputs);
        heap().f32()[base + i] = orig;
        const numeric = (plus - minus) / (2 * eps);
        const err = Math.abs(numeric - a[i]);
        if (err > atol + rtol * Math.abs(numeric)) ok = false;
        if (err >= maxAbsError) {
          maxAbsError = err;
          worst = { input: which, index: i, analytic: a[i], numeric };
        }
      }
    });
    const w = worst as GradcheckReport['worst'];
    const message = w
      ? `gradcheck ${ok ? 'passed' : 'FAILED'}: worst element is input ${w.input} index ${w.index}: analytic ${w.analytic}, numeric ${w.numeric} (abs error ${maxAbsError})`
      : 'gradcheck: no elements';
    return { ok, maxAbsError, worst: w, message };
  });
}
