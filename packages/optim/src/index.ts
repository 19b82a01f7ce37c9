/**
 * @asgrad/optim: PyTorch's optimizers with fused WebAssembly SIMD updates, learning-rate
 * schedulers and gradient clipping.
 *
 * @example
 * ```ts
 * import { tensor, mseLoss } from '@asgrad/autograd';
 * import { Adam, CosineAnnealingLR } from '@asgrad/optim';
 *
 * const w = tensor([[0.1, -0.2]], { requiresGrad: true });
 * const opt = new Adam([w], { lr: 0.05 });
 * const sched = new CosineAnnealingLR(opt, { tMax: 100 });
 * for (let i = 0; i < 100; i++) {
 *   opt.zeroGrad();
 *   mseLoss(x.matmul(w.transpose()), y).backward();
 *   opt.step();
 *   sched.step();
 * }
 * ```
 */
export { ready } from '@asgrad/autograd';
export { Adadelta, type AdadeltaOptions } from './adadelta.js';
export { Adagrad, type AdagradOptions } from './adagrad.js';
export { Adam, type AdamOptions } from './adam.js';
export { Adamax, type AdamaxOptions } from './adamax.js';
export { AdamW } from './adamw.js';
export { type ClipGradNormOptions, clipGradNorm, clipGradValue } from './clip.js';
export { Lion, type LionOptions } from './lion.js';
export {
  type AnyOptimizer,
  CosineAnnealingLR,
  type CosineAnnealingLROptions,
  ExponentialLR,
  type ExponentialLROptions,
  LinearLR,
  type LinearLROptions,
  LRScheduler,
  MultiStepLR,
  type MultiStepLROptions,
  type SchedulerStateDict,
  StepLR,
  type StepLROptions,
} from './lr-scheduler.js';
export { NAdam, type NAdamOptions } from './nadam.js';
export { OneCycleLR, type OneCycleLROptions } from './one-cycle-lr.js';
export {
  Optimizer,
  type OptimizerOptions,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type Params,
  type SchedulerKeys,
  type StateEntry,
  type StateSpec,
} from './optimizer.js';
export {
  type PlateauStateDict,
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
} from './reduce-lr-on-plateau.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export {
  ChainedScheduler,
  type CombinedStateDict,
  SequentialLR,
  type SequentialLROptions,
} from './sequential-lr.js';
export { SGD, type SGDOptions } from './sgd.js';
