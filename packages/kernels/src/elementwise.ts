// Elementwise kernels: validated wrappers over assembly/elementwise.ts. Every argument is
// checked before the kernel runs, so a bad size or stride is an Error naming the op, never an
// out-of-bounds read or write.
import { checkCount, checkElems } from './check.js';
import { wasm, writeScratch } from './loader.js';
import { parallelElementwise } from './threads.js';

/** Unary ops: `step` is x > 0 ? 1 : 0; `gelu` is PyTorch's exact erf form. */
export type UnaryOp =
  | 'neg'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'abs'
  | 'relu'
  | 'leakyRelu'
  | 'sigmoid'
  | 'tanh'
  | 'gelu'
  | 'sign'
  | 'step';

/** Binary ops; comparisons give 1.0 / 0.0. */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'gt'
  | 'ge'
  | 'lt'
  | 'le'
  | 'eq';

/** Unary op names; the index is the kernel's op code (UNARY_* in assembly/elementwise.ts). */
export const UNARY_OPS: readonly UnaryOp[] = [
  'neg',
  'exp',
  'log',
  'sqrt',
  'abs',
  'relu',
  'leakyRelu',
  'sigmoid',
  'tanh',
  'gelu',
  'sign',
  'step',
];

/** Binary op names; the index is the kernel's op code (BINARY_* in assembly/elementwise.ts). */
export const BINARY_OPS: readonly BinaryOp[] = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'gt',
  'ge',
  'lt',
  'le',
  'eq',
];

/** Highest rank a strided kernel accepts. */
export const MAX_RANK = 6;

// Which saved tensor each backward rule reads besides dy ('none' for sign/step: no dy either).
const BACKWARD_INPUT: Record<UnaryOp, 'x' | 'y' | 'dy' | 'none'> = {
  neg: 'dy',
  exp: 'y',
  log: 'x',
  sqrt: 'y',
  abs: 'x',
  relu: 'x',
  leakyRelu: 'x',
  sigmoid: 'y',
  tanh: 'y',
  gelu: 'x',
  sign: 'none',
  step: 'none',
};

function opCode<T extends string>(family: string, ops: readonly T[], op: T): number {
  const code = ops.indexOf(op);
  if (code < 0) throw new Error(`${family}: unknown op '${op}' (expected one of ${ops.join(', ')})`);
  return code;
}

/** Checks a shape (rank <= 6, non-negative integer sizes) and returns its element count. */
function checkShape(op: string, name: string, shape: readonly number[]): number {
  if (!Array.isArray(shape)) throw new Error(`${op}: ${name} must be an array of sizes`);
  if (shape.length > MAX_RANK)
    throw new Error(`${op}: ${name} [${shape}] has rank ${shape.length}, more than ${MAX_RANK}`);
  let n = 1;
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0)
      throw new Error(`${op}: ${name} [${shape}] has a size that is not a non-negative integer`);
    n *= s;
  }
  return n;
}

function checkStrides(op: string, name: string, strides: readonly number[], shape: readonly number[]): void {
  if (!Array.isArray(strides) || strides.length !== shape.length)
    throw new Error(
      `${op}: ${name} [${strides}] must have one stride per axis of shape [${shape}] (${shape.length})`,
    );
  for (const s of strides) {
    if (!Number.isInteger(s) || Math.abs(s) >= 2 ** 31)
      throw new Error(`${op}: ${name} [${strides}] has a stride that is not a 32-bit integer`);
  }
}

/**
 * Checks that every element a view reads, ptr + 4·(offset + Σ i_d·strides[d]), lies in ptr's
 * block. Strides may be 0 or negative; an empty view reads nothing.
 */
function checkView(
  op: string,
  name: string,
  ptr: number,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
  n: number,
  verb = 'reads',
): void {
  if (n === 0) {
    checkElems(op, name, ptr, 0);
    return;
  }
  let lo = offset;
  let hi = offset;
  for (let d = 0; d < shape.length; d++) {
    const reach = (shape[d] - 1) * strides[d];
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  if (lo < 0)
    throw new Error(
      `${op}: ${name} with shape [${shape}], strides [${strides}] and offset ${offset} ${verb} element ${lo}, before its block`,
    );
  checkElems(op, name, ptr, hi + 1);
}

function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expect = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expect) return false;
    expect *= shape[d];
  }
  return true;
}

/**
 * Drops size-1 axes and merges each axis into the one outside it when every operand steps
 * through the pair as one run (outer stride = inner stride × inner size). Contiguous operands
 * of one shape become a single axis, which is what lets the kernel take its SIMD paths.
 */
function coalesce(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, j) => outStrides[j][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d];
      strides.forEach((s, j) => {
        outStrides[j][last] = s[d];
      });
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, j) => {
        outStrides[j].push(s[d]);
      });
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: outShape, strides: outStrides };
}

function checkElemwise(op: string, n: number, blocks: Record<string, number>): void {
  checkCount(op, 'n', n);
  for (const [name, ptr] of Object.entries(blocks)) checkElems(op, name, ptr, n);
}

/** out[i] = a[i] + b[i] for i < n, over contiguous f32 blocks. */
export function addF32(a: number, b: number, out: number, n: number): void {
  checkCount('add', 'n', n);
  checkElems('add', 'a', a, n);
  checkElems('add', 'b', b, n);
  checkElems('add', 'out', out, n);
  wasm().add_f32(a, b, out, n);
}

/**
 * Sets n f32 elements of `out` to `value`.
 * @example fillF32(p, 4, 0.5); // p holds [0.5, 0.5, 0.5, 0.5]
 */
export function fillF32(out: number, n: number, value: number): void {
  checkElemwise('fillF32', n, { out });
  wasm().fill_f32(out, n, value);
}

/** Sets n i32 elements of `out` to `value` (an integer in the int32 range). */
export function fillI32(out: number, n: number, value: number): void {
  if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31)
    throw new Error(`fillI32: value ${value} is not a 32-bit integer`);
  checkElemwise('fillI32', n, { out });
  wasm().fill_i32(out, n, value);
}

/** Copies n 4-byte words (f32 or i32) from `src` to `dst`. */
export function copy32(src: number, dst: number, n: number): void {
  checkElemwise('copy32', n, { src, dst });
  wasm().copy_32(src, dst, n);
}

/**
 * Gathers a strided view into contiguous `dst`, row-major in `shape`: element (i0..ir) is read
 * from src + 4·(srcOffset + Σ i_d·srcStrides[d]). Strides may be 0 (expand) or negative (flip),
 * which together with srcOffset expresses transpose, permute, slice and expand.
 * @example
 * // transpose a [2,3] row-major block into [3,2]
 * stridedCopy32(src, 0, dst, [3, 2], [1, 3]);
 */
export function stridedCopy32(
  src: number,
  srcOffset: number,
  dst: number,
  shape: readonly number[],
  srcStrides: readonly number[],
): void {
  strided('stridedCopy32', src, srcOffset, dst, shape, srcStrides, false);
}

/**
 * The reverse of {@link stridedCopy32}: scatters contiguous `src` (row-major in `shape`) into a
 * strided view of `dst`, element (i0..ir) to dst + 4·(dstOffset + Σ i_d·dstStrides[d]); the
 * rest of dst keeps its values. The view must not write an element twice: on every axis longer
 * than 1 the stride is positive and, smallest first, each stride steps past all that the
 * smaller ones reach. A slice's gradient writes through it into a zeroed tensor.
 * @example
 * // a [2,2] block into columns 1-2 of a [2,3] one
 * stridedStore32(src, dst, 1, [2, 2], [3, 1]);
 */
export function stridedStore32(
  src: number,
  dst: number,
  dstOffset: number,
  shape: readonly number[],
  dstStrides: readonly number[],
): void {
  strided('stridedStore32', dst, dstOffset, src, shape, dstStrides, true);
}

/**
 * Both directions between a strided view (`view` at `offset`, `strides`) and a contiguous
 * block `flat`: checks every argument, then copies view → flat, or flat → view when `store`
 * (the view must then not reach an element twice).
 */
function strided(
  op: string,
  view: number,
  offset: number,
  flat: number,
  shape: readonly number[],
  strides: readonly number[],
  store: boolean,
): void {
  const [viewName, flatName] = store ? ['dst', 'src'] : ['src', 'dst'];
  const n = checkShape(op, 'shape', shape);
  checkStrides(op, `${viewName}Strides`, strides, shape);
  checkCount(op, `${viewName}Offset`, offset);
  if (store) checkNoOverlap(op, shape, strides);
  checkView(op, viewName, view, offset, shape, strides, n, store ? 'writes' : 'reads');
  checkElems(op, flatName, flat, n);
  if (view === flat && n > 0) throw new Error(`${op}: dst must be a different block from src`);
  if (n === 0) return;
  const c = coalesce(shape, [strides]);
  const r = c.shape.length;
  const dims = writeScratch([...c.shape, ...c.strides[0], ...new Array<number>(r).fill(0)]);
  if (store) wasm().strided_store_32(flat, view + 4 * offset, dims, r);
  else wasm().strided_copy_32(view + 4 * offset, flat, dims, r);
}

/** Throws unless the view (shape, strides) reaches every element at most once (see stridedStore32). */
function checkNoOverlap(op: string, shape: readonly number[], strides: readonly number[]): void {
  const axes = shape.map((_, d) => d).filter((d) => shape[d] > 1);
  axes.sort((a, b) => strides[a] - strides[b]);
  let reach = 0;
  for (const d of axes) {
    if (strides[d] <= reach)
      throw new Error(
        `${op}: dstStrides [${strides}] with shape [${shape}] write some element more than once (axis ${d}'s stride ${strides[d]} must be > ${reach})`,
      );
    reach += strides[d] * (shape[d] - 1);
  }
}

/** dst[i] = src[i] converted from i32 to f32 (rounded to nearest beyond 2^24). */
export function castI32ToF32(src: number, dst: number, n: number): void {
  checkElemwise('castI32ToF32', n, { src, dst });
  wasm().cast_i32_to_f32(src, dst, n);
}

/** dst[i] = src[i] truncated toward zero to i32; out-of-range values saturate, NaN gives 0. */
export function castF32ToI32(src: number, dst: number, n: number): void {
  checkElemwise('castF32ToI32', n, { src, dst });
  wasm().cast_f32_to_i32(src, dst, n);
}

/**
 * out[i] = op(x[i]) over n contiguous f32 elements; `alpha` is leakyRelu's negative slope.
 * out may be x (in place).
 * @example unary('relu', x, out, n);
 */
export function unary(op: UnaryOp, x: number, out: number, n: number, alpha = 0): void {
  const code = opCode('unary', UNARY_OPS, op);
  if (op === 'leakyRelu' && !Number.isFinite(alpha))
    throw new Error(`leakyRelu: alpha must be a finite number, got ${alpha}`);
  checkElemwise(op, n, { x, out });
  if (!parallelElementwise('unary_f32', code, [x, out], n, alpha)) wasm().unary_f32(code, x, out, n, alpha);
}

/**
 * dx[i] = dy[i] · f'(x[i]) for the unary op f, where y = f(x) is its saved output: exp,
 * sigmoid, tanh and sqrt read y; log, abs, relu, leakyRelu and gelu read x; neg reads only dy;
 * sign and step write zeros. Pass 0 for a pointer the rule does not read.
 * @example unaryBackward('tanh', 0, y, dy, dx, n);
 */
export function unaryBackward(
  op: UnaryOp,
  x: number,
  y: number,
  dy: number,
  dx: number,
  n: number,
  alpha = 0,
): void {
  const code = opCode('unaryBackward', UNARY_OPS, op);
  const name = `${op}Backward`;
  if (op === 'leakyRelu' && !Number.isFinite(alpha))
    throw new Error(`${name}: alpha must be a finite number, got ${alpha}`);
  checkCount(name, 'n', n);
  const input = BACKWARD_INPUT[op];
  if (input === 'x') checkElems(name, 'x', x, n);
  if (input === 'y') checkElems(name, 'y', y, n);
  if (input !== 'none') checkElems(name, 'dy', dy, n);
  checkElems(name, 'dx', dx, n);
  if (!parallelElementwise('unary_backward_f32', code, [x, y, dy, dx], n, alpha))
    wasm().unary_backward_f32(code, x, y, dy, dx, n, alpha);
}

/**
 * out = a (op) b with NumPy broadcasting expressed by strides (in elements, 0 on broadcast
 * axes); out is contiguous with shape `outShape` (rank <= 6). out may alias an operand only if
 * that operand is contiguous with out's shape.
 * @example
 * // [2,3] + [3] (a row broadcast over the rows)
 * binary('add', a, [3, 1], b, [0, 1], out, [2, 3]);
 */
export function binary(
  op: BinaryOp,
  a: number,
  aStrides: readonly number[],
  b: number,
  bStrides: readonly number[],
  out: number,
  outShape: readonly number[],
): void {
  const code = opCode('binary', BINARY_OPS, op);
  const n = checkShape(op, 'outShape', outShape);
  checkStrides(op, 'aStrides', aStrides, outShape);
  checkStrides(op, 'bStrides', bStrides, outShape);
  checkView(op, 'a', a, 0, outShape, aStrides, n);
  checkView(op, 'b', b, 0, outShape, bStrides, n);
  checkElems(op, 'out', out, n);
  for (const [name, ptr, strides] of [
    ['a', a, aStrides],
    ['b', b, bStrides],
  ] as const) {
    if (out === ptr && n > 0 && !isContiguous(outShape, strides))
      throw new Error(
        `${op}: out is the same block as ${name}, whose strides [${strides}] are not contiguous for [${outShape}]`,
      );
  }
  if (n === 0) return;
  const c = coalesce(outShape, [aStrides, bStrides]);
  const r = c.shape.length;
  // Same-shape contiguous operands coalesce to one row: binarySame's path, which threads take.
  if (r === 1 && c.strides[0][0] === 1 && c.strides[1][0] === 1) {
    sameShape(code, a, b, out, n);
    return;
  }
  const dims = writeScratch([...c.shape, ...c.strides[0], ...c.strides[1], ...new Array<number>(r).fill(0)]);
  wasm().binary_f32(code, a, b, out, dims, r);
}

/**
 * out = a (op) b for contiguous operands of the same n elements: the per-op fast path (no
 * shape or stride arrays to check). out may be a or b.
 */
export function binarySame(op: BinaryOp, a: number, b: number, out: number, n: number): void {
  const code = opCode('binary', BINARY_OPS, op);
  checkCount(op, 'n', n);
  checkElems(op, 'a', a, n);
  checkElems(op, 'b', b, n);
  checkElems(op, 'out', out, n);
  if (n === 0) return;
  sameShape(code, a, b, out, n);
}

/** binary_same_f32 on this thread, or split over the pool when n is large. */
function sameShape(code: number, a: number, b: number, out: number, n: number): void {
  if (!parallelElementwise('binary_same_f32', code, [a, b, out], n))
    wasm().binary_same_f32(code, a, b, out, n);
}

/** out[i] = x[i]·scale + shift (rounded after the multiply and after the add). */
export function affine(x: number, out: number, n: number, scale: number, shift: number): void {
  checkElemwise('affine', n, { x, out });
  wasm().affine_f32(x, out, n, scale, shift);
}

/**
 * out[i] = x[i]^p. p = 2, 3, -2 are products, 0.5 and -0.5 square roots, -1 a reciprocal and
 * 1 a copy; other exponents follow C's powf (a negative base needs an integer p).
 */
export function powScalar(x: number, out: number, n: number, p: number): void {
  checkElemwise('powScalar', n, { x, out });
  wasm().pow_scalar_f32(x, out, n, p);
}

/** out[i] = min(max(x[i], lo), hi); ±Infinity leaves a side open, lo > hi gives hi (as PyTorch). */
export function clamp(x: number, out: number, n: number, lo: number, hi: number): void {
  if (Number.isNaN(lo) || Number.isNaN(hi))
    throw new Error(`clamp: bounds must not be NaN, got [${lo}, ${hi}]`);
  checkElemwise('clamp', n, { x, out });
  wasm().clamp_f32(x, out, n, lo, hi);
}

/** dx[i] = dy[i] where lo <= x[i] <= hi, else 0 (the gradient of clamp, as PyTorch's). */
export function clampBackward(x: number, dy: number, dx: number, n: number, lo: number, hi: number): void {
  if (Number.isNaN(lo) || Number.isNaN(hi))
    throw new Error(`clampBackward: bounds must not be NaN, got [${lo}, ${hi}]`);
  checkElemwise('clampBackward', n, { x, dy, dx });
  wasm().clamp_backward_f32(x, dy, dx, n, lo, hi);
}
