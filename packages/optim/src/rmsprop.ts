// RMSprop, as torch.optim.RMSprop.
import type { Tensor } from '@asgrad/autograd';
import { rmspropStep } from '@asgrad/kernels';
import {
  checkCommon,
  Optimizer,
  type OptimizerOptions,
  type ParamGroup,
  type Params,
  type StateSpec,
} from './optimizer.js';
import { boolean, nonNegative } from './validate.js';

/** Options of {@link RMSprop}. */
export interface RMSpropOptions extends OptimizerOptions {
  /** Smoothing constant of the squared-gradient average. Default 0.99. */
  alpha: number;
  /** Added to the denominator, outside the square root. Default 1e-8. */
  eps: number;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay: number;
  /** Momentum factor. Default 0. */
  momentum: number;
  /** Divide by an estimate of the gradient's variance instead of its raw second moment. Default false. */
  centered: boolean;
}

type RMSpropState = {
  step: number;
  squareAvg: Tensor;
  momentumBuffer: Tensor | null;
  gradAvg: Tensor | null;
};

const DEFAULTS: RMSpropOptions = {
  lr: 0.01,
  alpha: 0.99,
  eps: 1e-8,
  weightDecay: 0,
  momentum: 0,
  centered: false,
  maximize: false,
};

/**
 * RMSprop (Hinton, Lecture 6e of "Neural Networks for Machine Learning",
 * https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf; centered form from
 * Graves 2013, https://arxiv.org/abs/1308.0850), PyTorch's rule:
 *
 * ```
 * g ← ∇f(θ) (negated when maximize) + weightDecay·θ
 * v ← α·v + (1 − α)·g²
 * if centered: ḡ ← α·ḡ + (1 − α)·g;  d ← √(v − ḡ²) + eps   else d ← √v + eps
 * if momentum > 0: b ← momentum·b + g/d;  θ ← θ − lr·b     else θ ← θ − lr·g/d
 * ```
 *
 * Defaults: lr 0.01, alpha 0.99, eps 1e-8, weightDecay 0, momentum 0, centered false, maximize
 * false. Keras's RMSprop calls alpha `rho` (default 0.9), uses lr 0.001 and epsilon 1e-7 inside
 * the square root. State: `step`, `squareAvg`, `momentumBuffer` (momentum > 0), `gradAvg`
 * (centered).
 *
 * @example
 * ```ts
 * const opt = new RMSprop(model.parameters(), { lr: 1e-3, alpha: 0.9 });
 * ```
 */
export class RMSprop extends Optimizer<RMSpropOptions, RMSpropState> {
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super('RMSprop', params, DEFAULTS, options);
  }

  protected checkOptions(op: string, o: RMSpropOptions): void {
    checkCommon(op, o);
    nonNegative(op, 'epsilon value', o.eps);
    nonNegative(op, 'momentum value', o.momentum);
    nonNegative(op, 'weight_decay value', o.weightDecay);
    nonNegative(op, 'alpha value', o.alpha);
    boolean(op, 'centered', o.centered);
  }

  protected stateSpec(): StateSpec {
    return {
      step: { kind: 'number', required: true },
      squareAvg: { kind: 'tensor', required: true },
      momentumBuffer: { kind: 'tensor', required: false },
      gradAvg: { kind: 'tensor', required: false },
    };
  }

  protected initState(p: Tensor): RMSpropState {
    return { step: 0, squareAvg: this.buffer(p), momentumBuffer: null, gradAvg: null };
  }

  protected update(p: Tensor, g: Tensor, s: RMSpropState, o: ParamGroup<RMSpropOptions>): void {
    // Buffers appear when an option needs them, also if it is switched on after the first step.
    if (o.momentum > 0) s.momentumBuffer ??= this.buffer(p);
    if (o.centered) s.gradAvg ??= this.buffer(p);
    rmspropStep(p.ptr, g.ptr, s.squareAvg.ptr, s.momentumBuffer?.ptr ?? 0, s.gradAvg?.ptr ?? 0, p.size, {
      lr: o.lr,
      alpha: o.alpha,
      eps: o.eps,
      weightDecay: o.weightDecay,
      momentum: o.momentum,
      centered: o.centered,
      maximize: o.maximize,
    });
    s.step += 1;
  }
}
