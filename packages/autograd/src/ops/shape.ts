// Shape ops. reshape shares memory; transpose / permute / slice / expand copy through the
// strided-copy kernel (tensors are always contiguous, which keeps every kernel simple).
import * as k from '@asgrad/kernels';
import { heap } from '@asgrad/kernels';
import { record } from '../graph.js';
import {
  broadcastShapes,
  broadcastStrides,
  checkShape,
  contiguousStrides,
  fmt,
  normAxis,
  numel,
  sameShape,
} from '../shape.js';
import { Tensor } from '../tensor.js';
import { sumTo } from './reduce.js';
import { checkTensor, empty } from './util.js';

/** Same data, new shape (one dimension may be -1). Shares memory with `x`. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('reshape', x);
  const target = [...shape];
  const free = target.indexOf(-1);
  if (free !== target.lastIndexOf(-1))
    throw new Error(`reshape: only one dimension can be -1, got ${fmt(shape)}`);
  if (free >= 0) {
    const rest = numel(target.filter((_, i) => i !== free));
    if (rest === 0 || x.size % rest !== 0) {
      throw new Error(
        `reshape: cannot reshape tensor of shape ${fmt(x.shape)} (${x.size} elements) into ${fmt(shape)}`,
      );
    }
    target[free] = x.size / rest;
  }
  checkShape('reshape', target);
  if (numel(target) !== x.size) {
    throw new Error(
      `reshape: cannot reshape tensor of shape ${fmt(x.shape)} (${x.size} elements) into ${fmt(shape)}`,
    );
  }
  const out = new Tensor(x.storage.retain(), target, x.dtype);
  const xs = x.shape;
  return record('reshape', [x], out, (g) => [reshape(g, xs)]);
}

/** Flattens dimensions startDim..endDim into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor('flatten', x);
  if (x.rank === 0) return reshape(x, [1]);
  const s = normAxis('flatten', startDim, x.rank);
  const e = normAxis('flatten', endDim, x.rank);
  if (s > e) throw new Error(`flatten: startDim ${startDim} comes after endDim ${endDim} for rank ${x.rank}`);
  const shape = [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Reorders dimensions: output dim i is input dim dims[i]. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  checkTensor('permute', x);
  if (dims.length !== x.rank)
    throw new Error(`permute: got ${dims.length} dims [${dims.join(',')}] for a tensor of rank ${x.rank}`);
  const p = dims.map((d) => normAxis('permute', d, x.rank));
  if (new Set(p).size !== p.length) throw new Error(`permute: repeated dimension in [${dims.join(',')}]`);
  const strides = contiguousStrides(x.shape);
  const shape = p.map((d) => x.shape[d]);
  const out = empty(shape, x.dtype);
  k.stridedCopy32(
    x.ptr,
    0,
    out.ptr,
    shape,
    p.map((d) => strides[d]),
  );
  const inverse = new Array<number>(p.length);
  p.forEach((d, i) => {
    inverse[d] = i;
  });
  return record('permute', [x], out, (g) => [permute(g, inverse)]);
}

/** Swaps two dimensions (the last two by default). */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  checkTensor('transpose', x);
  if (x.rank < 2 && dim0 === -2 && dim1 === -1)
    throw new Error(`transpose: tensor of rank ${x.rank} has no two dims to swap`);
  const a = normAxis('transpose', dim0, x.rank);
  const b = normAxis('transpose', dim1, x.rank);
  const dims = x.shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}

/** Broadcasts `x` to `shape` (a materialised copy). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('expand', x);
  if (sameShape(x.shape, shape)) return x;
  const target = broadcastShapes('expand', x.shape, shape);
  if (!sameShape(target, shape))
    throw new Error(`expand: cannot expand shape ${fmt(x.shape)} to ${fmt(shape)}`);
  const out = empty(shape, x.dtype);
  k.stridedCopy32(x.ptr, 0, out.ptr, [...shape], broadcastStrides(x.shape, shape));
  const xs = x.shape;
  return record('expand', [x], out, (g) => [sumTo(g, xs)]);
}

/** Removes size-1 dimensions (all of them, or only `axis`). */
export function squeeze(x: Tensor, axis?: number): Tensor {
  checkTensor('squeeze', x);
  if (axis === undefined)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  const a = normAxis('squeeze', axis, x.rank);
  if (x.shape[a] !== 1) return reshape(x, x.shape);
  return reshape(
    x,
    x.shape.filter((_, i) => i !== a),
  );
}

/** Inserts a size-1 dimension at `axis`. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  checkTensor('unsqueeze', x);
  const a = normAxis('unsqueeze', axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

type Range = [number, number] | number | null;

function resolveRanges(op: string, shape: readonly number[], ranges: readonly Range[]) {
  if (ranges.length > shape.length)
    throw new Error(`${op}: ${ranges.length} ranges for a tensor of rank ${shape.length}`);
  return shape.map((d, i) => {
    const r = ranges[i] ?? null;
    if (r === null) return { start: 0, len: d, drop: false };
    if (typeof r === 'number') {
      const idx = r < 0 ? r + d : r;
      if (!Number.isInteger(r) || idx < 0 || idx >= d)
        throw new Error(`${op}: index ${r} is out of range for axis ${i} of size ${d}`);
      return { start: idx, len: 1, drop: true };
    }
    let [s, e] = r;
    if (!Number.isInteger(s) || !Number.isInteger(e))
      throw new Error(`${op}: range [${s}, ${e}] on axis ${i} must be integers`);
    if (s < 0) s += d;
    if (e < 0) e += d;
    s = Math.min(Math.max(s, 0), d);
    e = Math.min(Math.max(e, s), d);
    return { start: s, len: e - s, drop: false };
  });
}

/** Takes `[start, end)` along each axis (null keeps the axis; a number picks one index and drops the axis). */
export function slice(x: Tensor, ranges: readonly Range[]): Tensor {
  checkTensor('slice', x);
  const rs = resolveRanges('slice', x.shape, ranges);
  const strides = contiguousStrides(x.shape);
  const inner = rs.map((r) => r.len);
  const offset = rs.reduce((acc, r, i) => acc + r.start * strides[i], 0);
  const out = empty(inner, x.dtype);
  if (out.size > 0) k.stridedCopy32(x.ptr, offset, out.ptr, inner, strides);
  const finalShape = inner.filter((_, i) => !rs[i].drop);
  const shaped = sameShape(finalShape, inner) ? out : reshapeOwned(out, finalShape);
  const xs = x.shape;
  return record('slice', [x], shaped, (g) => [
    sliceBackward(
      g,
      xs,
      rs.map((r) => r.start),
      inner,
    ),
  ]);
}

function reshapeOwned(t: Tensor, shape: number[]): Tensor {
  const r = new Tensor(t.storage.retain(), shape, t.dtype);
  t.dispose();
  return r;
}

/** The gradient of a slice: `g` written into a zero tensor of the input's shape. */
function sliceBackward(g: Tensor, shape: readonly number[], starts: number[], inner: number[]): Tensor {
  const gi = reshape(g, inner);
  const out = empty(shape);
  k.fillF32(out.ptr, out.size, 0);
  if (gi.size > 0) {
    const strides = contiguousStrides(shape);
    const offset = starts.reduce((acc, s, i) => acc + s * strides[i], 0);
    k.stridedStore32(gi.ptr, out.ptr, offset, inner, strides);
  }
  const gs = g.shape;
  return record('sliceBackward', [gi], out, (gg) => [
    reshape(
      slice(
        gg,
        starts.map((s, i) => [s, s + inner[i]]),
      ),
      gs,
    ),
  ]);
}

/** Entries along `axis` picked by `indices` (PyTorch's index_select). */
export function indexSelect(
  x: Tensor,
  axis: number,
  indices: readonly number[] | Int32Array | Tensor,
): Tensor {
  checkTensor('indexSelect', x);
  const a = normAxis('indexSelect', axis, x.rank);
  const idx = indices instanceof Tensor ? Array.from(indices.dataSync()) : Array.from(indices);
  for (const i of idx) {
    if (!Number.isInteger(i) || i < 0 || i >= x.shape[a]) {
      throw new Error(`indexSelect: index ${i} is out of range for axis ${a} of size ${x.shape[a]}`);
    }
  }
  const outer = numel(x.shape.slice(0, a));
  const inner = numel(x.shape.slice(a + 1));
  const shape = [...x.shape];
  shape[a] = idx.length;
  const out = empty(shape, x.dtype);
  const buf = heap().i32();
  const xs0 = x.ptr >>> 2;
  const o0 = out.ptr >>> 2;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < idx.length; j++) {
      const from = xs0 + (o * x.shape[a] + idx[j]) * inner;
      buf.copyWithin(o0 + (o * idx.length + j) * inner, from, from + inner);
    }
  }
  const xs = x.shape;
  return record('indexSelect', [x], out, (g) => [indexAdd(g, xs, a, idx)]);
}

/** Zeros of `shape` with `g`'s entries added at `idx` along `axis` (the gradient of indexSelect). */
function indexAdd(g: Tensor, shape: readonly number[], a: number, idx: number[]): Tensor {
  const out = empty(shape);
  k.fillF32(out.ptr, out.size, 0);
  const f32 = heap().f32();
  const outer = numel(shape.slice(0, a));
  const inner = numel(shape.slice(a + 1));
  const g0 = g.ptr >>> 2;
  const o0 = out.ptr >>> 2;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < idx.length; j++) {
      const to = o0 + (o * shape[a] + idx[j]) * inner;
      const from = g0 + (o * idx.length + j) * inner;
      for (let i = 0; i < inner; i++) f32[to + i] += f32[from + i];
    }
  }
  return record('indexAdd', [g], out, (gg) => [indexSelect(gg, a, idx)]);
}

/** Joins tensors along an existing axis. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0)
    throw new Error('concat: needs a non-empty array of tensors');
  tensors.forEach((t, i) => checkTensor('concat', t, undefined, `tensor ${i}`));
  const first = tensors[0];
  const a = normAxis('concat', axis, first.rank);
  for (const t of tensors) {
    const ok =
      t.rank === first.rank &&
      t.dtype === first.dtype &&
      t.shape.every((d: number, i: number) => i === a || d === first.shape[i]);
    if (!ok) {
      throw new Error(
        `concat: shapes ${tensors.map((u) => fmt(u.shape)).join(', ')} (${tensors.map((u) => u.dtype).join(', ')}) differ outside axis ${a}`,
      );
    }
  }
  const shape = [...first.shape];
  shape[a] = tensors.reduce((s, t) => s + t.shape[a], 0);
  const out = empty(shape, first.dtype);
  const outer = numel(shape.slice(0, a));
  const inner = numel(shape.slice(a + 1));
  const buf = heap().i32();
  const o0 = out.ptr >>> 2;
  let at = 0;
  for (const t of tensors) {
    const run = t.shape[a] * inner;
    const t0 = t.ptr >>> 2;
    for (let o = 0; o < outer; o++)
      buf.copyWithin(o0 + o * shape[a] * inner + at, t0 + o * run, t0 + (o + 1) * run);
    at += run;
  }
  const offsets: number[] = [];
  let start = 0;
  for (const t of tensors) {
    offsets.push(start);
    start += t.shape[a];
  }
  return record('concat', tensors, out, (g) =>
    tensors.map((t, i) =>
      t.requiresGrad
        ? slice(
            g,
            shape.map(
              (_: number, d: number): Range => (d === a ? [offsets[i], offsets[i] + t.shape[a]] : null),
            ),
          )
        : null,
    ),
  );
}

/** Stacks same-shaped tensors along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0)
    throw new Error('stack: needs a non-empty array of tensors');
  tensors.forEach((t, i) => checkTensor('stack', t, undefined, `tensor ${i}`));
  for (const t of tensors) {
    if (!sameShape(t.shape, tensors[0].shape)) {
      throw new Error(
        `stack: all tensors must have the same shape, got ${tensors.map((u) => fmt(u.shape)).join(', ')}`,
      );
    }
  }
  const a = normAxis('stack', axis, tensors[0].rank + 1);
  const parts = tensors.map((t) => unsqueeze(t, a));
  const out = concat(parts, a);
  for (const p of parts) p.dispose();
  return out;
}
