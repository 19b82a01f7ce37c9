// Batch normalisation (Ioffe & Szegedy 2015, https://arxiv.org/abs/1502.03167) with PyTorch's
// semantics: batch statistics (biased variance) in training, running statistics (updated with
// the unbiased variance, momentum 0.1) in eval.
import { noGrad, ones, scope, type Tensor, tensor, zeros } from '@asgrad/autograd';
import { Module } from './module.js';

/** Options of the batch-norm layers (PyTorch's defaults). */
export interface BatchNormOptions {
  eps?: number;
  momentum?: number;
  affine?: boolean;
  trackRunningStats?: boolean;
}

abstract class BatchNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number;

  constructor(
    readonly numFeatures: number,
    options: BatchNormOptions,
    private readonly ranks: number[],
  ) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) {
      throw new Error(`${this.constructor.name}: numFeatures must be a positive integer, got ${numFeatures}`);
    }
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    const affine = options.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones([numFeatures])) : null;
    this.bias = affine ? this.registerParameter('bias', zeros([numFeatures])) : null;
    const track = options.trackRunningStats ?? true;
    this.runningMean = track ? this.registerBuffer('running_mean', zeros([numFeatures])) : null;
    this.runningVar = track ? this.registerBuffer('running_var', ones([numFeatures])) : null;
    this.numBatchesTracked = track
      ? this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int32' }))
      : null;
  }

  forward(x: Tensor): Tensor {
    const name = this.constructor.name;
    if (!this.ranks.includes(x.rank)) {
      throw new Error(`${name}: expected input of rank ${this.ranks.join(' or ')}, got shape [${x.shape}]`);
    }
    if (x.shape[1] !== this.numFeatures) {
      throw new Error(
        `${name}: input has ${x.shape[1]} channels (shape [${x.shape}]) but the layer has ${this.numFeatures}`,
      );
    }
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const bshape = x.shape.map((d, i) => (i === 1 ? d : 1));
    const count = x.size / this.numFeatures;
    let xhat: Tensor;
    if (this.training || !this.runningMean || !this.runningVar) {
      if (this.training && count <= 1) {
        throw new Error(
          `${name}: expected more than 1 value per channel when training, got input of shape [${x.shape}]`,
        );
      }
      const mean = x.mean(axes, true);
      const d = x.sub(mean);
      const variance = d.mul(d).mean(axes, true);
      xhat = d.div(variance.add(this.eps).sqrt());
      if (this.training && this.runningMean && this.runningVar && this.numBatchesTracked) {
        const m = this.momentum;
        const rm = this.runningMean;
        const rv = this.runningVar;
        const nb = this.numBatchesTracked;
        scope(() =>
          noGrad(() => {
            rm.copyFrom(rm.mul(1 - m).add(mean.reshape(-1).mul(m)));
            rv.copyFrom(rv.mul(1 - m).add(variance.reshape(-1).mul((m * count) / (count - 1))));
            nb.copyFrom(tensor(nb.item() + 1, { dtype: 'int32' }));
          }),
        );
      }
    } else {
      xhat = x
        .sub(this.runningMean.reshape(bshape))
        .div(this.runningVar.reshape(bshape).add(this.eps).sqrt());
    }
    if (!this.weight || !this.bias) return xhat;
    return xhat.mul(this.weight.reshape(bshape)).add(this.bias.reshape(bshape));
  }
}

/** Batch norm over [N, C] or [N, C, L] inputs. */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, [2, 3]);
  }
}

/** Batch norm over [N, C, H, W] inputs. */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, [4]);
  }
}
