// Combining schedulers: SequentialLR (one after another) and ChainedScheduler (all at once),
// as torch.optim.lr_scheduler.
import { type AnyOptimizer, checkOptimizer, LRScheduler, type SchedulerStateDict } from './lr-scheduler.js';
import { show } from './validate.js';

/** A combined scheduler's state: its own counters and each child's state. */
export interface CombinedStateDict {
  scheduler: 'SequentialLR' | 'ChainedScheduler';
  lastEpoch: number;
  lastLr: number[];
  schedulers: SchedulerStateDict[];
}

function checkChildren(op: string, optimizer: AnyOptimizer, schedulers: unknown): LRScheduler[] {
  if (!Array.isArray(schedulers) || schedulers.length === 0) {
    throw new Error(`${op}: schedulers must be a non-empty array of LR schedulers, got ${show(schedulers)}`);
  }
  schedulers.forEach((s, i) => {
    if (!(s instanceof LRScheduler))
      throw new Error(`${op}: schedulers[${i}] is not an LR scheduler (got ${show(s)})`);
    if (s.optimizer !== optimizer) {
      throw new Error(`${op}: schedulers[${i}] belongs to a different optimizer than the one passed in`);
    }
  });
  return [...schedulers];
}

function loadChildren(op: string, children: LRScheduler[], sd: CombinedStateDict): void {
  if (!Array.isArray(sd.schedulers) || sd.schedulers.length !== children.length) {
    throw new Error(`${op}: expected ${children.length} scheduler states, got ${show(sd.schedulers)}`);
  }
  sd.schedulers.forEach((s, i) => {
    if (s?.scheduler !== children[i].name) {
      throw new Error(
        `${op}: schedulers[${i}] state was saved by ${show(s?.scheduler)}, not by ${children[i].name}`,
      );
    }
  });
  if (!Number.isInteger(sd.lastEpoch)) throw new Error(`${op}: bad lastEpoch ${show(sd.lastEpoch)}`);
  if (!Array.isArray(sd.lastLr) || !sd.lastLr.every(Number.isFinite)) {
    throw new Error(`${op}: lastLr must be an array of numbers, got ${show(sd.lastLr)}`);
  }
  // Each child validates its own state; restore on a copy first so a failure changes nothing.
  const before = children.map((c) => c.stateDict());
  try {
    sd.schedulers.forEach((s, i) => {
      children[i].loadStateDict(s);
    });
  } catch (e) {
    before.forEach((s, i) => {
      children[i].loadStateDict(s);
    });
    throw e;
  }
}

/** Options of {@link SequentialLR}. */
export interface SequentialLROptions {
  /** Schedulers of the same optimizer, used one after another. */
  schedulers: LRScheduler[];
  /** Epochs at which to switch to the next scheduler (one fewer than schedulers). */
  milestones: number[];
}

/**
 * Runs `schedulers[0]` until `milestones[0]`, then `schedulers[1]` (restarted at its epoch 0)
 * until `milestones[1]`, and so on: e.g. a linear warm-up followed by cosine annealing.
 *
 * @example
 * ```ts
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const decay = new CosineAnnealingLR(opt, { tMax: 95 });
 * const sched = new SequentialLR(opt, { schedulers: [warmup, decay], milestones: [5] });
 * ```
 */
export class SequentialLR {
  readonly schedulers: LRScheduler[];
  readonly milestones: number[];
  lastEpoch: number;
  private lastLr: number[];

  constructor(
    readonly optimizer: AnyOptimizer,
    options: SequentialLROptions,
  ) {
    const op = 'SequentialLR';
    checkOptimizer(op, optimizer);
    const schedulers = checkChildren(op, optimizer, options?.schedulers);
    const milestones = options.milestones;
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new Error(
        `${op}: expected ${schedulers.length - 1} milestones (one fewer than the ${schedulers.length} schedulers), got ${show(milestones)}`,
      );
    }
    if (!milestones.every((m, i) => Number.isInteger(m) && m > 0 && (i === 0 || m > milestones[i - 1]))) {
      throw new Error(`${op}: milestones must be increasing positive integers, got ${show(milestones)}`);
    }
    this.schedulers = schedulers;
    this.milestones = [...milestones];
    this.lastEpoch = 0;
    // As PyTorch: reset the lr, undo the first step each child took when it was made, and
    // restart the first child.
    for (const g of optimizer.paramGroups) g.lr = g.initialLr as number;
    for (const s of schedulers) s.lastEpoch -= 1;
    schedulers[0]._initialStep();
    this.lastLr = schedulers[0].getLastLr();
  }

  /** Advances one epoch, switching scheduler at the milestones. */
  step(): void {
    this.lastEpoch++;
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length;
    const s = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): CombinedStateDict {
    return {
      scheduler: 'SequentialLR',
      lastEpoch: this.lastEpoch,
      lastLr: [...this.lastLr],
      schedulers: this.schedulers.map((s) => s.stateDict()),
    };
  }

  loadStateDict(sd: CombinedStateDict): void {
    const op = 'SequentialLR.loadStateDict';
    if (sd?.scheduler !== 'SequentialLR')
      throw new Error(`${op}: this state dict was saved by ${show(sd?.scheduler)}, not by SequentialLR`);
    loadChildren(op, this.schedulers, sd);
    this.lastEpoch = sd.lastEpoch;
    this.lastLr = [...sd.lastLr];
  }
}

/**
 * Steps several schedulers of one optimizer together, so their factors multiply (PyTorch's
 * chainable forms), e.g. an exponential decay with a step decay on top.
 *
 * @example
 * ```ts
 * const sched = new ChainedScheduler([new ExponentialLR(opt, { gamma: 0.9 }), new StepLR(opt, { stepSize: 4, gamma: 0.5 })]);
 * ```
 */
export class ChainedScheduler {
  readonly schedulers: LRScheduler[];
  readonly optimizer: AnyOptimizer;
  private lastLr: number[];

  constructor(schedulers: LRScheduler[]) {
    const op = 'ChainedScheduler';
    const first = Array.isArray(schedulers) ? schedulers[0] : undefined;
    if (!(first instanceof LRScheduler))
      throw new Error(`${op}: schedulers must be a non-empty array of LR schedulers`);
    this.optimizer = first.optimizer;
    this.schedulers = checkChildren(op, this.optimizer, schedulers);
    this.lastLr = this.schedulers[this.schedulers.length - 1].getLastLr();
  }

  step(): void {
    for (const s of this.schedulers) s.step();
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): CombinedStateDict {
    return {
      scheduler: 'ChainedScheduler',
      lastEpoch: this.schedulers[0].lastEpoch,
      lastLr: [...this.lastLr],
      schedulers: this.schedulers.map((s) => s.stateDict()),
    };
  }

  loadStateDict(sd: CombinedStateDict): void {
    const op = 'ChainedScheduler.loadStateDict';
    if (sd?.scheduler !== 'ChainedScheduler') {
      throw new Error(`${op}: this state dict was saved by ${show(sd?.scheduler)}, not by ChainedScheduler`);
    }
    loadChildren(op, this.schedulers, sd);
    this.lastLr = [...sd.lastLr];
  }
}
