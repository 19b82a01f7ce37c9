// Conv2d: PyTorch's layout (NCHW input, weight [out, in, kh, kw]) and default initialisation.
import { conv2d, type Tensor, zeros } from '@asgrad/autograd';
import { fans, kaimingUniform, uniform } from './init.js';
import { Module } from './module.js';

type Pair = number | [number, number];

/** Options of {@link Conv2d}. */
export interface Conv2dLayerOptions {
  stride?: Pair;
  padding?: Pair;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
}

/**
 * 2-D convolution layer. Default init is PyTorch's: weight kaiming-uniform with a = √5, bias
 * U(-1/√fanIn, 1/√fanIn), fanIn = in·kh·kw.
 * @example
 * ```ts
 * const conv = new Conv2d(1, 32, 3, { padding: 1 });
 * conv.forward(x); // [N, 1, 28, 28] -> [N, 32, 28, 28]
 * ```
 */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: Pair;
  readonly padding: Pair;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    options: Conv2dLayerOptions = {},
  ) {
    super();
    const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    for (const [n, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
      ['kernelSize', kh],
      ['kernelSize', kw],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0)
        throw new Error(`Conv2d: ${n} must be a positive integer, got ${v}`);
    }
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    const w = kaimingUniform(zeros([outChannels, inChannels, kh, kw]), { a: Math.sqrt(5) });
    this.weight = this.registerParameter('weight', w);
    const bound = 1 / Math.sqrt(fans(w).fanIn);
    this.bias =
      options.bias === false
        ? null
        : this.registerParameter('bias', uniform(zeros([outChannels]), -bound, bound));
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }
}
