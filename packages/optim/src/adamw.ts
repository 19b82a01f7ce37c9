// AdamW, as torch.optim.AdamW: Adam with the weight decay taken out of the gradient.
import { Adam } from './adam.js';

/**
 * AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization",
 * https://arxiv.org/abs/1711.05101), PyTorch's rule: Adam with the decay applied to the
 * parameter instead of the gradient,
 *
 * ```
 * θ ← θ·(1 − lr·weightDecay)
 * then Adam's update with g = ∇f(θ) (negated when maximize), without the L2 term
 * ```
 *
 * Defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 1e-2, amsgrad false, maximize
 * false. Keras's AdamW defaults weight_decay to 0.004 and epsilon to 1e-7. State as {@link Adam}.
 *
 * @example
 * ```ts
 * const opt = new AdamW(model.parameters(), { lr: 3e-4, weightDecay: 0.05 });
 * ```
 */
export class AdamW extends Adam {
  protected static override readonly variant = {
    name: 'AdamW',
    defaults: {
      lr: 1e-3,
      betas: [0.9, 0.999] as [number, number],
      eps: 1e-8,
      weightDecay: 1e-2,
      amsgrad: false,
      maximize: false,
    },
    decoupled: true,
  };
}
