// 2-D convolution: validated wrappers over the implicit-GEMM kernels of assembly/conv.ts, which
// run all three passes on a 4x8 register tile without materialising the im2col matrix. They
// need one scratch block per call (packed operands and, with padding, a zero-bordered copy of
// a chunk of images), which the wrapper allocates and frees here.
import { checkCount, checkElems } from './check.js';
import { heap, wasm } from './loader.js';
import { type ConvKernel, runConv } from './threads.js';

/**
 * Bound on the scratch of one pass: a padded chunk of images (at most half of it, unless a single
 * padded image is larger) and the packed operands (under 0.5 MiB). Without padding the tensors are
 * read in place.
 */
export const CONV_SCRATCH_BYTES = 1 << 20;

/** NCHW input [n, cIn, h, w], weight [cOut, cIn, kh, kw]; strides >= 1, paddings >= 0 (zeros). */
export interface Conv2dShape {
  n: number;
  cIn: number;
  h: number;
  w: number;
  cOut: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
}

interface Geometry {
  oh: number;
  ow: number;
  /** Rows of the column matrix: cIn*kh*kw. */
  k: number;
  /** Output pixels per image: oh*ow. */
  p: number;
}

function geometry(op: string, s: Conv2dShape): Geometry {
  if (typeof s !== 'object' || s === null) throw new Error(`${op}: shape must be a Conv2dShape object`);
  const fields = ['n', 'cIn', 'h', 'w', 'cOut', 'kh', 'kw', 'strideH', 'strideW', 'padH', 'padW'] as const;
  for (const f of fields) checkCount(op, f, s[f]);
  for (const f of ['cIn', 'h', 'w', 'cOut', 'kh', 'kw'] as const)
    if (s[f] === 0) throw new Error(`${op}: ${f} must be at least 1, got 0`);
  if (s.strideH === 0 || s.strideW === 0)
    throw new Error(`${op}: stride must be positive, got [${s.strideH}, ${s.strideW}]`);
  const ph = s.h + 2 * s.padH;
  const pw = s.w + 2 * s.padW;
  if (s.kh > ph || s.kw > pw)
    throw new Error(
      `${op}: kernel ${s.kh}x${s.kw} is larger than the padded input ${ph}x${pw} ` +
        `(input ${s.h}x${s.w}, padding [${s.padH}, ${s.padW}])`,
    );
  const oh = Math.floor((ph - s.kh) / s.strideH) + 1;
  const ow = Math.floor((pw - s.kw) / s.strideW) + 1;
  return { oh, ow, k: s.cIn * s.kh * s.kw, p: oh * ow };
}

/** Output height and width: floor((h + 2*padH - kh) / strideH) + 1, likewise for the width. */
export function conv2dOutSize(shape: Conv2dShape): { oh: number; ow: number } {
  const { oh, ow } = geometry('conv2dOutSize', shape);
  return { oh, ow };
}

const dims = (...d: number[]) => `[${d.join(',')}]`;

/** Outputs must not share a block with each other or with an input (0 = absent). */
function checkNoAlias(op: string, outputs: Record<string, number>, inputs: Record<string, number>): void {
  const all = Object.entries({ ...inputs, ...outputs });
  for (const [name, ptr] of Object.entries(outputs)) {
    const other = all.find(([n, p]) => n !== name && p === ptr && ptr !== 0);
    if (other) throw new Error(`${op}: ${name} must not be the same block as ${other[0]}`);
  }
}

const PASS_FORWARD = 0;
const PASS_INPUT = 1;
const PASS_WEIGHT = 2;

/**
 * Runs one pass: split over the thread pool when it is large enough (see runConv; the split
 * gives the same bits as one call), else as one call of `whole` with one scratch block.
 */
function runPass(
  pass: number,
  whole: 'conv2d_f32' | 'conv2d_backward_input_f32' | 'conv2d_backward_weight_f32',
  split: ConvKernel,
  pointers: number[],
  perImage: number[],
  s: Conv2dShape,
  g: Geometry,
): void {
  const k = wasm();
  const h = heap();
  const geo = kernelArgs(s);
  const scratchBytes = (count: number) => k.conv2d_scratch_bytes(pass, count, ...geo.slice(1));
  const plan = () => ({
    unit: k.conv2d_split_unit(pass, ...geo),
    rows: pass === PASS_WEIGHT ? k.conv2d_weight_rows(...geo.slice(1)) : 0,
  });
  const alloc = (bytes: number) => h.alloc(bytes);
  const free = (ptr: number) => h.free(ptr);
  const macs = s.n * s.cOut * g.p * g.k;
  if (runConv(split, pointers, perImage, geo, macs, plan, scratchBytes, alloc, free)) return;
  const scratch = alloc(scratchBytes(s.n));
  try {
    k[whole](...pointers, ...geo, scratch);
  } finally {
    free(scratch);
  }
}

function kernelArgs(s: Conv2dShape): number[] {
  return [s.n, s.cIn, s.h, s.w, s.cOut, s.kh, s.kw, s.strideH, s.strideW, s.padH, s.padW];
}

/**
 * 2-D convolution (cross-correlation, as in PyTorch), zero padding:
 * out[t, o, y, x] = bias[o] + Σ_{c,i,j} w[o, c, i, j] · x[t, c, y*strideH - padH + i, x*strideW - padW + j].
 * x: [n, cIn, h, w], w: [cOut, cIn, kh, kw], bias: [cOut] or 0, out: [n, cOut, oh, ow].
 *
 * @example
 * ```ts
 * const shape = { n: 1, cIn: 1, h: 4, w: 4, cOut: 2, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 };
 * const { oh, ow } = conv2dOutSize(shape); // 4, 4
 * conv2d(x, w, 0, out, shape);            // out holds 2 * oh * ow floats
 * ```
 */
export function conv2d(x: number, w: number, bias: number, out: number, shape: Conv2dShape): void {
  const op = 'conv2d';
  const g = geometry(op, shape);
  const { n, cIn, h, w: width, cOut, kh, kw } = shape;
  checkElems(op, `x ${dims(n, cIn, h, width)}`, x, n * cIn * h * width);
  checkElems(op, `w ${dims(cOut, cIn, kh, kw)}`, w, cOut * g.k);
  if (bias !== 0) checkElems(op, `bias ${dims(cOut)}`, bias, cOut);
  checkElems(op, `out ${dims(n, cOut, g.oh, g.ow)}`, out, n * cOut * g.p);
  checkNoAlias(op, { out }, { x, w, bias });
  if (n === 0) return;
  runPass(
    PASS_FORWARD,
    'conv2d_f32',
    'conv2d_f32',
    [x, w, bias, out],
    [4 * cIn * h * width, 0, 0, 4 * cOut * g.p],
    shape,
    g,
  );
}

/**
 * Gradient of {@link conv2d} with respect to its input, overwriting dx: every dy[t, o, y, x]·w[o, c, i, j]
 * is added back to the input pixel x[t, c, y*strideH - padH + i, x*strideW - padW + j] it multiplied.
 * dy: [n, cOut, oh, ow], w: [cOut, cIn, kh, kw], dx: [n, cIn, h, w].
 */
export function conv2dBackwardInput(dy: number, w: number, dx: number, shape: Conv2dShape): void {
  const op = 'conv2dBackwardInput';
  const g = geometry(op, shape);
  const { n, cIn, h, w: width, cOut, kh, kw } = shape;
  checkElems(op, `dy ${dims(n, cOut, g.oh, g.ow)}`, dy, n * cOut * g.p);
  checkElems(op, `w ${dims(cOut, cIn, kh, kw)}`, w, cOut * g.k);
  checkElems(op, `dx ${dims(n, cIn, h, width)}`, dx, n * cIn * h * width);
  checkNoAlias(op, { dx }, { dy, w });
  if (n === 0) return;
  runPass(
    PASS_INPUT,
    'conv2d_backward_input_f32',
    'conv2d_backward_input_f32',
    [dy, w, dx],
    [4 * cOut * g.p, 0, 4 * cIn * h * width],
    shape,
    g,
  );
}

/**
 * Gradients of {@link conv2d} with respect to the weight and bias, overwriting them:
 * dw[o, c, i, j] = Σ_{t,y,x} dy[t, o, y, x] · x[t, c, y*strideH - padH + i, x*strideW - padW + j],
 * dbias[o] = Σ dy[:, o, :, :] (skipped when dbias is 0).
 * x: [n, cIn, h, w], dy: [n, cOut, oh, ow], dw: [cOut, cIn, kh, kw], dbias: [cOut] or 0.
 */
export function conv2dBackwardWeight(
  x: number,
  dy: number,
  dw: number,
  dbias: number,
  shape: Conv2dShape,
): void {
  const op = 'conv2dBackwardWeight';
  const g = geometry(op, shape);
  const { n, cIn, h, w: width, cOut, kh, kw } = shape;
  checkElems(op, `x ${dims(n, cIn, h, width)}`, x, n * cIn * h * width);
  checkElems(op, `dy ${dims(n, cOut, g.oh, g.ow)}`, dy, n * cOut * g.p);
  checkElems(op, `dw ${dims(cOut, cIn, kh, kw)}`, dw, cOut * g.k);
  if (dbias !== 0) checkElems(op, `dbias ${dims(cOut)}`, dbias, cOut);
  checkNoAlias(op, { dw, dbias }, { x, dy });
  runPass(
    PASS_WEIGHT,
    'conv2d_backward_weight_f32',
    'conv2d_backward_weight_range_f32',
    [x, dy, dw, dbias],
    [0, 0, 0, 0],
    shape,
    g,
  );
}
