// NAdam, as torch.optim.NAdam (2.x).
import type { Tensor } from '@asgrad/autograd';
import { nadamMu, nadamStep } from '@asgrad/kernels';
import {
  checkCommon,
  Optimizer,
  type OptimizerOptions,
  type ParamGroup,
  type Params,
  type StateSpec,
} from './optimizer.js';
import { betas, boolean, nonNegative } from './validate.js';

/** Options of {@link NAdam}. */
export interface NAdamOptions extends OptimizerOptions {
  /** Decay rates of the first and second moment averages. Default [0.9, 0.999]. */
  betas: [number, number];
  /** Added to the denominator, outside the square root. Default 1e-8. */
  eps: number;
  /** L2 penalty added to the gradient (or decoupled decay, see below). Default 0. */
  weightDecay: number;
  /** ψ in the momentum schedule μ_t = β1·(1 − ½·0.96^(t·ψ)). Default 4e-3. */
  momentumDecay: number;
  /** Apply the weight decay to the parameter as AdamW does (NAdamW). Default false. */
  decoupledWeightDecay: boolean;
}

type NAdamState = { step: number; muProduct: number; expAvg: Tensor; expAvgSq: Tensor };

const DEFAULTS: NAdamOptions = {
  lr: 2e-3,
  betas: [0.9, 0.999],
  eps: 1e-8,
  weightDecay: 0,
  momentumDecay: 4e-3,
  decoupledWeightDecay: false,
  maximize: false,
};

/**
 * NAdam, Adam with Nesterov momentum (Dozat 2016, "Incorporating Nesterov Momentum into Adam",
 * https://openreview.net/forum?id=OM0jvwB8jIp57ZJjtNEZ), PyTorch 2.x's rule:
 *
 * ```
 * t ← t + 1;  g ← ∇f(θ) (negated when maximize) + weightDecay·θ   (decoupled: θ ← θ·(1 − lr·weightDecay))
 * μ_t ← β1·(1 − ½·0.96^(t·ψ));  μ_{t+1} likewise;  Π ← Π·μ_t
 * m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  d ← √(v / (1 − β2ᵗ)) + eps
 * θ ← θ − lr·(1 − μ_t)/(1 − Π) · g/d − lr·μ_{t+1}/(1 − Π·μ_{t+1}) · m/d
 * ```
 *
 * Π is kept in float32, as PyTorch keeps it in a float32 tensor. Defaults: lr 2e-3, betas
 * [0.9, 0.999], eps 1e-8, weightDecay 0, momentumDecay 4e-3, decoupledWeightDecay false,
 * maximize false. Keras 3's Nadam uses lr 0.001, epsilon 1e-7 and μ_t = β1·(1 − ½·0.96^t), which
 * is `momentumDecay: 1` here (tf.keras 2.x used 0.96^(0.004·t), this default). State: `step`,
 * `muProduct`, `expAvg`, `expAvgSq`.
 *
 * @example
 * ```ts
 * const opt = new NAdam(model.parameters(), { lr: 2e-3 });
 * ```
 */
export class NAdam extends Optimizer<NAdamOptions, NAdamState> {
  constructor(params: Params<NAdamOptions>, options: Partial<NAdamOptions> = {}) {
    super('NAdam', params, DEFAULTS, options);
  }

  protected checkOptions(op: string, o: NAdamOptions): void {
    checkCommon(op, o);
    nonNegative(op, 'epsilon value', o.eps);
    betas(op, o.betas);
    nonNegative(op, 'weight_decay value', o.weightDecay);
    nonNegative(op, 'momentum_decay value', o.momentumDecay);
    boolean(op, 'decoupledWeightDecay', o.decoupledWeightDecay);
  }

  protected stateSpec(): StateSpec {
    return {
      step: { kind: 'number', required: true },
      muProduct: { kind: 'number', required: true },
      expAvg: { kind: 'tensor', required: true },
      expAvgSq: { kind: 'tensor', required: true },
    };
  }

  protected initState(p: Tensor): NAdamState {
    return { step: 0, muProduct: 1, expAvg: this.buffer(p), expAvgSq: this.buffer(p) };
  }

  protected update(p: Tensor, g: Tensor, s: NAdamState, o: ParamGroup<NAdamOptions>): void {
    const step = s.step + 1;
    const muProduct = Math.fround(s.muProduct * nadamMu(o.betas[0], o.momentumDecay, step));
    nadamStep(p.ptr, g.ptr, s.expAvg.ptr, s.expAvgSq.ptr, p.size, {
      lr: o.lr,
      beta1: o.betas[0],
      beta2: o.betas[1],
      eps: o.eps,
      weightDecay: o.weightDecay,
      momentumDecay: o.momentumDecay,
      decoupled: o.decoupledWeightDecay,
      maximize: o.maximize,
      step,
      muProduct,
    });
    s.step = step;
    s.muProduct = muProduct;
  }
}
