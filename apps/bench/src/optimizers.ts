// The `optim` suite's optimizers and the settings each library gets, chosen so that both
// compute the same update rule wherever their APIs allow it (TF.js's defaults differ from
// PyTorch's, e.g. RMSprop decay 0.9 vs 0.99, Adadelta lr 0.001 vs 1).

export const OPTIMIZER_NAMES = [
  'SGD',
  'Momentum',
  'Adagrad',
  'RMSprop',
  'Adam',
  'AdamW',
  'Adamax',
  'NAdam',
  'Adadelta',
] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** A `tf.train` factory and its positional arguments. */
export type TfjsOptimizer = { factory: string; args: number[] } | { missing: string };

export interface OptimizerSetup {
  /** The @asgrad/optim class and its options. */
  asgrad: { cls: string; options: Record<string, unknown> };
  tfjs: TfjsOptimizer;
  /** Where the two rules still differ (shown in the notes). */
  difference?: string;
}

export const OPTIMIZERS: Record<OptimizerName, OptimizerSetup> = {
  SGD: { asgrad: { cls: 'SGD', options: { lr: 0.01 } }, tfjs: { factory: 'sgd', args: [0.01] } },
  Momentum: {
    asgrad: { cls: 'SGD', options: { lr: 0.01, momentum: 0.9 } },
    tfjs: { factory: 'momentum', args: [0.01, 0.9] },
  },
  Adagrad: {
    // TF.js starts the accumulator at 0.1 (it must be > 0); asgrad is told to do the same.
    asgrad: { cls: 'Adagrad', options: { lr: 0.01, initialAccumulatorValue: 0.1 } },
    tfjs: { factory: 'adagrad', args: [0.01, 0.1] },
    difference: 'TF.js adds epsilon inside the square root',
  },
  RMSprop: {
    asgrad: { cls: 'RMSprop', options: { lr: 0.001, alpha: 0.9, eps: 1e-7 } },
    tfjs: { factory: 'rmsprop', args: [0.001, 0.9, 0, 1e-7] },
    difference:
      "TF.js adds epsilon inside the square root, so where |g| is near zero its step is near zero while PyTorch's is a full step: ≠ on the check",
  },
  Adam: {
    asgrad: { cls: 'Adam', options: { lr: 0.001, betas: [0.9, 0.999], eps: 1e-8 } },
    tfjs: { factory: 'adam', args: [0.001, 0.9, 0.999, 1e-8] },
  },
  AdamW: {
    asgrad: { cls: 'AdamW', options: { lr: 0.001, weightDecay: 0.01 } },
    tfjs: { missing: 'TF.js 4.22 has no AdamW (no decoupled weight decay in tf.train)' },
  },
  Adamax: {
    asgrad: { cls: 'Adamax', options: { lr: 0.002, betas: [0.9, 0.999], eps: 1e-8 } },
    tfjs: { factory: 'adamax', args: [0.002, 0.9, 0.999, 1e-8, 0] },
    difference: 'PyTorch adds epsilon to |g| inside the max, TF.js to the max',
  },
  NAdam: {
    asgrad: { cls: 'NAdam', options: { lr: 0.002 } },
    tfjs: { missing: 'TF.js 4.22 has no NAdam in tf.train' },
  },
  Adadelta: {
    asgrad: { cls: 'Adadelta', options: { lr: 1, rho: 0.9, eps: 1e-6 } },
    tfjs: { factory: 'adadelta', args: [1, 0.9, 1e-6] },
    difference:
      'TF.js divides by the squared-gradient average from before this step (its first step is lr·g), PyTorch by the updated one: ≠ on the check',
  },
};
