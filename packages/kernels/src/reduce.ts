// Reductions: validated wrappers over reduce_f32, argmax_f32 / argmin_f32, sum_all_f32, dot_f32.
// The wrapper turns (shape, axes) into the kernel's plan: size-1 axes dropped, neighbouring
// axes of the same kind merged, so the kernel sees at most three kept and three reduced groups.
import { checkCount, checkElems } from './check.js';
import { heap, wasm, writeScratch } from './loader.js';

/** What {@link reduce} computes over the reduced axes. */
export type ReduceOp = 'sum' | 'mean' | 'max' | 'min';

/** Highest tensor rank the kernels accept. */
const MAX_RANK = 6;

const OP_CODES: Record<ReduceOp, number> = { sum: 0, mean: 1, max: 2, min: 3 };

const fmt = (a: readonly number[]) => `[${a.join(',')}]`;

/** Validates a shape (integers >= 0, rank <= 6) and returns its element count. */
function checkShape(op: string, name: string, shape: readonly number[]): number {
  if (!Array.isArray(shape)) throw new Error(`${op}: ${name} must be an array of sizes, got ${shape}`);
  if (shape.length > MAX_RANK)
    throw new Error(`${op}: ${name} ${fmt(shape)} has rank ${shape.length}, more than ${MAX_RANK}`);
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new Error(`${op}: ${name} ${fmt(shape)} must hold non-negative integer sizes`);
    n *= d;
  }
  return n;
}

// The plan is rebuilt on every call (a bias gradient is one per layer per step), so it is built
// in reused arrays: with a Group object per axis and spread copies it cost ~2.5 µs, more than
// the kernel for a [128, 128] bias gradient.
const groupSize: number[] = [];
const groupReduced: boolean[] = [];
const dims: number[] = new Array(12).fill(0);

/**
 * The kernel plan for reducing `shape` over the axes flagged in `reduced`: size-1 axes dropped,
 * neighbours of the same kind merged; the innermost group is the contiguous run, the others
 * (at most three of each kind, padded in front with size 1, stride 0) are written to `dims` as
 * kept sizes, kept strides, reduced sizes, reduced strides.
 */
function plan(shape: readonly number[], reduced: readonly boolean[]) {
  let groups = 0;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    if (groups > 0 && groupReduced[groups - 1] === reduced[d]) groupSize[groups - 1] *= shape[d];
    else {
      groupSize[groups] = shape[d];
      groupReduced[groups] = reduced[d];
      groups++;
    }
  }
  if (groups === 0) {
    groupSize[0] = 1;
    groupReduced[0] = false;
    groups = 1;
  }
  const inner = groupSize[groups - 1];
  const innerReduced = groupReduced[groups - 1];
  // Fill each kind's three slots from the back, outer groups last (the padding stays in front).
  let kept = 2;
  let red = 2;
  for (let i = 0; i < 3; i++) {
    dims[i] = dims[6 + i] = 1;
    dims[3 + i] = dims[9 + i] = 0;
  }
  let stride = inner;
  for (let g = groups - 2; g >= 0; g--) {
    const at = groupReduced[g] ? 6 + red-- : kept--;
    dims[at] = groupSize[g];
    dims[at + 3] = stride;
    stride *= groupSize[g];
  }
  return { dims, inner, innerReduced };
}

function runReduce(
  name: string,
  op: ReduceOp,
  x: number,
  shape: readonly number[],
  reduced: readonly boolean[],
  out: number,
  outCount: number,
): void {
  const n = shape.reduce((a, b) => a * b, 1);
  checkElems(name, 'x', x, n);
  checkElems(name, 'out', out, outCount);
  if (outCount === 0) return;
  if (n === 0 && (op === 'max' || op === 'min'))
    throw new Error(`${name}: ${op} over an empty axis of shape ${fmt(shape)} has no identity`);
  const p = plan(shape, reduced);
  wasm().reduce_f32(OP_CODES[op], x, out, writeScratch(p.dims), p.inner, p.innerReduced ? 1 : 0);
}

/**
 * Reduces the contiguous f32 tensor `x` of `shape` over `axes` with `op` into `out`, whose
 * shape is `shape` with the reduced axes set to 1 (keepDim layout; the element count is the
 * same without them). Sums are accumulated in f64 across blocks; max/min propagate NaN; the
 * mean of an empty axis is NaN.
 *
 * @param axes sorted, unique, non-negative axis indices (may be empty: out = x).
 * @example
 * ```ts
 * reduce('sum', x, [2, 3], [1], out); // out: [2, 1] row sums
 * ```
 */
export function reduce(
  op: ReduceOp,
  x: number,
  shape: readonly number[],
  axes: readonly number[],
  out: number,
): void {
  if (!(op in OP_CODES)) throw new Error(`reduce: unknown op '${op}' (sum, mean, max, min)`);
  const name = `reduce(${op})`;
  checkShape(name, 'shape', shape);
  const rank = shape.length;
  if (!Array.isArray(axes)) throw new Error(`${name}: axes must be an array, got ${axes}`);
  for (let i = 0; i < axes.length; i++) {
    const a = axes[i];
    if (!Number.isInteger(a) || a < 0 || a >= rank || (i > 0 && a <= axes[i - 1]))
      throw new Error(
        `${name}: axes ${fmt(axes)} must be sorted, unique integers in [0, ${rank}) for shape ${fmt(shape)}`,
      );
  }
  const reduced = shape.map((_, d) => axes.includes(d));
  const outCount = shape.reduce((acc, s, d) => (reduced[d] ? acc : acc * s), 1);
  runReduce(name, op, x, shape, reduced, out, outCount);
}

function argExtreme(
  op: 'argmax' | 'argmin',
  x: number,
  shape: readonly number[],
  axis: number,
  out: number,
): void {
  const n = checkShape(op, 'shape', shape);
  if (!Number.isInteger(axis) || axis < 0 || axis >= shape.length)
    throw new Error(`${op}: axis ${axis} is not in [0, ${shape.length}) for shape ${fmt(shape)}`);
  const len = shape[axis];
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  checkElems(op, 'x', x, n);
  checkElems(op, 'out', out, outer * inner);
  if (outer * inner === 0) return;
  if (len === 0) throw new Error(`${op}: axis ${axis} of shape ${fmt(shape)} is empty`);
  wasm()[`${op}_f32`](x, out, outer, len, inner);
}

/**
 * Writes to the i32 block `out` (shape: `shape` with `axis` set to 1) the index along `axis`
 * of the largest element of `x`; ties give the first index, and a NaN counts as largest.
 *
 * @example
 * ```ts
 * argmax(logits, [batch, 10], 1, predictions); // predictions: Int32 [batch, 1]
 * ```
 */
export function argmax(x: number, shape: readonly number[], axis: number, out: number): void {
  argExtreme('argmax', x, shape, axis, out);
}

/** Like {@link argmax}, for the smallest element (first index on ties, NaN counts as smallest). */
export function argmin(x: number, shape: readonly number[], axis: number, out: number): void {
  argExtreme('argmin', x, shape, axis, out);
}

/**
 * Sums `x` of `shape` down to `outShape`, the shape it was broadcast from (NumPy rules,
 * right-aligned; `outShape` may have fewer dims). This is the backward of broadcasting.
 *
 * @example
 * ```ts
 * sumToShape(dy, [32, 10], dBias, [10]); // bias gradient: column sums
 * ```
 */
export function sumToShape(
  x: number,
  shape: readonly number[],
  out: number,
  outShape: readonly number[],
): void {
  checkShape('sumToShape', 'shape', shape);
  const outCount = checkShape('sumToShape', 'outShape', outShape);
  const bad = () => new Error(`sumToShape: shape ${fmt(shape)} cannot be summed to ${fmt(outShape)}`);
  const extra = outShape.length - shape.length;
  if (extra > 0 && outShape.slice(0, extra).some((d) => d !== 1)) throw bad();
  const target = [...Array(Math.max(0, -extra)).fill(1), ...outShape.slice(Math.max(0, extra))];
  const reduced = shape.map((s, d) => {
    if (target[d] !== s && target[d] !== 1) throw bad();
    return target[d] === 1 && s !== 1;
  });
  runReduce('sumToShape', 'sum', x, shape, reduced, out, outCount);
}

/**
 * Σ x[i] for i < n, accumulated in f64 across blocks and rounded to f32.
 *
 * @example
 * ```ts
 * const total = sumAll(grad, grad.length);
 * ```
 */
export function sumAll(x: number, n: number): number {
  checkCount('sumAll', 'n', n);
  checkElems('sumAll', 'x', x, n);
  const slot = writeScratch([0]);
  wasm().sum_all_f32(x, n, slot);
  return heap().f32()[slot >>> 2];
}

/**
 * Σ a[i]*b[i] for i < n (rounded to f32), e.g. a squared norm with `dotF32(g, g, n)`.
 *
 * @example
 * ```ts
 * const norm = Math.sqrt(dotF32(g, g, n));
 * ```
 */
export function dotF32(a: number, b: number, n: number): number {
  checkCount('dotF32', 'n', n);
  checkElems('dotF32', 'a', a, n);
  checkElems('dotF32', 'b', b, n);
  const slot = writeScratch([0]);
  wasm().dot_f32(a, b, n, slot);
  return heap().f32()[slot >>> 2];
}
