// Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_.
import type { Tensor } from '@asgrad/autograd';
import { affine, clamp, dotF32, heap } from '@asgrad/kernels';
import { isTensor, nonNegative, show } from './validate.js';

/** Options of {@link clipGradNorm}. */
export interface ClipGradNormOptions {
  /** The p of the p-norm; `Infinity` for the max norm. Default 2. */
  normType?: number;
  /** Throw if the total norm is NaN or infinite (PyTorch's error_if_nonfinite). Default false. */
  errorIfNonfinite?: boolean;
}

function gradsOf(op: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  const list = isTensor(params) ? [params] : [...params];
  const grads: Tensor[] = [];
  list.forEach((p, i) => {
    if (!isTensor(p)) throw new Error(`${op}: params[${i}] is not a Tensor (got ${show(p)})`);
    const g = p.grad;
    if (g === null) return;
    if (g.isDisposed || g.dtype !== 'float32')
      throw new Error(`${op}: the gradient of params[${i}] is disposed or not float32`);
    grads.push(g);
  });
  return grads;
}

function view(t: Tensor): Float32Array {
  const start = t.ptr >>> 2;
  return heap()
    .f32()
    .subarray(start, start + t.size);
}

/**
 * Rescales the gradients of `params` in place so that their combined norm (the norm of all
 * gradients concatenated) is at most `maxNorm`, and returns that norm as it was before
 * clipping. Gradients are multiplied by `maxNorm / (norm + 1e-6)` when that is below 1, as
 * PyTorch does. Parameters without a gradient are skipped.
 *
 * @example
 * ```ts
 * loss.backward();
 * const norm = clipGradNorm(model.parameters(), 1.0);
 * optimizer.step();
 * ```
 */
export function clipGradNorm(
  params: Tensor | Iterable<Tensor>,
  maxNorm: number,
  options: ClipGradNormOptions = {},
): number {
  const op = 'clipGradNorm';
  nonNegative(op, 'maxNorm', maxNorm);
  const p = options.normType ?? 2;
  if (typeof p !== 'number' || !(p > 0))
    throw new Error(`${op}: normType must be a number > 0 or Infinity, got ${show(p)}`);
  const grads = gradsOf(op, params);
  // Per-tensor sums in the kernels (f32, as PyTorch's per-tensor norms), combined in float64.
  let total = 0;
  for (const g of grads) {
    if (p === 2) {
      total += dotF32(g.ptr, g.ptr, g.size);
      continue;
    }
    const v = view(g);
    if (p === Number.POSITIVE_INFINITY) {
      for (let i = 0; i < v.length; i++) total = Math.max(total, Math.abs(v[i]));
    } else {
      for (let i = 0; i < v.length; i++) total += Math.abs(v[i]) ** p;
    }
  }
  const norm = p === Number.POSITIVE_INFINITY ? total : p === 2 ? Math.sqrt(total) : total ** (1 / p);
  if (options.errorIfNonfinite && !Number.isFinite(norm)) {
    throw new Error(
      `${op}: the total norm of order ${p} of the gradients is ${norm}; set errorIfNonfinite: false to clip anyway`,
    );
  }
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (const g of grads) affine(g.ptr, g.ptr, g.size, coef, 0);
  return norm;
}

/**
 * Clamps every gradient element of `params` into [−clipValue, clipValue], in place.
 *
 * @example
 * ```ts
 * loss.backward();
 * clipGradValue(model.parameters(), 0.5);
 * optimizer.step();
 * ```
 */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  const op = 'clipGradValue';
  nonNegative(op, 'clipValue', clipValue);
  for (const g of gradsOf(op, params)) clamp(g.ptr, g.ptr, g.size, -clipValue, clipValue);
}
