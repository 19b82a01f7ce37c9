// Sequential and Flatten: composing layers.
import type { Tensor } from '@asgrad/autograd';
import { ReLU } from './activation.js';
import { Module } from './module.js';
import { MaxPool2d } from './pool.js';

/** Exact classes only: a subclass may change what the layer computes. */
const exactly = (m: Module, cls: abstract new (...args: never[]) => Module) => m.constructor === cls;

/**
 * Runs its layers in order; children are named '0', '1', ... as in PyTorch.
 *
 * A `ReLU` directly followed by a `MaxPool2d` runs as pooling then ReLU: the same values and
 * gradients bit for bit (ReLU is monotone and a window's max is one of its elements, so both
 * orders keep the same element, or give 0 with a zero gradient), with ReLU on a quarter of the
 * elements for 2 x 2 windows.
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
      if (next !== undefined && exactly(l, ReLU) && exactly(next, MaxPool2d)) {
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
