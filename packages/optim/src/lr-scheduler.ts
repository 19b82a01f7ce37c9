// Learning-rate schedulers, as torch.optim.lr_scheduler: the base class and the closed-form
// families (StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR). Each step()
// applies PyTorch's chainable rule to the groups' current lr, so several schedulers stepped
// together compose as in PyTorch; step(epoch) uses the closed form (SequentialLR needs it).
import type { Optimizer } from './optimizer.js';
import { nonNegative, positiveInteger, show } from './validate.js';

export type AnyOptimizer = Optimizer<any, any>;

/** A scheduler's state as plain JSON. */
export interface SchedulerStateDict {
  scheduler: string;
  options: Record<string, unknown>;
  lastEpoch: number;
  stepCount: number;
  baseLrs: number[];
  lastLr: number[];
}

/** Python's modulo (the result has the divisor's sign), which PyTorch's formulas rely on. */
export function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

export function checkOptimizer(op: string, optimizer: unknown): asserts optimizer is AnyOptimizer {
  const o = optimizer as AnyOptimizer | null;
  if (o === null || typeof o !== 'object' || !Array.isArray(o.paramGroups) || typeof o.step !== 'function') {
    throw new Error(`${op}: expected an Optimizer, got ${show(optimizer)}`);
  }
}

/**
 * Base of the epoch-indexed schedulers. Construction performs the first step (epoch 0), as in
 * PyTorch; call `step()` after each `optimizer.step()`.
 */
export abstract class LRScheduler<O extends object = object> {
  /** The learning rate each group started from (its `initialLr`). */
  baseLrs: number[];
  /** The epoch of the last step (0 after construction). */
  lastEpoch = -1;
  /** How many times step() has run. */
  protected stepCount = 0;
  private lastLr: number[] = [];

  /**
   * @param initialLrs set each group's `initialLr` (OneCycleLR); by default a group's `initialLr`
   *   is set to its lr unless an earlier scheduler set it.
   */
  protected constructor(
    readonly name: string,
    readonly optimizer: AnyOptimizer,
    /** The schedule's options, defaults filled in. */
    readonly options: O,
    initialLrs?: number[],
  ) {
    optimizer.paramGroups.forEach((g, i) => {
      if (initialLrs) g.initialLr = initialLrs[i];
      else g.initialLr ??= g.lr;
    });
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
  }

  /** The next learning rates from the current ones (PyTorch's chainable form). */
  protected abstract getLr(): number[];

  /** The learning rates at `lastEpoch` from the base rates, for step(epoch). */
  protected closedFormLr(): number[] {
    return this.getLr();
  }

  /** Checks options loaded from a state dict; throws `Error('<op>: ...')`. */
  protected abstract checkOptions(op: string, o: O): void;

  /** @internal Resets the step count and takes the first step (construction, SequentialLR). */
  _initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /**
   * Advances one epoch and writes the new rate into every `paramGroups[i].lr`. With `epoch`,
   * jumps to that epoch using the closed form (PyTorch's deprecated form).
   */
  step(epoch?: number): void {
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.baseLrs.length) {
      throw new Error(
        `${this.name}.step: the optimizer has ${groups.length} param groups but this scheduler was made for ${this.baseLrs.length}; create schedulers after addParamGroup`,
      );
    }
    if (epoch !== undefined && (!Number.isInteger(epoch) || epoch < 0)) {
      throw new Error(`${this.name}.step: epoch must be a non-negative integer, got ${show(epoch)}`);
    }
    this.stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr();
    }
    groups.forEach((g, i) => {
      g.lr = values[i];
    });
    this.lastLr = groups.map((g) => g.lr);
  }

  /** The learning rates the last step set, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's state as plain JSON. */
  stateDict(): SchedulerStateDict {
    return {
      scheduler: this.name,
      options: JSON.parse(JSON.stringify(this.options)),
      lastEpoch: this.lastEpoch,
      stepCount: this.stepCount,
      baseLrs: [...this.baseLrs],
      lastLr: [...this.lastLr],
    };
  }

  /** Restores a state saved by stateDict() of the same scheduler class; validated first. */
  loadStateDict(sd: SchedulerStateDict): void {
    const op = `${this.name}.loadStateDict`;
    if (sd === null || typeof sd !== 'object')
      throw new Error(`${op}: expected a scheduler state dict, got ${show(sd)}`);
    if (sd.scheduler !== this.name)
      throw new Error(`${op}: this state dict was saved by ${show(sd.scheduler)}, not by ${this.name}`);
    const n = this.optimizer.paramGroups.length;
    for (const key of ['baseLrs', 'lastLr'] as const) {
      const v = sd[key];
      if (
        !Array.isArray(v) ||
        (v.length !== n && !(key === 'lastLr' && v.length === 0)) ||
        !v.every(Number.isFinite)
      ) {
        throw new Error(`${op}: ${key} must be ${n} finite numbers (one per param group), got ${show(v)}`);
      }
    }
    if (!Number.isInteger(sd.lastEpoch) || sd.lastEpoch < -1)
      throw new Error(`${op}: bad lastEpoch ${show(sd.lastEpoch)}`);
    if (!Number.isInteger(sd.stepCount) || sd.stepCount < 0)
      throw new Error(`${op}: bad stepCount ${show(sd.stepCount)}`);
    if (sd.options === null || typeof sd.options !== 'object')
      throw new Error(`${op}: options must be an object`);
    const options = { ...this.options, ...sd.options } as O;
    this.checkOptions(op, options);
    Object.assign(this.options, options);
    this.baseLrs = [...sd.baseLrs];
    this.lastLr = [...sd.lastLr];
    this.lastEpoch = sd.lastEpoch;
    this.stepCount = sd.stepCount;
  }
}

/** Options of {@link StepLR}. */
export interface StepLROptions {
  /** Epochs between decays. */
  stepSize: number;
  /** Multiplicative decay. Default 0.1. */
  gamma?: number;
}

/**
 * Multiplies the learning rate by `gamma` every `stepSize` epochs: lr = base·γ^⌊epoch/stepSize⌋.
 * Defaults: gamma 0.1. Keras: `ExponentialDecay(lr, stepSize, gamma, staircase=True)`.
 *
 * @example
 * ```ts
 * const sched = new StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 90; epoch++) { train(); sched.step(); }
 * ```
 */
export class StepLR extends LRScheduler<Required<StepLROptions>> {
  constructor(optimizer: AnyOptimizer, options: StepLROptions) {
    checkOptimizer('StepLR', optimizer);
    const o = { gamma: 0.1, ...options };
    StepLR.check('StepLR', o);
    super('StepLR', optimizer, o);
    this._initialStep();
  }

  private static check(op: string, o: Required<StepLROptions>): void {
    positiveInteger(op, 'stepSize', o.stepSize);
    nonNegative(op, 'gamma', o.gamma);
  }

  protected checkOptions(op: string, o: Required<StepLROptions>): void {
    StepLR.check(op, o);
  }

  protected getLr(): number[] {
    const { stepSize, gamma } = this.options;
    const decay = this.lastEpoch !== 0 && this.lastEpoch % stepSize === 0;
    return this.optimizer.paramGroups.map((g) => (decay ? g.lr * gamma : g.lr));
  }

  protected override closedFormLr(): number[] {
    const { stepSize, gamma } = this.options;
    return this.baseLrs.map((b) => b * gamma ** Math.floor(this.lastEpoch / stepSize));
  }
}

/** Options of {@link MultiStepLR}. */
export interface MultiStepLROptions {
  /** Epochs at which to decay (a milestone listed twice decays twice). */
  milestones: number[];
  /** Multiplicative decay. Default 0.1. */
  gamma?: number;
}

/**
 * Multiplies the learning rate by `gamma` at each milestone epoch. Defaults: gamma 0.1.
 * Keras: `PiecewiseConstantDecay(boundaries, values)` with the values written out.
 *
 * @example
 * ```ts
 * const sched = new MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 });
 * ```
 */
export class MultiStepLR extends LRScheduler<Required<MultiStepLROptions>> {
  constructor(optimizer: AnyOptimizer, options: MultiStepLROptions) {
    checkOptimizer('MultiStepLR', optimizer);
    const o = { gamma: 0.1, ...options };
    MultiStepLR.check('MultiStepLR', o);
    super('MultiStepLR', optimizer, { ...o, milestones: [...o.milestones] });
    this._initialStep();
  }

  private static check(op: string, o: Required<MultiStepLROptions>): void {
    if (!Array.isArray(o.milestones) || !o.milestones.every((m) => Number.isInteger(m) && m >= 0)) {
      throw new Error(`${op}: milestones must be non-negative integers, got ${show(o.milestones)}`);
    }
    nonNegative(op, 'gamma', o.gamma);
  }

  protected checkOptions(op: string, o: Required<MultiStepLROptions>): void {
    MultiStepLR.check(op, o);
  }

  protected getLr(): number[] {
    const hits = this.options.milestones.filter((m) => m === this.lastEpoch).length;
    return this.optimizer.paramGroups.map((g) => (hits === 0 ? g.lr : g.lr * this.options.gamma ** hits));
  }

  protected override closedFormLr(): number[] {
    const passed = this.options.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((b) => b * this.options.gamma ** passed);
  }
}

/** Options of {@link ExponentialLR}. */
export interface ExponentialLROptions {
  /** Multiplicative decay per epoch. */
  gamma: number;
}

/**
 * Multiplies the learning rate by `gamma` every epoch: lr = base·γ^epoch.
 * Keras: `ExponentialDecay(lr, 1, gamma)`.
 *
 * @example
 * ```ts
 * const sched = new ExponentialLR(opt, { gamma: 0.95 });
 * ```
 */
export class ExponentialLR extends LRScheduler<ExponentialLROptions> {
  constructor(optimizer: AnyOptimizer, options: ExponentialLROptions) {
    checkOptimizer('ExponentialLR', optimizer);
    const o = { ...options };
    nonNegative('ExponentialLR', 'gamma', o.gamma);
    super('ExponentialLR', optimizer, o);
    this._initialStep();
  }

  protected checkOptions(op: string, o: ExponentialLROptions): void {
    nonNegative(op, 'gamma', o.gamma);
  }

  protected getLr(): number[] {
    return this.optimizer.paramGroups.map((g) => (this.lastEpoch === 0 ? g.lr : g.lr * this.options.gamma));
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.options.gamma ** this.lastEpoch);
  }
}

/** Options of {@link CosineAnnealingLR}. */
export interface CosineAnnealingLROptions {
  /** Epochs of one half cosine period (from base lr to etaMin). */
  tMax: number;
  /** Minimum learning rate. Default 0. */
  etaMin?: number;
}

/**
 * Cosine annealing (Loshchilov & Hutter 2017, "SGDR: Stochastic Gradient Descent with Warm
 * Restarts", https://arxiv.org/abs/1608.03983, without the restarts):
 * lr = ηmin + (base − ηmin)·(1 + cos(π·epoch/tMax))/2, continuing as a cosine past tMax, in
 * PyTorch's recursive form. Defaults: etaMin 0. Keras: `CosineDecay(lr, tMax, alpha=ηmin/lr)`
 * (which stays at its minimum after tMax).
 *
 * @example
 * ```ts
 * const sched = new CosineAnnealingLR(opt, { tMax: epochs });
 * ```
 */
export class CosineAnnealingLR extends LRScheduler<Required<CosineAnnealingLROptions>> {
  constructor(optimizer: AnyOptimizer, options: CosineAnnealingLROptions) {
    checkOptimizer('CosineAnnealingLR', optimizer);
    const o = { etaMin: 0, ...options };
    CosineAnnealingLR.check('CosineAnnealingLR', o);
    super('CosineAnnealingLR', optimizer, o);
    this._initialStep();
  }

  private static check(op: string, o: Required<CosineAnnealingLROptions>): void {
    positiveInteger(op, 'tMax', o.tMax);
    nonNegative(op, 'etaMin', o.etaMin);
  }

  protected checkOptions(op: string, o: Required<CosineAnnealingLROptions>): void {
    CosineAnnealingLR.check(op, o);
  }

  protected getLr(): number[] {
    const { tMax: T, etaMin } = this.options;
    const e = this.lastEpoch;
    const groups = this.optimizer.paramGroups;
    if (e === 0) return groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) return this.closedFormLr();
    if (pyMod(e - 1 - T, 2 * T) === 0) {
      return groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return groups.map(
      (g) =>
        ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (g.lr - etaMin) +
        etaMin,
    );
  }

  protected override closedFormLr(): number[] {
    const { tMax: T, etaMin } = this.options;
    return this.baseLrs.map(
      (b) => etaMin + ((b - etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / T))) / 2,
    );
  }
}

/** Options of {@link LinearLR}. */
export interface LinearLROptions {
  /** Factor on the base lr at epoch 0, in (0, 1]. Default 1/3. */
  startFactor?: number;
  /** Factor reached at `totalIters`, in [0, 1]. Default 1. */
  endFactor?: number;
  /** Epochs of the linear ramp. Default 5. */
  totalIters?: number;
}

/**
 * Scales the learning rate by a factor moving linearly from `startFactor` to `endFactor` over
 * `totalIters` epochs, then holds it (a warm-up, or a linear decay). Defaults: startFactor 1/3,
 * endFactor 1, totalIters 5. Keras: `PolynomialDecay(..., power=1)` for the decay direction.
 *
 * @example
 * ```ts
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * ```
 */
export class LinearLR extends LRScheduler<Required<LinearLROptions>> {
  constructor(optimizer: AnyOptimizer, options: LinearLROptions = {}) {
    checkOptimizer('LinearLR', optimizer);
    const o = { startFactor: 1 / 3, endFactor: 1, totalIters: 5, ...options };
    LinearLR.check('LinearLR', o);
    super('LinearLR', optimizer, o);
    this._initialStep();
  }

  private static check(op: string, o: Required<LinearLROptions>): void {
    if (typeof o.startFactor !== 'number' || !(o.startFactor > 0 && o.startFactor <= 1)) {
      throw new Error(`${op}: startFactor must be in (0, 1], got ${show(o.startFactor)}`);
    }
    if (typeof o.endFactor !== 'number' || !(o.endFactor >= 0 && o.endFactor <= 1)) {
      throw new Error(`${op}: endFactor must be in [0, 1], got ${show(o.endFactor)}`);
    }
    positiveInteger(op, 'totalIters', o.totalIters);
  }

  protected checkOptions(op: string, o: Required<LinearLROptions>): void {
    LinearLR.check(op, o);
  }

  protected getLr(): number[] {
    const { startFactor: s, endFactor: f, totalIters: n } = this.options;
    const e = this.lastEpoch;
    const groups = this.optimizer.paramGroups;
    if (e === 0) return groups.map((g) => g.lr * s);
    if (e > n) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }

  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: f, totalIters: n } = this.options;
    return this.baseLrs.map((b) => b * (s + ((f - s) * Math.min(n, this.lastEpoch)) / n));
  }
}
