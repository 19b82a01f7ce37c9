// Convolution and pooling (NCHW; weight [out, in, kh, kw], as PyTorch).
import * as k from '@asgrad/kernels';
import { isGradEnabled, record } from '../graph.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkTensor, empty } from './util.js';

type Pair = number | [number, number];

function pair(op: string, name: string, v: Pair | undefined, dflt: number, min: number): [number, number] {
  const p: [number, number] = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  for (const x of p) {
    if (!Number.isInteger(x) || x < min)
      throw new Error(`${op}: ${name} must be an integer >= ${min} (or a pair), got ${String(v)}`);
  }
  return p;
}

function noSecondOrder(op: string): void {
  if (isGradEnabled())
    throw new Error(`${op}: higher-order gradients (createGraph) are not supported through ${op}`);
}

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
}

/**
 * 2-D convolution (cross-correlation, as PyTorch) of `x` [N, C, H, W] with `weight`
 * [out, C, kh, kw] and an optional `bias` [out].
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  checkTensor('conv2d', x, 'float32', 'input');
  checkTensor('conv2d', weight, 'float32', 'weight');
  if (x.rank !== 4) throw new Error(`conv2d: input must be [N, C, H, W], got ${fmt(x.shape)}`);
  if (weight.rank !== 4)
    throw new Error(`conv2d: weight must be [out, in, kh, kw], got ${fmt(weight.shape)}`);
  const [n, cIn, h, w] = x.shape;
  const [cOut, wIn, kh, kw] = weight.shape;
  if (wIn !== cIn)
    throw new Error(`conv2d: input has ${cIn} channels but weight ${fmt(weight.shape)} expects ${wIn}`);
  if (bias) {
    checkTensor('conv2d', bias, 'float32', 'bias');
    if (bias.rank !== 1 || bias.shape[0] !== cOut)
      throw new Error(`conv2d: bias ${fmt(bias.shape)} must be [${cOut}]`);
  }
  const [strideH, strideW] = pair('conv2d', 'stride', options.stride, 1, 1);
  const [padH, padW] = pair('conv2d', 'padding', options.padding, 0, 0);
  const shape: k.Conv2dShape = { n, cIn, h, w, cOut, kh, kw, strideH, strideW, padH, padW };
  if (h + 2 * padH < kh || w + 2 * padW < kw) {
    throw new Error(
      `conv2d: kernel ${kh}x${kw} is larger than the padded input ${h + 2 * padH}x${w + 2 * padW}`,
    );
  }
  const { oh, ow } = k.conv2dOutSize(shape);
  const out = empty([n, cOut, oh, ow]);
  k.conv2d(x.ptr, weight.ptr, bias?.ptr ?? 0, out.ptr, shape);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(
    'conv2d',
    inputs,
    out,
    (g, [sx, sw]) => {
      noSecondOrder('conv2d');
      let dx: Tensor | null = null;
      let dw: Tensor | null = null;
      let db: Tensor | null = null;
      if (x.requiresGrad) {
        dx = empty(x.shape);
        k.conv2dBackwardInput(g.ptr, sw.ptr, dx.ptr, shape);
      }
      if (weight.requiresGrad || bias?.requiresGrad) {
        dw = empty(weight.shape);
        db = bias ? empty(bias.shape) : null;
        k.conv2dBackwardWeight(sx.ptr, g.ptr, dw.ptr, db?.ptr ?? 0, shape);
      }
      return [dx, dw, db];
    },
    [x, weight],
  );
}

/** Options of the pooling ops. */
export interface Pool2dOptions {
  kernelSize: Pair;
  /** Defaults to kernelSize, as PyTorch. */
  stride?: Pair;
  padding?: Pair;
}

function poolShape(op: string, x: Tensor, options: Pool2dOptions): k.Pool2dShape {
  checkTensor(op, x, 'float32', 'input');
  if (x.rank !== 4) throw new Error(`${op}: input must be [N, C, H, W], got ${fmt(x.shape)}`);
  if (options === undefined || options.kernelSize === undefined)
    throw new Error(`${op}: kernelSize is required`);
  const [kh, kw] = pair(op, 'kernelSize', options.kernelSize, 1, 1);
  const [strideH, strideW] = pair(op, 'stride', options.stride ?? options.kernelSize, 1, 1);
  const [padH, padW] = pair(op, 'padding', options.padding, 0, 0);
  if (padH > kh / 2 || padW > kw / 2)
    throw new Error(`${op}: padding ${padH}x${padW} must be at most half the kernel ${kh}x${kw}`);
  const [n, c, h, w] = x.shape;
  if (h + 2 * padH < kh || w + 2 * padW < kw) {
    throw new Error(
      `${op}: kernel ${kh}x${kw} is larger than the padded input ${h + 2 * padH}x${w + 2 * padW}`,
    );
  }
  return { n, c, h, w, kh, kw, strideH, strideW, padH, padW };
}

function poolOut(s: k.Pool2dShape): number[] {
  const oh = Math.floor((s.h + 2 * s.padH - s.kh) / s.strideH) + 1;
  const ow = Math.floor((s.w + 2 * s.padW - s.kw) / s.strideW) + 1;
  return [s.n, s.c, oh, ow];
}

/** 2-D max pooling; the gradient goes to the (first) maximum of each window. */
export function maxPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  const s = poolShape('maxPool2d', x, options);
  const outShape = poolOut(s);
  const out = empty(outShape);
  const arg = empty(outShape, 'int32');
  k.maxPool2d(x.ptr, out.ptr, arg.ptr, s);
  const r = record(
    'maxPool2d',
    [x],
    out,
    (g, [sa]) => {
      noSecondOrder('maxPool2d');
      const dx = empty(x.shape);
      k.maxPool2dBackward(g.ptr, sa.ptr, dx.ptr, s);
      return [dx];
    },
    [arg],
  );
  arg.dispose();
  return r;
}

/** 2-D average pooling (padding counts as zeros, PyTorch's count_include_pad). */
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  const s = poolShape('avgPool2d', x, options);
  const out = empty(poolOut(s));
  k.avgPool2d(x.ptr, out.ptr, s);
  return record('avgPool2d', [x], out, (g) => {
    noSecondOrder('avgPool2d');
    const dx = empty(x.shape);
    k.avgPool2dBackward(g.ptr, dx.ptr, s);
    return [dx];
  });
}
