// Sequential and Flatten: composing layers.
import type { Tensor } from '@asgrad/autograd';
import { ReLU } from './activation.js';
import { exactly, inputCrop } from './crop.js';
import { Module } from './module.js';
import { MaxPool2d } from './pool.js';

/**
 * Runs its layers in order; children are named '0', '1', ... as in PyTorch.
 *
 * A `ReLU` directly followed by a `MaxPool2d` runs as pooling then ReLU: the same values and
 * gradients bit for bit (ReLU is monotone and a window's max is one of its elements, so both
 * orders keep the same element, or give 0 with a zero gradient), with ReLU on a quarter of the
 * elements for 2 x 2 windows.
 *
 * A run of unpadded `Conv2d`, `MaxPool2d` and `AvgPool2d` layers (with pointwise activations
 * between them) whose windows never reach the last rows or columns of its input, as a 2 x 2 pool
 * over an odd size does, runs on just the rows and columns its output depends on (see crop.ts):
 * the MNIST CNN's two convs and first pool do 15-17% less work. The output is the same bit for bit;
 * weight and input gradients are the same sums without the zero terms (rounding may differ in
 * the last bit, and an Inf or NaN input that no output depends on no longer makes the weight
 * gradient NaN); the input rows left out get a zero gradient, as they would.
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
    let runEnd = 0; // layers before this are inside a run already cropped (or not croppable)
    for (let i = 0; i < layers.length; i++) {
      const l = layers[i];
      const next = layers[i + 1];
      if (i >= runEnd) {
        const run = inputCrop(layers, i, y.shape);
        if (run?.crop) y = y.slice([null, null, [0, run.crop[0]], [0, run.crop[1]]]);
        runEnd = run ? run.end : i + 1;
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
