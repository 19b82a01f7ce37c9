// Lion, from the paper (not in torch.optim).
import type { Tensor } from '@asgrad/autograd';
import { lionStep } from '@asgrad/kernels';
import {
  checkCommon,
  Optimizer,
  type OptimizerOptions,
  type ParamGroup,
  type Params,
  type StateSpec,
} from './optimizer.js';
import { betas, nonNegative } from './validate.js';

/** Options of {@link Lion}. */
export interface LionOptions extends OptimizerOptions {
  /** β1 interpolates the update direction, β2 the momentum. Default [0.9, 0.99]. */
  betas: [number, number];
  /** Decoupled weight decay λ (θ ← θ − lr·λ·θ). Default 0. */
  weightDecay: number;
}

type LionState = { expAvg: Tensor };

const DEFAULTS: LionOptions = { lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, maximize: false };

/**
 * Lion, EvoLved Sign Momentum (Chen et al. 2023, "Symbolic Discovery of Optimization
 * Algorithms", https://arxiv.org/abs/2302.06675, Algorithm 2):
 *
 * ```
 * g ← ∇f(θ) (negated when maximize)
 * c ← β1·m + (1 − β1)·g
 * θ ← θ − lr·(sign(c) + λ·θ)          (as θ ← θ·(1 − lr·λ) − lr·sign(c))
 * m ← β2·m + (1 − β2)·g
 * ```
 *
 * Every coordinate moves by exactly lr per step, so Lion wants a learning rate 3-10x smaller
 * than AdamW's and a weight decay 3-10x larger (the paper's advice). Defaults: lr 1e-4,
 * betas [0.9, 0.99], weightDecay 0, maximize false (an asgrad addition). Keras's Lion has the
 * same rule and defaults (lr 0.001). State: `expAvg`.
 *
 * @example
 * ```ts
 * const opt = new Lion(model.parameters(), { lr: 3e-5, weightDecay: 0.1 });
 * ```
 */
export class Lion extends Optimizer<LionOptions, LionState> {
  constructor(params: Params<LionOptions>, options: Partial<LionOptions> = {}) {
    super('Lion', params, DEFAULTS, options);
  }

  protected checkOptions(op: string, o: LionOptions): void {
    checkCommon(op, o);
    betas(op, o.betas);
    nonNegative(op, 'weight_decay value', o.weightDecay);
  }

  protected stateSpec(): StateSpec {
    return { expAvg: { kind: 'tensor', required: true } };
  }

  protected initState(p: Tensor): LionState {
    return { expAvg: this.buffer(p) };
  }

  protected update(p: Tensor, g: Tensor, s: LionState, o: ParamGroup<LionOptions>): void {
    lionStep(p.ptr, g.ptr, s.expAvg.ptr, p.size, {
      lr: o.lr,
      beta1: o.betas[0],
      beta2: o.betas[1],
      weightDecay: o.weightDecay,
      maximize: o.maximize,
    });
  }
}
