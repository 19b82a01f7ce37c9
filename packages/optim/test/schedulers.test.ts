// Learning-rate schedules against PyTorch's sequences (fixtures/schedulers.json): lr of every
// group after construction and after each of 20 steps, momentum too for OneCycleLR.
import * as ag from '@asgrad/autograd';
import { describe, expect, it } from 'vitest';
import {
  Adam,
  type AnyOptimizer,
  ChainedScheduler,
  CosineAnnealingLR,
  ExponentialLR,
  LinearLR,
  type LRScheduler,
  MultiStepLR,
  OneCycleLR,
  ReduceLROnPlateau,
  SequentialLR,
  SGD,
  StepLR,
} from '../src/index.js';
import { expectClose, loadFixture } from './helpers.js';

interface SchedulerCase {
  scheduler: string;
  options: Record<string, unknown>;
  optimizer: 'SGD' | 'Adam';
  lrs: number[][];
  momenta?: number[][];
}

const fx = loadFixture<{ groupLrs: number[]; plateauMetrics: number[]; cases: SchedulerCase[] }>(
  'schedulers.json',
);

const SIMPLE: Record<string, new (opt: AnyOptimizer, o: any) => LRScheduler<any>> = {
  StepLR,
  MultiStepLR,
  ExponentialLR,
  CosineAnnealingLR,
  LinearLR,
  OneCycleLR,
};

function optimizer(kind: 'SGD' | 'Adam' = 'SGD'): AnyOptimizer {
  const groups = [
    { params: [ag.zeros([2])], lr: fx.groupLrs[0] },
    { params: [ag.zeros([1])], lr: fx.groupLrs[1] },
  ];
  return kind === 'Adam' ? new Adam(groups) : new SGD(groups, { lr: 0.1 });
}

type Stepper = { step(metric?: number): void };

function make(c: SchedulerCase, opt: AnyOptimizer): Stepper {
  const children = () =>
    (c.options.schedulers as [string, object][]).map(([name, o]) => new SIMPLE[name](opt, o));
  if (c.scheduler === 'ReduceLROnPlateau') return new ReduceLROnPlateau(opt, c.options);
  if (c.scheduler === 'SequentialLR') {
    return new SequentialLR(opt, { schedulers: children(), milestones: c.options.milestones as number[] });
  }
  if (c.scheduler === 'chained') return new ChainedScheduler(children());
  return new SIMPLE[c.scheduler](opt, c.options);
}

const momentum = (g: Record<string, unknown>) => (Array.isArray(g.betas) ? g.betas[0] : g.momentum) as number;

describe('LR schedules match PyTorch', () => {
  for (const [i, c] of fx.cases.entries()) {
    it(`${i}: ${c.scheduler} ${JSON.stringify(c.options)} on ${c.optimizer}`, () => {
      const opt = optimizer(c.optimizer);
      const sched = make(c, opt);
      const lrs = [opt.paramGroups.map((g) => g.lr)];
      const momenta = [opt.paramGroups.map(momentum)];
      for (let t = 0; t < c.lrs.length - 1; t++) {
        opt.step();
        sched.step(c.scheduler === 'ReduceLROnPlateau' ? fx.plateauMetrics[t] : undefined);
        lrs.push(opt.paramGroups.map((g) => g.lr));
        momenta.push(opt.paramGroups.map(momentum));
      }
      expectClose(lrs.flat(), c.lrs.flat(), 'lr', 1e-12, 1e-15);
      if (c.momenta) expectClose(momenta.flat(), c.momenta.flat(), 'momentum', 1e-12, 1e-15);
    });
  }
});

describe('scheduler state', () => {
  it('a scheduler restored from its state dict continues the same sequence', () => {
    for (const c of fx.cases) {
      const a = optimizer(c.optimizer);
      const sa = make(c, a) as Stepper & { stateDict(): unknown; loadStateDict(sd: unknown): void };
      const metric = (t: number) => (c.scheduler === 'ReduceLROnPlateau' ? fx.plateauMetrics[t] : undefined);
      for (let t = 0; t < 8; t++) sa.step(metric(t));
      const saved = JSON.parse(JSON.stringify({ opt: a.stateDict(), sched: sa.stateDict() }));
      const b = optimizer(c.optimizer);
      const sb = make(c, b) as typeof sa;
      b.loadStateDict(saved.opt);
      sb.loadStateDict(saved.sched);
      for (let t = 8; t < c.lrs.length - 1; t++) {
        sa.step(metric(t));
        sb.step(metric(t));
        expect(b.paramGroups.map((g) => g.lr)).toEqual(a.paramGroups.map((g) => g.lr));
        expect(b.paramGroups.map(momentum)).toEqual(a.paramGroups.map(momentum));
      }
    }
  });

  it('rejects a state dict of another scheduler and leaves its own state alone', () => {
    const opt = optimizer();
    const step = new StepLR(opt, { stepSize: 2 });
    const exp = new ExponentialLR(optimizer(), { gamma: 0.5 });
    const before = step.stateDict();
    expect(() => step.loadStateDict(exp.stateDict())).toThrow(
      /StepLR.loadStateDict: this state dict was saved by 'ExponentialLR', not by StepLR/,
    );
    expect(() => step.loadStateDict({ ...before, options: { stepSize: 0 } })).toThrow(
      /StepLR.loadStateDict: stepSize must be a positive integer, got 0/,
    );
    expect(() => step.loadStateDict({ ...before, baseLrs: [0.1] })).toThrow(
      /baseLrs must be 2 finite numbers/,
    );
    expect(step.stateDict()).toEqual(before);
  });
});

describe('scheduler validation', () => {
  it('names the scheduler and the bad option, and leaves the optimizer untouched', () => {
    const opt = optimizer();
    const groups = JSON.stringify(opt.paramGroups.map(({ params: _, ...o }) => o));
    expect(() => new StepLR(opt, { stepSize: 1.5 })).toThrow(
      /StepLR: stepSize must be a positive integer, got 1.5/,
    );
    expect(() => new MultiStepLR(opt, { milestones: [3, -1] })).toThrow(
      /MultiStepLR: milestones must be non-negative integers/,
    );
    expect(() => new LinearLR(opt, { startFactor: 0 })).toThrow(
      /LinearLR: startFactor must be in \(0, 1\], got 0/,
    );
    expect(() => new CosineAnnealingLR(opt, { tMax: 0 })).toThrow(
      /CosineAnnealingLR: tMax must be a positive integer/,
    );
    expect(() => new OneCycleLR(opt, { maxLr: [1, 2, 3], totalSteps: 10 })).toThrow(
      /OneCycleLR: expected 2 values for maxLr, got 3/,
    );
    expect(() => new OneCycleLR(opt, { maxLr: 1 })).toThrow(
      /OneCycleLR: give totalSteps, or epochs and stepsPerEpoch/,
    );
    expect(() => new ReduceLROnPlateau(opt, { factor: 1 })).toThrow(
      /ReduceLROnPlateau: factor must be in \[0, 1\), got 1/,
    );
    expect(() => new ReduceLROnPlateau(opt, { mode: 'up' as 'min' })).toThrow(
      /mode must be 'min' or 'max', got 'up'/,
    );
    expect(() => new StepLR({} as AnyOptimizer, { stepSize: 1 })).toThrow(/StepLR: expected an Optimizer/);
    expect(JSON.stringify(opt.paramGroups.map(({ params: _, ...o }) => o))).toBe(groups);
  });

  it('OneCycleLR refuses to step past totalSteps', () => {
    const opt = optimizer();
    const s = new OneCycleLR(opt, { maxLr: 1, totalSteps: 3 });
    for (let i = 0; i < 3; i++) s.step();
    expect(() => s.step()).toThrow(/OneCycleLR.step: tried to step 5 times; the schedule has totalSteps 3/);
  });

  it('SequentialLR checks its schedulers and milestones', () => {
    const opt = optimizer();
    const a = new LinearLR(opt);
    const b = new ExponentialLR(opt, { gamma: 0.9 });
    const other = new ExponentialLR(optimizer(), { gamma: 0.9 });
    expect(() => new SequentialLR(opt, { schedulers: [a, b], milestones: [] })).toThrow(
      /expected 1 milestones/,
    );
    expect(() => new SequentialLR(opt, { schedulers: [a, other], milestones: [3] })).toThrow(
      /schedulers\[1\] belongs to a different optimizer/,
    );
  });

  it('a scheduler made before addParamGroup says so instead of skipping the new group', () => {
    const opt = optimizer();
    const s = new ExponentialLR(opt, { gamma: 0.9 });
    opt.addParamGroup({ params: [ag.zeros([3])] });
    expect(() => s.step()).toThrow(
      /ExponentialLR.step: the optimizer has 3 param groups but this scheduler was made for 2/,
    );
  });
});
