// Adagrad, as torch.optim.Adagrad.
import type { Tensor } from '@asgrad/autograd';
import { adagradStep } from '@asgrad/kernels';
import {
  checkCommon,
  Optimizer,
  type OptimizerOptions,
  type ParamGroup,
  type Params,
  type StateSpec,
} from './optimizer.js';
import { nonNegative } from './validate.js';

/** Options of {@link Adagrad}. */
export interface AdagradOptions extends OptimizerOptions {
  /** Learning-rate decay: step t uses lr / (1 + (t − 1)·lrDecay). Default 0. */
  lrDecay: number;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay: number;
  /** Starting value of the accumulated squared gradients. Default 0. */
  initialAccumulatorValue: number;
  /** Added to the denominator, outside the square root. Default 1e-10. */
  eps: number;
}

type AdagradState = { step: number; sum: Tensor };

const DEFAULTS: AdagradOptions = {
  lr: 0.01,
  lrDecay: 0,
  weightDecay: 0,
  initialAccumulatorValue: 0,
  eps: 1e-10,
  maximize: false,
};

/**
 * Adagrad (Duchi, Hazan & Singer 2011, "Adaptive Subgradient Methods for Online Learning and
 * Stochastic Optimization", https://jmlr.org/papers/v12/duchi11a.html), PyTorch's rule:
 *
 * ```
 * t ← t + 1;  g ← ∇f(θ) (negated when maximize) + weightDecay·θ
 * η ← lr / (1 + (t − 1)·lrDecay)
 * s ← s + g²                      (s starts at initialAccumulatorValue)
 * θ ← θ − η·g / (√s + eps)
 * ```
 *
 * Defaults: lr 0.01, lrDecay 0, weightDecay 0, initialAccumulatorValue 0, eps 1e-10, maximize
 * false. Keras's Adagrad starts the accumulator at 0.1 and puts epsilon (1e-7) inside the
 * square root: pass `initialAccumulatorValue: 0.1` to match its start. A group's own
 * `initialAccumulatorValue` is honoured (PyTorch starts every group at the constructor's value).
 * State: `step`, `sum`.
 *
 * @example
 * ```ts
 * const opt = new Adagrad(model.parameters(), { lr: 0.05 });
 * ```
 */
export class Adagrad extends Optimizer<AdagradOptions, AdagradState> {
  constructor(params: Params<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super('Adagrad', params, DEFAULTS, options);
  }

  protected checkOptions(op: string, o: AdagradOptions): void {
    checkCommon(op, o);
    nonNegative(op, 'lr_decay value', o.lrDecay);
    nonNegative(op, 'weight decay', o.weightDecay);
    nonNegative(op, 'initial accumulator value', o.initialAccumulatorValue);
    nonNegative(op, 'epsilon value', o.eps);
  }

  protected stateSpec(): StateSpec {
    return { step: { kind: 'number', required: true }, sum: { kind: 'tensor', required: true } };
  }

  protected initState(p: Tensor, o: ParamGroup<AdagradOptions>): AdagradState {
    return { step: 0, sum: this.buffer(p, o.initialAccumulatorValue) };
  }

  protected update(p: Tensor, g: Tensor, s: AdagradState, o: ParamGroup<AdagradOptions>): void {
    const step = s.step + 1;
    adagradStep(p.ptr, g.ptr, s.sum.ptr, p.size, {
      lr: o.lr,
      lrDecay: o.lrDecay,
      weightDecay: o.weightDecay,
      eps: o.eps,
      maximize: o.maximize,
      step,
    });
    s.step = step;
  }
}
