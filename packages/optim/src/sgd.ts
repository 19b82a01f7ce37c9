// SGD, optionally with momentum (heavy ball or Nesterov), as torch.optim.SGD.
import type { Tensor } from '@asgrad/autograd';
import { sgdStep } from '@asgrad/kernels';
import {
  checkCommon,
  Optimizer,
  type OptimizerOptions,
  type ParamGroup,
  type Params,
  type StateSpec,
} from './optimizer.js';
import { nonNegative } from './validate.js';

/** Options of {@link SGD}. */
export interface SGDOptions extends OptimizerOptions {
  /** Momentum factor (0 = plain SGD). Default 0. */
  momentum: number;
  /** Dampening for momentum. Default 0. */
  dampening: number;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay: number;
  /** Nesterov momentum; needs momentum > 0 and dampening 0. Default false. */
  nesterov: boolean;
}

type SGDState = { momentumBuffer: Tensor | null };

const DEFAULTS: SGDOptions = {
  lr: 1e-3,
  momentum: 0,
  dampening: 0,
  weightDecay: 0,
  nesterov: false,
  maximize: false,
};

/**
 * Stochastic gradient descent with optional momentum, PyTorch's rule (Sutskever et al. 2013,
 * "On the importance of initialization and momentum in deep learning",
 * http://proceedings.mlr.press/v28/sutskever13.html, for the Nesterov form):
 *
 * ```
 * g ← ∇f(θ) (negated when maximize) + weightDecay·θ
 * if momentum ≠ 0:
 *   b ← g on the first step, else momentum·b + (1 − dampening)·g
 *   g ← nesterov ? g + momentum·b : b
 * θ ← θ − lr·g
 * ```
 *
 * Defaults: lr 1e-3, momentum 0, dampening 0, weightDecay 0, nesterov false, maximize false.
 * Keras's `SGD(momentum=m)` keeps lr inside its velocity (v ← m·v − lr·g); the two agree while lr
 * is constant and differ once a schedule changes it. State: `momentumBuffer` (when momentum ≠ 0).
 *
 * @example
 * ```ts
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 * ```
 */
export class SGD extends Optimizer<SGDOptions, SGDState> {
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super('SGD', params, DEFAULTS, options);
  }

  protected checkOptions(op: string, o: SGDOptions): void {
    checkCommon(op, o);
    nonNegative(op, 'momentum value', o.momentum);
    nonNegative(op, 'dampening', o.dampening);
    nonNegative(op, 'weight decay', o.weightDecay);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new Error(
        `${op}: Nesterov momentum requires a momentum > 0 and zero dampening (got momentum ${o.momentum}, dampening ${o.dampening})`,
      );
    }
  }

  protected stateSpec(): StateSpec {
    return { momentumBuffer: { kind: 'tensor', required: false } };
  }

  protected initState(): SGDState {
    return { momentumBuffer: null };
  }

  protected update(p: Tensor, g: Tensor, s: SGDState, o: ParamGroup<SGDOptions>): void {
    let first = false;
    if (o.momentum !== 0 && s.momentumBuffer === null) {
      s.momentumBuffer = this.buffer(p);
      first = true;
    }
    sgdStep(p.ptr, g.ptr, s.momentumBuffer?.ptr ?? 0, p.size, {
      lr: o.lr,
      momentum: o.momentum,
      dampening: o.dampening,
      weightDecay: o.weightDecay,
      nesterov: o.nesterov,
      maximize: o.maximize,
      first,
    });
  }
}
