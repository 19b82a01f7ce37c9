// ReduceLROnPlateau, as torch.optim.lr_scheduler.ReduceLROnPlateau.
import { type AnyOptimizer, checkOptimizer } from './lr-scheduler.js';
import { nonNegative, show } from './validate.js';

/** Options of {@link ReduceLROnPlateau}. */
export interface ReduceLROnPlateauOptions {
  /** 'min': the metric should fall (a loss); 'max': it should rise (an accuracy). Default 'min'. */
  mode?: 'min' | 'max';
  /** lr ← lr·factor on a plateau, factor < 1. Default 0.1. */
  factor?: number;
  /** Epochs without improvement to wait before reducing. Default 10. */
  patience?: number;
  /** What counts as an improvement (see thresholdMode). Default 1e-4. */
  threshold?: number;
  /** 'rel': better than best·(1 ∓ threshold); 'abs': better than best ∓ threshold. Default 'rel'. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again. Default 0. */
  cooldown?: number;
  /** Lower bound on the lr, one for all groups or one per group. Default 0. */
  minLr?: number | number[];
  /** Reductions smaller than eps are skipped. Default 1e-8. */
  eps?: number;
}

type Resolved = Required<Omit<ReduceLROnPlateauOptions, 'minLr'>> & { minLr: number[] };

/** ReduceLROnPlateau's state as plain JSON (`best` is null until the first metric). */
export interface PlateauStateDict {
  scheduler: 'ReduceLROnPlateau';
  options: Resolved;
  best: number | null;
  numBadEpochs: number;
  cooldownCounter: number;
  lastEpoch: number;
  lastLr: number[];
}

function check(op: string, o: Resolved, groups: number): void {
  if (o.mode !== 'min' && o.mode !== 'max')
    throw new Error(`${op}: mode must be 'min' or 'max', got ${show(o.mode)}`);
  if (o.thresholdMode !== 'rel' && o.thresholdMode !== 'abs') {
    throw new Error(`${op}: thresholdMode must be 'rel' or 'abs', got ${show(o.thresholdMode)}`);
  }
  if (typeof o.factor !== 'number' || !(o.factor >= 0 && o.factor < 1)) {
    throw new Error(`${op}: factor must be in [0, 1), got ${show(o.factor)}`);
  }
  for (const k of ['patience', 'cooldown'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 0)
      throw new Error(`${op}: ${k} must be a non-negative integer, got ${show(o[k])}`);
  }
  nonNegative(op, 'threshold', o.threshold);
  nonNegative(op, 'eps', o.eps);
  if (!Array.isArray(o.minLr) || o.minLr.length !== groups) {
    throw new Error(`${op}: expected ${groups} minLr values (one per param group), got ${show(o.minLr)}`);
  }
  o.minLr.forEach((m) => {
    nonNegative(op, 'minLr', m);
  });
}

/**
 * Reduces the learning rate when a metric stops improving: after more than `patience` epochs
 * without improvement, each group's lr ← max(lr·factor, minLr). Call `step(metric)` once per
 * epoch with the validation loss (mode 'min') or accuracy (mode 'max'). Defaults: mode 'min',
 * factor 0.1, patience 10, threshold 1e-4, thresholdMode 'rel', cooldown 0, minLr 0, eps 1e-8.
 * Keras: the `ReduceLROnPlateau` callback (monitor, factor, patience, min_delta as an 'abs'
 * threshold, cooldown, min_lr).
 *
 * @example
 * ```ts
 * const sched = new ReduceLROnPlateau(opt, { factor: 0.5, patience: 2 });
 * for (let epoch = 0; epoch < 50; epoch++) { train(); sched.step(validationLoss()); }
 * ```
 */
export class ReduceLROnPlateau {
  readonly options: Resolved;
  /** The best metric seen (±Infinity before the first). */
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(
    readonly optimizer: AnyOptimizer,
    options: ReduceLROnPlateauOptions = {},
  ) {
    checkOptimizer('ReduceLROnPlateau', optimizer);
    const n = optimizer.paramGroups.length;
    const minLr = options.minLr ?? 0;
    const o: Resolved = {
      mode: 'min',
      factor: 0.1,
      patience: 10,
      threshold: 1e-4,
      thresholdMode: 'rel',
      cooldown: 0,
      eps: 1e-8,
      ...options,
      minLr: Array.isArray(minLr) ? [...minLr] : new Array(n).fill(minLr),
    };
    check('ReduceLROnPlateau', o, n);
    this.options = o;
    this.best = this.worst();
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private worst(): number {
    return this.options.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  private isBetter(a: number): boolean {
    const { mode, threshold, thresholdMode } = this.options;
    const best = this.best;
    if (mode === 'min') return thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  /** Records one epoch's metric and reduces the lr after a plateau. */
  step(metric: number): void {
    if (typeof metric !== 'number' || Number.isNaN(metric)) {
      throw new Error(`ReduceLROnPlateau.step: metric must be a number, got ${show(metric)}`);
    }
    this.lastEpoch++;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.options.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const next = Math.max(g.lr * this.options.factor, this.options.minLr[i]);
        if (g.lr - next > this.options.eps) g.lr = next;
      });
      this.cooldownCounter = this.options.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rates after the last step, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): PlateauStateDict {
    return {
      scheduler: 'ReduceLROnPlateau',
      options: { ...this.options, minLr: [...this.options.minLr] },
      best: Number.isFinite(this.best) ? this.best : null,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastEpoch: this.lastEpoch,
      lastLr: [...this.lastLr],
    };
  }

  loadStateDict(sd: PlateauStateDict): void {
    const op = 'ReduceLROnPlateau.loadStateDict';
    if (sd === null || typeof sd !== 'object' || sd.scheduler !== 'ReduceLROnPlateau') {
      throw new Error(`${op}: this state dict was saved by ${show(sd?.scheduler)}, not by ReduceLROnPlateau`);
    }
    const o = { ...this.options, ...sd.options };
    check(op, o, this.optimizer.paramGroups.length);
    if (sd.best !== null && typeof sd.best !== 'number')
      throw new Error(`${op}: best must be a number or null`);
    for (const k of ['numBadEpochs', 'cooldownCounter', 'lastEpoch'] as const) {
      if (!Number.isInteger(sd[k]) || sd[k] < 0)
        throw new Error(`${op}: ${k} must be a non-negative integer, got ${show(sd[k])}`);
    }
    Object.assign(this.options, o, { minLr: [...o.minLr] });
    this.best = sd.best ?? this.worst();
    this.numBadEpochs = sd.numBadEpochs;
    this.cooldownCounter = sd.cooldownCounter;
    this.lastEpoch = sd.lastEpoch;
    if (Array.isArray(sd.lastLr)) this.lastLr = [...sd.lastLr];
  }
}
