// Pooling layers (stride defaults to the kernel size, as PyTorch).
import { avgPool2d, maxPool2d, type Pool2dOptions, type Tensor } from '@asgrad/autograd';
import { Module } from './module.js';

type Pair = number | [number, number];

/** 2-D max pooling. */
export class MaxPool2d extends Module {
  /** Window, stride (default: the window) and padding, as given. */
  readonly options: Pool2dOptions;
  constructor(kernelSize: Pair, options: { stride?: Pair; padding?: Pair } = {}) {
    super();
    this.options = { kernelSize, ...options };
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.options);
  }
}

/** 2-D average pooling (padding counts as zeros, as PyTorch's default). */
export class AvgPool2d extends Module {
  /** Window, stride (default: the window) and padding, as given. */
  readonly options: Pool2dOptions;
  constructor(kernelSize: Pair, options: { stride?: Pair; padding?: Pair } = {}) {
    super();
    this.options = { kernelSize, ...options };
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.options);
  }
}
