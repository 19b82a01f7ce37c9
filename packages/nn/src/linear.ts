// Linear: y = x·Wᵀ + b with PyTorch's layout (weight [out, in]) and default initialisation.
import { linear, type Tensor, zeros } from '@asgrad/autograd';
import { kaimingUniform, uniform } from './init.js';
import { Module } from './module.js';

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * Fully connected layer. Default init is PyTorch's: weight kaiming-uniform with a = √5 (that is
 * U(-1/√in, 1/√in)), bias U(-1/√in, 1/√in).
 * @example
 * ```ts
 * const fc = new Linear(784, 128);
 * const y = fc.forward(x); // x [batch, 784] -> y [batch, 128]
 * ```
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    for (const [n, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0)
        throw new Error(`Linear: ${n} must be a positive integer, got ${v}`);
    }
    this.weight = this.registerParameter(
      'weight',
      kaimingUniform(zeros([outFeatures, inFeatures]), { a: Math.sqrt(5) }),
    );
    const bound = 1 / Math.sqrt(inFeatures);
    this.bias =
      options.bias === false
        ? null
        : this.registerParameter('bias', uniform(zeros([outFeatures]), -bound, bound));
  }

  forward(x: Tensor): Tensor {
    if (x.rank === 2) return linear(x, this.weight, this.bias);
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.inFeatures) {
      throw new Error(`Linear: input of shape [${x.shape}] does not end in ${this.inFeatures} features`);
    }
    const flat = x.reshape(-1, this.inFeatures);
    const y = linear(flat, this.weight, this.bias);
    return y.reshape(...x.shape.slice(0, -1), this.outFeatures);
  }
}
