// Reductions: sum, mean, max, min over any set of axes (negative allowed, keepDim), argmax /
// argmin, and sumTo (the reduction of a broadcast gradient back to an input's shape).
import * as k from '@asgrad/kernels';
import { noGrad, record } from '../graph.js';
import { fmt, normAxes, normAxis, numel, sameShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { compare, div, mul } from './elementwise.js';
import { expand, reshape } from './shape.js';
import { checkTensor, empty } from './util.js';

function shapes(x: Tensor, axes: readonly number[], keepDim: boolean) {
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const final = keepDim ? kept : x.shape.filter((_, i) => !axes.includes(i));
  return { kept, final };
}

function kReduce(op: k.ReduceOp, name: string, x: Tensor, axes: number[], keepDim: boolean) {
  const { kept, final } = shapes(x, axes, keepDim);
  for (const a of axes) {
    if (x.shape[a] === 0 && (op === 'max' || op === 'min')) {
      throw new Error(`${name}: cannot reduce over axis ${a} of size 0 (shape ${fmt(x.shape)})`);
    }
  }
  const out = empty(final);
  k.reduce(op, x.ptr, x.shape as number[], axes, out.ptr);
  return { out, kept };
}

/** Sum over `axis` (all axes by default). */
export function sum(x: Tensor, axis?: number | number[], keepDim = false): Tensor {
  checkTensor('sum', x, 'float32');
  const axes = normAxes('sum', axis, x.rank);
  const { out, kept } = kReduce('sum', 'sum', x, axes, keepDim);
  const xs = x.shape;
  return record('sum', [x], out, (g) => [expand(reshape(g, kept), xs)]);
}

/** Mean over `axis` (all axes by default). */
export function mean(x: Tensor, axis?: number | number[], keepDim = false): Tensor {
  checkTensor('mean', x, 'float32');
  const axes = normAxes('mean', axis, x.rank);
  const count = numel(axes.map((a) => x.shape[a]));
  if (count === 0) throw new Error(`mean: cannot average over an empty axis (shape ${fmt(x.shape)})`);
  const { out, kept } = kReduce('mean', 'mean', x, axes, keepDim);
  const xs = x.shape;
  return record('mean', [x], out, (g) => [mul(expand(reshape(g, kept), xs), 1 / count)]);
}

/** Maximum over `axis`; the gradient is shared evenly between tied maxima. */
export function max(x: Tensor, axis?: number | number[], keepDim = false): Tensor {
  return extreme('max', x, axis, keepDim);
}

/** Minimum over `axis`; the gradient is shared evenly between tied minima. */
export function min(x: Tensor, axis?: number | number[], keepDim = false): Tensor {
  return extreme('min', x, axis, keepDim);
}

function extreme(
  op: 'max' | 'min',
  x: Tensor,
  axis: number | number[] | undefined,
  keepDim: boolean,
): Tensor {
  checkTensor(op, x, 'float32');
  const axes = normAxes(op, axis, x.rank);
  const { out, kept } = kReduce(op, op, x, axes, keepDim);
  const xs = x.shape;
  return record(
    op,
    [x],
    out,
    (g, [sx, sy]) => {
      const share = noGrad(() => {
        const yb = expand(reshape(sy, kept), xs);
        const mask = compare('eq', sx, yb);
        const count = expand(sumKeep(mask, axes, kept), xs);
        const s = div(mask, count);
        for (const t of [yb, mask, count]) t.dispose();
        return s;
      });
      const r = mul(expand(reshape(g, kept), xs), share);
      share.dispose();
      return [r];
    },
    [x, out],
  );
}

function sumKeep(x: Tensor, axes: number[], kept: number[]): Tensor {
  const out = empty(kept);
  k.reduce('sum', x.ptr, x.shape as number[], axes, out.ptr);
  return out;
}

/** Index of the maximum along `axis` (of the flattened tensor by default), int32. */
export function argmax(x: Tensor, axis?: number, keepDim = false): Tensor {
  return argExtreme('argmax', x, axis, keepDim);
}

/** Index of the minimum along `axis` (of the flattened tensor by default), int32. */
export function argmin(x: Tensor, axis?: number, keepDim = false): Tensor {
  return argExtreme('argmin', x, axis, keepDim);
}

function argExtreme(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, keepDim: boolean): Tensor {
  checkTensor(op, x, 'float32');
  const shape = axis === undefined ? [x.size] : (x.shape as number[]);
  const a = axis === undefined ? 0 : normAxis(op, axis, x.rank);
  if (shape[a] === 0) throw new Error(`${op}: cannot take ${op} over an empty axis (shape ${fmt(x.shape)})`);
  const final =
    axis === undefined
      ? keepDim
        ? x.shape.map(() => 1)
        : []
      : keepDim
        ? shape.map((d, i) => (i === a ? 1 : d))
        : shape.filter((_, i) => i !== a);
  const out = empty(final, 'int32');
  (op === 'argmax' ? k.argmax : k.argmin)(x.ptr, shape, a, out.ptr);
  return out;
}

/** Sums `x` down to `shape` (the inverse of broadcasting); returns `x` itself when the shapes match. */
export function sumTo(x: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const out = empty(shape);
  k.sumToShape(x.ptr, x.shape as number[], out.ptr, shape as number[]);
  const xs = x.shape;
  return record('sumTo', [x], out, (g) => [expand(g, xs)]);
}
