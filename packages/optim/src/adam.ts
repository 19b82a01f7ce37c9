// Adam, as torch.optim.Adam; AdamW (adamw.ts) reuses it with decoupled weight decay.
import type { Tensor } from '@asgrad/autograd';
import { adamStep } from '@asgrad/kernels';
import {
  checkCommon,
  Optimizer,
  type OptimizerOptions,
  type ParamGroup,
  type Params,
  type StateSpec,
} from './optimizer.js';
import { betas, boolean, nonNegative } from './validate.js';

/** Options of {@link Adam} and {@link AdamW}. */
export interface AdamOptions extends OptimizerOptions {
  /** Decay rates of the first and second moment averages. Default [0.9, 0.999]. */
  betas: [number, number];
  /** Added to the denominator, outside the square root. Default 1e-8. */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 1e-2). */
  weightDecay: number;
  /** Use the running maximum of the second moment (Reddi et al. 2018). Default false. */
  amsgrad: boolean;
}

type AdamState = { step: number; expAvg: Tensor; expAvgSq: Tensor; maxExpAvgSq: Tensor | null };

/** How Adam and AdamW differ. */
interface Variant {
  name: string;
  defaults: AdamOptions;
  decoupled: boolean;
}

/**
 * Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization",
 * https://arxiv.org/abs/1412.6980; amsgrad from Reddi, Kale & Kumar 2018, "On the Convergence of
 * Adam and Beyond", https://openreview.net/forum?id=ryQu7f-RZ), PyTorch's rule:
 *
 * ```
 * t ← t + 1;  g ← ∇f(θ) (negated when maximize) + weightDecay·θ
 * m ← β1·m + (1 − β1)·g
 * v ← β2·v + (1 − β2)·g²;   amsgrad: v̂ ← max(v̂, v) and v̂ is used below in place of v
 * θ ← θ − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + eps)
 * ```
 *
 * Defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0, amsgrad false, maximize false.
 * Keras's Adam uses epsilon 1e-7 and adds it to √v̂ after bias-correcting the step ("epsilon hat"),
 * which differs from PyTorch's placement in the first steps. State: `step`, `expAvg`,
 * `expAvgSq`, `maxExpAvgSq` (amsgrad).
 *
 * @example
 * ```ts
 * const opt = new Adam(model.parameters(), { lr: 1e-3 });
 * for (const { x, y } of loader) {
 *   opt.zeroGrad();
 *   crossEntropy(model.forward(x), y).backward();
 *   opt.step();
 * }
 * ```
 */
export class Adam extends Optimizer<AdamOptions, AdamState> {
  protected static readonly variant: Variant = {
    name: 'Adam',
    defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false },
    decoupled: false,
  };

  private readonly decoupled: boolean;

  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    const v = (new.target as typeof Adam).variant;
    super(v.name, params, v.defaults, options);
    this.decoupled = v.decoupled;
  }

  protected checkOptions(op: string, o: AdamOptions): void {
    checkCommon(op, o);
    nonNegative(op, 'epsilon value', o.eps);
    betas(op, o.betas);
    nonNegative(op, 'weight_decay value', o.weightDecay);
    boolean(op, 'amsgrad', o.amsgrad);
  }

  protected stateSpec(): StateSpec {
    return {
      step: { kind: 'number', required: true },
      expAvg: { kind: 'tensor', required: true },
      expAvgSq: { kind: 'tensor', required: true },
      maxExpAvgSq: { kind: 'tensor', required: false },
    };
  }

  protected initState(p: Tensor): AdamState {
    return { step: 0, expAvg: this.buffer(p), expAvgSq: this.buffer(p), maxExpAvgSq: null };
  }

  protected update(p: Tensor, g: Tensor, s: AdamState, o: ParamGroup<AdamOptions>): void {
    if (o.amsgrad) s.maxExpAvgSq ??= this.buffer(p);
    const step = s.step + 1;
    adamStep(p.ptr, g.ptr, s.expAvg.ptr, s.expAvgSq.ptr, s.maxExpAvgSq?.ptr ?? 0, p.size, {
      lr: o.lr,
      beta1: o.betas[0],
      beta2: o.betas[1],
      eps: o.eps,
      weightDecay: o.weightDecay,
      decoupled: this.decoupled,
      amsgrad: o.amsgrad,
      maximize: o.maximize,
      step,
    });
    s.step = step;
  }
}
