// Matrix multiply: validated wrapper over matmul_f32, and the packing scratch it lends it.
import { checkCount, checkElems } from './check.js';
import { heap, wasm } from './loader.js';
import type { Allocator } from './memory.js';
import { runMatmul } from './threads.js';

/** Arguments of {@link matmul}. Pointers are kernel-heap byte offsets of contiguous row-major f32 data. */
export interface MatmulArgs {
  a: number;
  b: number;
  out: number;
  m: number;
  n: number;
  k: number;
  /** A is stored [k, m] and used transposed. */
  transA?: boolean;
  /** B is stored [n, k] and used transposed. */
  transB?: boolean;
  /** Pointer to n f32 added to every output row. */
  bias?: number;
  /** Add into `out` instead of overwriting it. */
  accumulate?: boolean;
  /** Number of matrices (default 1). */
  batch?: number;
  /** Batch strides in elements; 0 reuses one matrix for every batch entry. Defaults: m*k, k*n, m*n. */
  strideA?: number;
  strideB?: number;
  strideOut?: number;
}

// Flag bits of matmul_f32 (assembly/matmul.ts).
const MM_TRANS_A = 1;
const MM_TRANS_B = 2;
const MM_ACCUMULATE = 4;
const MM_BIAS = 8;

// The GEMM packs panels of A and B into scratch. Kernels never allocate, so one block is
// kept here for every call, grown when a larger product needs more. One per heap: a build
// loaded beside the main one (loadBuild) has a heap of its own, and calls may alternate.
const scratch = new WeakMap<Allocator, { ptr: number; bytes: number }>();

function packScratch(bytes: number): number {
  const h = heap();
  const kept = scratch.get(h);
  if (kept && kept.bytes >= bytes) return kept.ptr;
  if (kept) h.free(kept.ptr);
  const ptr = h.alloc(bytes);
  scratch.set(h, { ptr, bytes: h.sizeOf(ptr) });
  return ptr;
}

/**
 * Frees the packing scratch that {@link matmul} keeps between calls (at most a few MiB);
 * the next matmul allocates it again. For leak checks that expect an empty heap.
 */
export function releaseMatmulScratch(): void {
  const kept = scratch.get(heap());
  if (kept) heap().free(kept.ptr);
  scratch.delete(heap());
}

/**
 * out[t] = op(a[t])·op(b[t]) (+ bias) (+ out[t]) for t < batch, where op(a) is a [m, k]
 * (or a stored [k, m] with transA) and op(b) is b [k, n] (or b stored [n, k] with transB).
 * All three forms used by backpropagation (A·B, A·Bᵀ, Aᵀ·B) run at the same speed.
 *
 * @example
 * ```ts
 * // y[128, 10] = x[128, 784] · w[10, 784]ᵀ + bias[10]
 * matmul({ a: x, b: w, out: y, m: 128, n: 10, k: 784, transB: true, bias });
 * ```
 */
export function matmul(args: MatmulArgs): void {
  const { a, b, out, m, n, k, bias } = args;
  const batch = args.batch ?? 1;
  const sA = args.strideA ?? m * k;
  const sB = args.strideB ?? k * n;
  const sC = args.strideOut ?? m * n;
  checkCount('matmul', 'm', m);
  checkCount('matmul', 'n', n);
  checkCount('matmul', 'k', k);
  checkCount('matmul', 'batch', batch);
  checkCount('matmul', 'strideA', sA);
  checkCount('matmul', 'strideB', sB);
  checkCount('matmul', 'strideOut', sC);
  if (batch === 0 || m === 0 || n === 0) return;
  const span = (stride: number, size: number) => (batch - 1) * stride + size;
  checkElems('matmul', 'a', a, span(sA, m * k));
  checkElems('matmul', 'b', b, span(sB, k * n));
  checkElems('matmul', 'out', out, span(sC, m * n));
  if (bias !== undefined) checkElems('matmul', 'bias', bias, n);
  const flags =
    (args.transA ? MM_TRANS_A : 0) |
    (args.transB ? MM_TRANS_B : 0) |
    (args.accumulate ? MM_ACCUMULATE : 0) |
    (bias !== undefined ? MM_BIAS : 0);
  runMatmul(wasm(), a, b, out, bias ?? 0, m, n, k, flags, batch, sA, sB, sC, packScratch);
}
