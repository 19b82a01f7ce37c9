// Sequential and Flatten: composing layers.
import type { Tensor } from '@asgrad/autograd';
import { Module } from './module.js';

/**
 * Runs its layers in order; children are named '0', '1', ... as in PyTorch.
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
    for (const l of this.layers) y = l.forward(y);
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
