// Sequential and Flatten: composing layers.
import type { Tensor } from '@asgrad/autograd';
import { ReLU } from './activation.js';
import { Conv2d } from './conv.js';
import { Module } from './module.js';
import { MaxPool2d } from './pool.js';

/** Exact classes only: a subclass may change what the layer computes. */
const exactly = (m: Module | undefined, cls: abstract new (...args: never[]) => Module) =>
  m !== undefined && m.constructor === cls;

type Pair = number | [number, number];
const pairOf = (p: Pair): [number, number] => (typeof p === 'number' ? [p, p] : p);

/**
 * Input rows along one axis that a pool after an unpadded conv reads through it: the pool
 * (no padding, floor mode) reads conv outputs [0, used), which need inputs [0, (used-1)·s + k).
 * The input size itself when the pool reads every output, or the conv would fail anyway.
 */
function rowsRead(size: number, k: number, s: number, pk: number, ps: number): number {
  const out = Math.floor((size - k) / s) + 1;
  if (!(out >= pk)) return size;
  const used = Math.floor((out - pk) / ps) * ps + pk;
  return (used - 1) * s + k;
}

/**
 * [rows, cols] of a conv's [N, C, H, W] input that the max pool after it depends on, when
 * that is less than all of it; else null. Only for unpadded convs and pools, where dropping
 * input rows drops exactly the conv's unread output rows.
 */
function poolCrop(conv: Conv2d, pool: MaxPool2d, shape: readonly number[]): [number, number] | null {
  if (shape.length !== 4 || conv.weight.rank !== 4) return null;
  const [ph, pw] = pairOf(conv.padding);
  const [qh, qw] = pairOf(pool.options.padding ?? 0);
  if (ph !== 0 || pw !== 0 || qh !== 0 || qw !== 0) return null;
  const [sh, sw] = pairOf(conv.stride);
  const [pkh, pkw] = pairOf(pool.options.kernelSize);
  const [psh, psw] = pairOf(pool.options.stride ?? pool.options.kernelSize);
  const [, , kh, kw] = conv.weight.shape;
  const rows = rowsRead(shape[2], kh, sh, pkh, psh);
  const cols = rowsRead(shape[3], kw, sw, pkw, psw);
  return rows < shape[2] || cols < shape[3] ? [rows, cols] : null;
}

/**
 * Runs its layers in order; children are named '0', '1', ... as in PyTorch.
 *
 * A `ReLU` directly followed by a `MaxPool2d` runs as pooling then ReLU: the same values and
 * gradients bit for bit (ReLU is monotone and a window's max is one of its elements, so both
 * orders keep the same element, or give 0 with a zero gradient), with ReLU on a quarter of the
 * elements for 2 x 2 windows.
 *
 * A `Conv2d` followed by a `MaxPool2d` (directly or through a `ReLU`), both unpadded, whose
 * pool does not read the conv's last output rows or columns (a floor-mode pool over an odd
 * size: 11 x 11 pooled by 2 reads 10 x 10) runs on the input rows and columns those outputs
 * need, so the conv computes none that nothing reads: the MNIST CNN's second conv does 17%
 * less work in each of its three passes. The output is the same bit for bit; the weight and
 * input gradients are the same sums without the zero terms (rounding may differ in the last
 * bit, and an Inf or NaN input the pool never reads no longer makes the weight gradient NaN).
 * @example
 * ```ts
 * const model = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
 * model.namedParameters().map(([n]) => n); // ['0.weight', '0.bias', '2.weight', '2.bias']
 * ```
 */
export class Sequential extends Module {
  readonly layers: readonly Module[];
  constructor(...layers: Module[]) {
    super();
    layers.forEach((l, i) => this.registerModule(String(i), l));
    this.layers = layers;
  }
  forward(x: Tensor): Tensor {
    let y = x;
    const layers = this.layers;
    for (let i = 0; i < layers.length; i++) {
      const l = layers[i];
      const next = layers[i + 1];
      if (exactly(l, Conv2d)) {
        const pool = exactly(next, ReLU) ? layers[i + 2] : next;
        const crop = exactly(pool, MaxPool2d) ? poolCrop(l as Conv2d, pool as MaxPool2d, y.shape) : null;
        if (crop) {
          y = l.forward(y.slice([null, null, [0, crop[0]], [0, crop[1]]]));
          continue;
        }
      }
      if (exactly(l, ReLU) && exactly(next, MaxPool2d)) {
        y = l.forward(next.forward(y));
        i++;
      } else y = l.forward(y);
    }
    return y;
  }
}

/** Flattens dims startDim..endDim (default 1..-1: everything but the batch). */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
}
