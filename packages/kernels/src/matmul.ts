// Matrix multiply: validated wrapper over matmul_f32.
import { checkCount, checkElems } from './check.js';
import { wasm } from './loader.js';

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

/** out[t] = op(a[t])·op(b[t]) (+ bias) (+ out[t]) for t < batch. */
export function matmul(args: MatmulArgs): void {
  const { a, b, out, m, n, k } = args;
  const batch = args.batch ?? 1;
  for (const [name, v] of [
    ['m', m],
    ['n', n],
    ['k', k],
    ['batch', batch],
  ] as const)
    checkCount('matmul', name, v);
  const sA = args.strideA ?? m * k;
  const sB = args.strideB ?? k * n;
  const sC = args.strideOut ?? m * n;
  if (batch === 0 || m === 0 || n === 0) return;
  const span = (stride: number, size: number) => (batch - 1) * stride + size;
  checkElems('matmul', 'a', a, span(sA, m * k));
  checkElems('matmul', 'b', b, span(sB, k * n));
  checkElems('matmul', 'out', out, span(sC, m * n));
  let flags = (args.transA ? 1 : 0) | (args.transB ? 2 : 0) | (args.accumulate ? 4 : 0);
  if (args.bias !== undefined) {
    checkElems('matmul', 'bias', args.bias, n);
    flags |= 8;
  }
  wasm().matmul_f32(a, b, out, args.bias ?? 0, m, n, k, flags, batch, sA, sB, sC);
}
