// Adadelta, as torch.optim.Adadelta.
import type { Tensor } from '@asgrad/autograd';
import { adadeltaStep } from '@asgrad/kernels';
import {
  checkCommon,
  Optimizer,
  type OptimizerOptions,
  type ParamGroup,
  type Params,
  type StateSpec,
} from './optimizer.js';
import { nonNegative, unitInterval } from './validate.js';

/** Options of {@link Adadelta}. */
export interface AdadeltaOptions extends OptimizerOptions {
  /** Decay rate of the squared-gradient and squared-update averages. Default 0.9. */
  rho: number;
  /** Added inside both square roots. Default 1e-6. */
  eps: number;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay: number;
}

type AdadeltaState = { step: number; squareAvg: Tensor; accDelta: Tensor };

const DEFAULTS: AdadeltaOptions = { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false };

/**
 * Adadelta (Zeiler 2012, "ADADELTA: An Adaptive Learning Rate Method",
 * https://arxiv.org/abs/1212.5701), PyTorch's rule:
 *
 * ```
 * g ← ∇f(θ) (negated when maximize) + weightDecay·θ
 * v ← ρ·v + (1 − ρ)·g²
 * Δ ← √(u + eps) / √(v + eps) · g
 * u ← ρ·u + (1 − ρ)·Δ²
 * θ ← θ − lr·Δ
 * ```
 *
 * Defaults: lr 1.0, rho 0.9, eps 1e-6, weightDecay 0, maximize false. Keras's Adadelta uses
 * lr 0.001, rho 0.95 and epsilon 1e-7 (pass `lr: 1.0` there to get the paper's method).
 * State: `step`, `squareAvg`, `accDelta`.
 *
 * @example
 * ```ts
 * const opt = new Adadelta(model.parameters());
 * ```
 */
export class Adadelta extends Optimizer<AdadeltaOptions, AdadeltaState> {
  constructor(params: Params<AdadeltaOptions>, options: Partial<AdadeltaOptions> = {}) {
    super('Adadelta', params, DEFAULTS, options);
  }

  protected checkOptions(op: string, o: AdadeltaOptions): void {
    checkCommon(op, o);
    unitInterval(op, 'rho value', o.rho, true);
    nonNegative(op, 'epsilon value', o.eps);
    nonNegative(op, 'weight_decay value', o.weightDecay);
  }

  protected stateSpec(): StateSpec {
    return {
      step: { kind: 'number', required: true },
      squareAvg: { kind: 'tensor', required: true },
      accDelta: { kind: 'tensor', required: true },
    };
  }

  protected initState(p: Tensor): AdadeltaState {
    return { step: 0, squareAvg: this.buffer(p), accDelta: this.buffer(p) };
  }

  protected update(p: Tensor, g: Tensor, s: AdadeltaState, o: ParamGroup<AdadeltaOptions>): void {
    adadeltaStep(p.ptr, g.ptr, s.squareAvg.ptr, s.accDelta.ptr, p.size, {
      lr: o.lr,
      rho: o.rho,
      eps: o.eps,
      weightDecay: o.weightDecay,
      maximize: o.maximize,
    });
    s.step += 1;
  }
}
