// Activation layers: thin modules over the autograd ops.
import type { Tensor } from '@asgrad/autograd';
import { Module } from './module.js';

/** max(x, 0) */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

/** x for x > 0, negativeSlope·x otherwise (default slope 0.01, as PyTorch). */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.leakyRelu(this.negativeSlope);
  }
}

/** 1 / (1 + e^-x) */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

/** Hyperbolic tangent. */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

/** GELU, exact erf form (Hendrycks & Gimpel, https://arxiv.org/abs/1606.08415). */
export class GELU extends Module {
  forward(x: Tensor): Tensor {
    return x.gelu();
  }
}

/** Softmax along `dim` (default -1). */
export class Softmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.softmax(this.dim);
  }
}
