// 2-D max and average pooling (NCHW): validated wrappers over assembly/pool.ts.
import { checkCount, checkElems } from './check.js';
import { wasm } from './loader.js';
import { type ItemKernel, runItems } from './threads.js';

/** Input [n, c, h, w], window kh x kw; strides >= 1; paddings 0 <= pad <= kernel/2, as in PyTorch. */
export interface Pool2dShape {
  n: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
}

function geometry(op: string, s: Pool2dShape): { oh: number; ow: number } {
  if (typeof s !== 'object' || s === null) throw new Error(`${op}: shape must be a Pool2dShape object`);
  for (const f of ['n', 'c', 'h', 'w', 'kh', 'kw', 'strideH', 'strideW', 'padH', 'padW'] as const)
    checkCount(op, f, s[f]);
  for (const f of ['c', 'h', 'w', 'kh', 'kw'] as const)
    if (s[f] === 0) throw new Error(`${op}: ${f} must be at least 1, got 0`);
  if (s.strideH === 0 || s.strideW === 0)
    throw new Error(`${op}: stride must be positive, got [${s.strideH}, ${s.strideW}]`);
  // A window entirely inside the padding would have no input to take a max of.
  if (2 * s.padH > s.kh || 2 * s.padW > s.kw)
    throw new Error(`${op}: padding [${s.padH}, ${s.padW}] must be at most half the kernel ${s.kh}x${s.kw}`);
  const ph = s.h + 2 * s.padH;
  const pw = s.w + 2 * s.padW;
  if (s.kh > ph || s.kw > pw)
    throw new Error(
      `${op}: kernel ${s.kh}x${s.kw} is larger than the padded input ${ph}x${pw} ` +
        `(input ${s.h}x${s.w}, padding [${s.padH}, ${s.padW}])`,
    );
  return { oh: Math.floor((ph - s.kh) / s.strideH) + 1, ow: Math.floor((pw - s.kw) / s.strideW) + 1 };
}

/** Output height and width: floor((h + 2*padH - kh) / strideH) + 1, likewise for the width. */
export function pool2dOutSize(shape: Pool2dShape): { oh: number; ow: number } {
  return geometry('pool2dOutSize', shape);
}

const dims = (...d: number[]) => `[${d.join(',')}]`;

function checkNotSame(op: string, a: [string, number], b: [string, number]): void {
  if (a[1] === b[1]) throw new Error(`${op}: ${a[0]} must not be the same block as ${b[0]}`);
}

function windowArgs(s: Pool2dShape, oh: number, ow: number): number[] {
  return [s.h, s.w, s.kh, s.kw, s.strideH, s.strideW, s.padH, s.padW, oh, ow];
}

/**
 * Runs a pooling kernel over the n*c planes: split over the thread pool by whole planes when
 * large enough (pointer i advances planeBytes[i] per plane), else in one call.
 */
function overPlanes(
  name: ItemKernel,
  pointers: number[],
  planeBytes: number[],
  s: Pool2dShape,
  rest: number[],
): void {
  const planes = s.n * s.c;
  if (runItems(name, pointers, planeBytes, planes, rest, s.h * s.w)) return;
  wasm()[name](...pointers, planes, ...rest);
}

/**
 * Max pooling: out[t, c, y, x] = max of the window, and argmaxOut (int32) its index
 * iy*w + ix in the input plane, saved for {@link maxPool2dBackward}. Padding never wins; a NaN
 * in the window wins, as in PyTorch. x: [n, c, h, w], out and argmaxOut: [n, c, oh, ow].
 *
 * @example
 * ```ts
 * const shape = { n: 1, c: 1, h: 4, w: 4, kh: 2, kw: 2, strideH: 2, strideW: 2, padH: 0, padW: 0 };
 * maxPool2d(x, out, argmax, shape); // out: 4 floats, argmax: 4 int32
 * ```
 */
export function maxPool2d(x: number, out: number, argmaxOut: number, shape: Pool2dShape): void {
  const op = 'maxPool2d';
  const { oh, ow } = geometry(op, shape);
  const { n, c, h, w } = shape;
  checkElems(op, `x ${dims(n, c, h, w)}`, x, n * c * h * w);
  checkElems(op, `out ${dims(n, c, oh, ow)}`, out, n * c * oh * ow);
  checkElems(op, `argmaxOut ${dims(n, c, oh, ow)}`, argmaxOut, n * c * oh * ow);
  checkNotSame(op, ['out', out], ['x', x]);
  checkNotSame(op, ['argmaxOut', argmaxOut], ['x', x]);
  checkNotSame(op, ['argmaxOut', argmaxOut], ['out', out]);
  if (n === 0) return;
  const o = 4 * oh * ow;
  overPlanes('maxpool2d_f32', [x, out, argmaxOut], [4 * h * w, o, o], shape, windowArgs(shape, oh, ow));
}

/**
 * Gradient of {@link maxPool2d}: dx = 0, then dy of each output is added at its argmax
 * (overlapping windows accumulate). dy and argmax: [n, c, oh, ow], dx: [n, c, h, w].
 */
export function maxPool2dBackward(dy: number, argmax: number, dx: number, shape: Pool2dShape): void {
  const op = 'maxPool2dBackward';
  const { oh, ow } = geometry(op, shape);
  const { n, c, h, w } = shape;
  checkElems(op, `dy ${dims(n, c, oh, ow)}`, dy, n * c * oh * ow);
  checkElems(op, `argmax ${dims(n, c, oh, ow)}`, argmax, n * c * oh * ow);
  checkElems(op, `dx ${dims(n, c, h, w)}`, dx, n * c * h * w);
  checkNotSame(op, ['dx', dx], ['dy', dy]);
  checkNotSame(op, ['dx', dx], ['argmax', argmax]);
  if (n === 0) return;
  const o = 4 * oh * ow;
  overPlanes('maxpool2d_backward_f32', [dy, argmax, dx], [o, o, 4 * h * w], shape, [h, w, oh, ow]);
}

/**
 * Average pooling with count_include_pad (PyTorch's default): each output is the window's sum
 * over kh*kw, padding counted as zeros. x: [n, c, h, w], out: [n, c, oh, ow].
 */
export function avgPool2d(x: number, out: number, shape: Pool2dShape): void {
  const op = 'avgPool2d';
  const { oh, ow } = geometry(op, shape);
  const { n, c, h, w } = shape;
  checkElems(op, `x ${dims(n, c, h, w)}`, x, n * c * h * w);
  checkElems(op, `out ${dims(n, c, oh, ow)}`, out, n * c * oh * ow);
  checkNotSame(op, ['out', out], ['x', x]);
  if (n === 0) return;
  overPlanes('avgpool2d_f32', [x, out], [4 * h * w, 4 * oh * ow], shape, windowArgs(shape, oh, ow));
}

/** Gradient of {@link avgPool2d}: dx = 0, then dy / (kh*kw) is added over each window. */
export function avgPool2dBackward(dy: number, dx: number, shape: Pool2dShape): void {
  const op = 'avgPool2dBackward';
  const { oh, ow } = geometry(op, shape);
  const { n, c, h, w } = shape;
  checkElems(op, `dy ${dims(n, c, oh, ow)}`, dy, n * c * oh * ow);
  checkElems(op, `dx ${dims(n, c, h, w)}`, dx, n * c * h * w);
  checkNotSame(op, ['dx', dx], ['dy', dy]);
  if (n === 0) return;
  overPlanes('avgpool2d_backward_f32', [dy, dx], [4 * oh * ow, 4 * h * w], shape, windowArgs(shape, oh, ow));
}
