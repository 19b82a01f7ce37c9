// Adamax, as torch.optim.Adamax.
import type { Tensor } from '@asgrad/autograd';
import { adamaxStep } from '@asgrad/kernels';
import {
  checkCommon,
  Optimizer,
  type OptimizerOptions,
  type ParamGroup,
  type Params,
  type StateSpec,
} from './optimizer.js';
import { betas, nonNegative } from './validate.js';

/** Options of {@link Adamax}. */
export interface AdamaxOptions extends OptimizerOptions {
  /** Decay rates of the first moment and of the infinity norm. Default [0.9, 0.999]. */
  betas: [number, number];
  /** Added to |g| before the running maximum. Default 1e-8. */
  eps: number;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay: number;
}

type AdamaxState = { step: number; expAvg: Tensor; expInf: Tensor };

const DEFAULTS: AdamaxOptions = { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false };

/**
 * Adamax, Adam with the infinity norm (Kingma & Ba 2015, section 7.1,
 * https://arxiv.org/abs/1412.6980), PyTorch's rule:
 *
 * ```
 * t ← t + 1;  g ← ∇f(θ) (negated when maximize) + weightDecay·θ
 * m ← β1·m + (1 − β1)·g
 * u ← max(β2·u, |g| + eps)
 * θ ← θ − (lr / (1 − β1ᵗ)) · m / u
 * ```
 *
 * Defaults: lr 2e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0, maximize false. Keras's
 * Adamax uses lr 0.001 and epsilon 1e-7 added to u in the update. State: `step`, `expAvg`,
 * `expInf`.
 *
 * @example
 * ```ts
 * const opt = new Adamax(model.parameters());
 * ```
 */
export class Adamax extends Optimizer<AdamaxOptions, AdamaxState> {
  constructor(params: Params<AdamaxOptions>, options: Partial<AdamaxOptions> = {}) {
    super('Adamax', params, DEFAULTS, options);
  }

  protected checkOptions(op: string, o: AdamaxOptions): void {
    checkCommon(op, o);
    nonNegative(op, 'epsilon value', o.eps);
    betas(op, o.betas);
    nonNegative(op, 'weight_decay value', o.weightDecay);
  }

  protected stateSpec(): StateSpec {
    return {
      step: { kind: 'number', required: true },
      expAvg: { kind: 'tensor', required: true },
      expInf: { kind: 'tensor', required: true },
    };
  }

  protected initState(p: Tensor): AdamaxState {
    return { step: 0, expAvg: this.buffer(p), expInf: this.buffer(p) };
  }

  protected update(p: Tensor, g: Tensor, s: AdamaxState, o: ParamGroup<AdamaxOptions>): void {
    const step = s.step + 1;
    adamaxStep(p.ptr, g.ptr, s.expAvg.ptr, s.expInf.ptr, p.size, {
      lr: o.lr,
      beta1: o.betas[0],
      beta2: o.betas[1],
      eps: o.eps,
      weightDecay: o.weightDecay,
      maximize: o.maximize,
      step,
    });
    s.step = step;
  }
}
