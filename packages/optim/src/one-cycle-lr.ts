// OneCycleLR, as torch.optim.lr_scheduler.OneCycleLR.
import { type AnyOptimizer, checkOptimizer, LRScheduler, type SchedulerStateDict } from './lr-scheduler.js';
import { nonNegative, positiveInteger, show } from './validate.js';

/** Options of {@link OneCycleLR}. */
export interface OneCycleLROptions {
  /** Peak learning rate, one for all groups or one per group. */
  maxLr: number | number[];
  /** Steps in the cycle; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr. Default 0.3. */
  pctStart?: number;
  /** 'cos' (default) or 'linear'. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (SGD's `momentum`, or β1 of Adam-like `betas`) inversely to the lr. Default true. */
  cycleMomentum?: boolean;
  /** Momentum at the lr peak. Default 0.85. */
  baseMomentum?: number | number[];
  /** Momentum at the start and end. Default 0.95. */
  maxMomentum?: number | number[];
  /** initial lr = maxLr / divFactor. Default 25. */
  divFactor?: number;
  /** final lr = initial lr / finalDivFactor. Default 1e4. */
  finalDivFactor?: number;
  /** Three phases (up, down to initial lr, annihilate) instead of two. Default false. */
  threePhase?: boolean;
}

type Resolved = Required<Omit<OneCycleLROptions, 'epochs' | 'stepsPerEpoch'>> & {
  maxLr: number[];
  baseMomentum: number[];
  maxMomentum: number[];
};

interface Phase {
  end: number;
  startLr: 'initialLr' | 'maxLr' | 'minLr';
  endLr: 'initialLr' | 'maxLr' | 'minLr';
  startMomentum: 'maxMomentum' | 'baseMomentum';
  endMomentum: 'maxMomentum' | 'baseMomentum';
}

function perGroup(op: string, name: string, v: unknown, groups: number): number[] {
  const list = Array.isArray(v) ? v : [v];
  if (Array.isArray(v) && v.length !== groups)
    throw new Error(`${op}: expected ${groups} values for ${name}, got ${v.length}`);
  list.forEach((x) => {
    nonNegative(op, name, x);
  });
  return Array.isArray(v) ? [...v] : new Array(groups).fill(v);
}

function resolve(op: string, o: OneCycleLROptions, groups: number): Resolved {
  if (o === null || typeof o !== 'object')
    throw new Error(`${op}: options must be an object, got ${show(o)}`);
  let totalSteps = o.totalSteps;
  if (totalSteps === undefined) {
    if (o.epochs === undefined || o.stepsPerEpoch === undefined) {
      throw new Error(`${op}: give totalSteps, or epochs and stepsPerEpoch`);
    }
    positiveInteger(op, 'epochs', o.epochs);
    positiveInteger(op, 'stepsPerEpoch', o.stepsPerEpoch);
    totalSteps = o.epochs * o.stepsPerEpoch;
  }
  const r: Resolved = {
    maxLr: perGroup(op, 'maxLr', o.maxLr, groups),
    totalSteps,
    pctStart: o.pctStart ?? 0.3,
    annealStrategy: o.annealStrategy ?? 'cos',
    cycleMomentum: o.cycleMomentum ?? true,
    baseMomentum: perGroup(op, 'baseMomentum', o.baseMomentum ?? 0.85, groups),
    maxMomentum: perGroup(op, 'maxMomentum', o.maxMomentum ?? 0.95, groups),
    divFactor: o.divFactor ?? 25,
    finalDivFactor: o.finalDivFactor ?? 1e4,
    threePhase: o.threePhase ?? false,
  };
  check(op, r);
  return r;
}

function check(op: string, r: Resolved): void {
  positiveInteger(op, 'totalSteps', r.totalSteps);
  if (typeof r.pctStart !== 'number' || !(r.pctStart >= 0 && r.pctStart <= 1)) {
    throw new Error(`${op}: pctStart must be a number in [0, 1], got ${show(r.pctStart)}`);
  }
  if (r.annealStrategy !== 'cos' && r.annealStrategy !== 'linear') {
    throw new Error(`${op}: annealStrategy must be 'cos' or 'linear', got ${show(r.annealStrategy)}`);
  }
  if (!(r.divFactor > 0) || !(r.finalDivFactor > 0)) {
    throw new Error(
      `${op}: divFactor and finalDivFactor must be > 0, got ${r.divFactor} and ${r.finalDivFactor}`,
    );
  }
}

/**
 * The 1cycle policy (Smith & Topin 2018, "Super-Convergence: Very Fast Training of Neural
 * Networks Using Large Learning Rates", https://arxiv.org/abs/1708.07120): the lr rises from
 * maxLr/divFactor to maxLr over `pctStart` of the steps, then anneals to
 * maxLr/(divFactor·finalDivFactor), while momentum moves the opposite way. Step it after every
 * batch. Defaults: pctStart 0.3, annealStrategy 'cos', cycleMomentum true, baseMomentum 0.85,
 * maxMomentum 0.95, divFactor 25, finalDivFactor 1e4, threePhase false. With cycleMomentum
 * (PyTorch's default) SGD gets momentum even if it was made with momentum 0.
 *
 * @example
 * ```ts
 * const sched = new OneCycleLR(opt, { maxLr: 0.1, totalSteps: epochs * batchesPerEpoch });
 * // after every optimizer.step():
 * sched.step();
 * ```
 */
export class OneCycleLR extends LRScheduler<Resolved> {
  private phases: Phase[];
  private readonly useBeta1: boolean;

  constructor(optimizer: AnyOptimizer, options: OneCycleLROptions) {
    checkOptimizer('OneCycleLR', optimizer);
    const groups = optimizer.paramGroups;
    const o = resolve('OneCycleLR', options, groups.length);
    const useBeta1 = 'betas' in optimizer.defaults;
    if (o.cycleMomentum && !useBeta1 && !('momentum' in optimizer.defaults)) {
      throw new Error(
        `OneCycleLR: ${optimizer.name} has no momentum or betas to cycle; pass cycleMomentum: false`,
      );
    }
    super(
      'OneCycleLR',
      optimizer,
      o,
      o.maxLr.map((m) => m / o.divFactor),
    );
    this.useBeta1 = useBeta1;
    this.phases = this.makePhases();
    groups.forEach((g, i) => {
      g.maxLr = o.maxLr[i];
      g.minLr = (g.initialLr as number) / o.finalDivFactor;
      if (o.cycleMomentum) {
        this.setMomentum(g, o.maxMomentum[i]);
        g.maxMomentum = o.maxMomentum[i];
        g.baseMomentum = o.baseMomentum[i];
      }
    });
    this._initialStep();
  }

  private makePhases(): Phase[] {
    const { totalSteps: n, pctStart: p } = this.options;
    if (this.options.threePhase) {
      return [
        {
          end: p * n - 1,
          startLr: 'initialLr',
          endLr: 'maxLr',
          startMomentum: 'maxMomentum',
          endMomentum: 'baseMomentum',
        },
        {
          end: 2 * p * n - 2,
          startLr: 'maxLr',
          endLr: 'initialLr',
          startMomentum: 'baseMomentum',
          endMomentum: 'maxMomentum',
        },
        {
          end: n - 1,
          startLr: 'initialLr',
          endLr: 'minLr',
          startMomentum: 'maxMomentum',
          endMomentum: 'maxMomentum',
        },
      ];
    }
    return [
      {
        end: p * n - 1,
        startLr: 'initialLr',
        endLr: 'maxLr',
        startMomentum: 'maxMomentum',
        endMomentum: 'baseMomentum',
      },
      {
        end: n - 1,
        startLr: 'maxLr',
        endLr: 'minLr',
        startMomentum: 'baseMomentum',
        endMomentum: 'maxMomentum',
      },
    ];
  }

  private setMomentum(g: Record<string, unknown>, m: number): void {
    if (this.useBeta1) g.betas = [m, (g.betas as number[])[1]];
    else g.momentum = m;
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.options.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  protected checkOptions(op: string, o: Resolved): void {
    check(op, o);
  }

  override loadStateDict(sd: SchedulerStateDict): void {
    super.loadStateDict(sd);
    this.phases = this.makePhases();
  }

  protected getLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.options.totalSteps) {
      throw new Error(
        `OneCycleLR.step: tried to step ${step + 1} times; the schedule has totalSteps ${this.options.totalSteps}`,
      );
    }
    return this.optimizer.paramGroups.map((group) => {
      const g = group as unknown as Record<string, number>;
      let start = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const ph = this.phases[i];
        if (step <= ph.end || i === this.phases.length - 1) {
          const pct = (step - start) / (ph.end - start);
          if (this.options.cycleMomentum) {
            this.setMomentum(group, this.anneal(g[ph.startMomentum], g[ph.endMomentum], pct));
          }
          return this.anneal(g[ph.startLr], g[ph.endLr], pct);
        }
        start = ph.end;
      }
      throw new Error('OneCycleLR: unreachable');
    });
  }
}
