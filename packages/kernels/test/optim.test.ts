// The fused optimizer kernels against float64 references of the same rules (PyTorch 2.x
// single-tensor semantics). Each step is checked from the kernel's own previous f32 state, so
// the tolerance measures one step's rounding, not drift.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AdadeltaStepOptions,
  type AdagradStepOptions,
  type AdamaxStepOptions,
  type AdamStepOptions,
  adadeltaStep,
  adagradStep,
  adamaxStep,
  adamStep,
  heap,
  type LionStepOptions,
  lionStep,
  type NadamStepOptions,
  nadamMu,
  nadamStep,
  type RmspropStepOptions,
  ready,
  rmspropStep,
  type SgdStepOptions,
  sgdStep,
} from '../src/index.js';

beforeAll(() => ready());

const SIZES = [1, 3, 4, 5, 17, 33, 1000];
const STEPS = 3;

/** One element's values, named like the kernel's buffers. */
type Elem = Record<string, number>;

interface Case {
  /** Buffers besides p and g, with how to initialise them. */
  state: Record<string, 'zero' | 'pos' | 'any'>;
  /** Runs the kernel for step t (1-based) over buffers `b`. */
  run(b: Record<string, number>, n: number, t: number): void;
  /** The same rule in float64 for one element, mutating `e`. */
  ref(e: Elem, t: number): void;
}

const lerp = (a: number, b: number, w: number) => a + w * (b - a);

/** The gradient the rules see: maximize and L2 weight decay applied. */
function grad(e: Elem, o: { weightDecay?: number; maximize?: boolean; decoupled?: boolean }): number {
  let d = o.maximize ? -e.g : e.g;
  if (o.weightDecay && !o.decoupled) d += o.weightDecay * e.p;
  return d;
}

function sgd(o: SgdStepOptions): Case {
  return {
    state: { buf: 'zero' },
    run: (b, n, t) => sgdStep(b.p, b.g, b.buf, n, { ...o, first: t === 1 }),
    ref(e, t) {
      let d = grad(e, o);
      const mom = o.momentum ?? 0;
      if (mom !== 0) {
        e.buf = t === 1 ? d : mom * e.buf + (1 - (o.dampening ?? 0)) * d;
        d = o.nesterov ? d + mom * e.buf : e.buf;
      }
      e.p -= o.lr * d;
    },
  };
}

function adagrad(o: Omit<AdagradStepOptions, 'step'>, init: 'zero' | 'pos'): Case {
  return {
    state: { sum: init },
    run: (b, n, t) => adagradStep(b.p, b.g, b.sum, n, { ...o, step: t }),
    ref(e, t) {
      const d = grad(e, o);
      e.sum += d * d;
      e.p -= ((o.lr / (1 + (t - 1) * (o.lrDecay ?? 0))) * d) / (Math.sqrt(e.sum) + o.eps);
    },
  };
}

function rmsprop(o: RmspropStepOptions): Case {
  return {
    state: { sq: 'pos', buf: 'any', gAvg: 'zero' },
    run: (b, n) => rmspropStep(b.p, b.g, b.sq, b.buf, b.gAvg, n, o),
    ref(e) {
      const d = grad(e, o);
      e.sq = o.alpha * e.sq + (1 - o.alpha) * d * d;
      let avg: number;
      if (o.centered) {
        e.gAvg = lerp(e.gAvg, d, 1 - o.alpha);
        avg = Math.sqrt(e.sq - e.gAvg * e.gAvg) + o.eps;
      } else {
        avg = Math.sqrt(e.sq) + o.eps;
      }
      if (o.momentum) {
        e.buf = o.momentum * e.buf + d / avg;
        e.p -= o.lr * e.buf;
      } else {
        e.p -= (o.lr * d) / avg;
      }
    },
  };
}

function adam(o: Omit<AdamStepOptions, 'step'>): Case {
  return {
    state: { m: 'any', v: 'pos', vMax: 'pos' },
    run: (b, n, t) => adamStep(b.p, b.g, b.m, b.v, b.vMax, n, { ...o, step: t }),
    ref(e, t) {
      if (o.decoupled) e.p *= 1 - o.lr * (o.weightDecay ?? 0);
      const d = grad(e, o);
      e.m = lerp(e.m, d, 1 - o.beta1);
      e.v = o.beta2 * e.v + (1 - o.beta2) * d * d;
      let v = e.v;
      if (o.amsgrad) v = e.vMax = Math.max(e.vMax, e.v);
      const denom = Math.sqrt(v) / Math.sqrt(1 - o.beta2 ** t) + o.eps;
      e.p -= ((o.lr / (1 - o.beta1 ** t)) * e.m) / denom;
    },
  };
}

function adamax(o: Omit<AdamaxStepOptions, 'step'>): Case {
  return {
    state: { m: 'any', u: 'pos' },
    run: (b, n, t) => adamaxStep(b.p, b.g, b.m, b.u, n, { ...o, step: t }),
    ref(e, t) {
      const d = grad(e, o);
      e.m = lerp(e.m, d, 1 - o.beta1);
      e.u = Math.max(o.beta2 * e.u, Math.abs(d) + o.eps);
      e.p -= ((o.lr / (1 - o.beta1 ** t)) * e.m) / e.u;
    },
  };
}

function nadam(o: Omit<NadamStepOptions, 'step' | 'muProduct'>): Case {
  // The product of mu_1..mu_t, shared by all elements (the optimizer keeps it per parameter).
  const product = (t: number) => {
    let prod = 1;
    for (let s = 1; s <= t; s++) prod = Math.fround(prod * nadamMu(o.beta1, o.momentumDecay, s));
    return prod;
  };
  return {
    state: { m: 'any', v: 'pos' },
    run: (b, n, t) => nadamStep(b.p, b.g, b.m, b.v, n, { ...o, step: t, muProduct: product(t) }),
    ref(e, t) {
      if (o.decoupled) e.p *= 1 - o.lr * (o.weightDecay ?? 0);
      const d = grad(e, o);
      const mu = o.beta1 * (1 - 0.5 * 0.96 ** (t * o.momentumDecay));
      const muNext = o.beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * o.momentumDecay));
      const prod = product(t);
      e.m = lerp(e.m, d, 1 - o.beta1);
      e.v = o.beta2 * e.v + (1 - o.beta2) * d * d;
      const denom = Math.sqrt(e.v / (1 - o.beta2 ** t)) + o.eps;
      e.p -= ((o.lr * (1 - mu)) / (1 - prod)) * (d / denom);
      e.p -= ((o.lr * muNext) / (1 - prod * muNext)) * (e.m / denom);
    },
  };
}

function adadelta(o: AdadeltaStepOptions): Case {
  return {
    state: { sq: 'pos', acc: 'pos' },
    run: (b, n) => adadeltaStep(b.p, b.g, b.sq, b.acc, n, o),
    ref(e) {
      const d = grad(e, o);
      e.sq = o.rho * e.sq + (1 - o.rho) * d * d;
      const delta = (Math.sqrt(e.acc + o.eps) / Math.sqrt(e.sq + o.eps)) * d;
      e.acc = o.rho * e.acc + (1 - o.rho) * delta * delta;
      e.p -= o.lr * delta;
    },
  };
}

function lion(o: LionStepOptions): Case {
  return {
    state: { m: 'any' },
    run: (b, n) => lionStep(b.p, b.g, b.m, n, o),
    ref(e) {
      e.p *= 1 - o.lr * (o.weightDecay ?? 0);
      const g = o.maximize ? -e.g : e.g;
      e.p -= o.lr * Math.sign(o.beta1 * e.m + (1 - o.beta1) * g);
      e.m = o.beta2 * e.m + (1 - o.beta2) * g;
    },
  };
}

const CASES: Record<string, Case> = {
  'sgd plain': sgd({ lr: 0.1 }),
  'sgd momentum': sgd({ lr: 0.1, momentum: 0.9 }),
  'sgd momentum dampening weight decay': sgd({ lr: 0.05, momentum: 0.8, dampening: 0.3, weightDecay: 0.01 }),
  'sgd nesterov weight decay maximize': sgd({
    lr: 0.5,
    momentum: 0.9,
    nesterov: true,
    weightDecay: 0.1,
    maximize: true,
  }),
  'adagrad zero accumulator': adagrad({ lr: 0.1, eps: 1e-10 }, 'zero'),
  'adagrad lrDecay weight decay maximize': adagrad(
    { lr: 0.5, lrDecay: 0.1, eps: 1e-10, weightDecay: 0.1, maximize: true },
    'pos',
  ),
  'rmsprop plain': rmsprop({ lr: 0.01, alpha: 0.99, eps: 1e-8 }),
  'rmsprop centered': rmsprop({ lr: 0.01, alpha: 0.9, eps: 1e-8, centered: true }),
  'rmsprop centered momentum weight decay, alpha < 0.5': rmsprop({
    lr: 0.05,
    alpha: 0.3,
    eps: 1e-8,
    centered: true,
    momentum: 0.9,
    weightDecay: 0.05,
  }),
  'rmsprop momentum maximize': rmsprop({ lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0.5, maximize: true }),
  'adam plain': adam({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 }),
  'adam amsgrad weight decay': adam({
    lr: 0.1,
    beta1: 0.9,
    beta2: 0.99,
    eps: 1e-8,
    weightDecay: 0.1,
    amsgrad: true,
  }),
  'adamw (decoupled) amsgrad maximize': adam({
    lr: 0.1,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0.05,
    decoupled: true,
    amsgrad: true,
    maximize: true,
  }),
  'adam beta1 < 0.5 (the other lerp form)': adam({ lr: 0.01, beta1: 0.3, beta2: 0.9, eps: 1e-6 }),
  'adamax plain': adamax({ lr: 2e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 }),
  'adamax weight decay maximize, beta1 < 0.5': adamax({
    lr: 0.1,
    beta1: 0.2,
    beta2: 0.9,
    eps: 1e-8,
    weightDecay: 0.1,
    maximize: true,
  }),
  'nadam plain': nadam({ lr: 2e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, momentumDecay: 4e-3 }),
  'nadam weight decay maximize': nadam({
    lr: 0.1,
    beta1: 0.9,
    beta2: 0.99,
    eps: 1e-8,
    momentumDecay: 4e-3,
    weightDecay: 0.1,
    maximize: true,
  }),
  'nadam decoupled weight decay': nadam({
    lr: 0.1,
    beta1: 0.8,
    beta2: 0.99,
    eps: 1e-8,
    momentumDecay: 0.01,
    weightDecay: 0.1,
    decoupled: true,
  }),
  'adadelta plain': adadelta({ lr: 1, rho: 0.9, eps: 1e-6 }),
  'adadelta weight decay maximize': adadelta({
    lr: 0.5,
    rho: 0.95,
    eps: 1e-6,
    weightDecay: 0.1,
    maximize: true,
  }),
  'lion plain': lion({ lr: 1e-3, beta1: 0.9, beta2: 0.99 }),
  'lion weight decay maximize': lion({ lr: 0.1, beta1: 0.9, beta2: 0.99, weightDecay: 0.5, maximize: true }),
};

/** Deterministic test values in [-1, 1). */
function wave(i: number, salt: number): number {
  const x = Math.sin(i * 12.9898 + salt * 78.233) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

function alloc(n: number, fill: (i: number) => number): number {
  const ptr = heap().alloc(n * 4);
  const f = heap().f32();
  for (let i = 0; i < n; i++) f[ptr / 4 + i] = fill(i);
  return ptr;
}

const read = (ptr: number, n: number) =>
  heap()
    .f32()
    .slice(ptr / 4, ptr / 4 + n);

function expectClose(got: Float32Array, want: Float64Array, what: string): void {
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= 1e-5 * Math.abs(want[i]) + 1e-6)) {
      throw new Error(`${what}[${i}]: got ${got[i]}, want ${want[i]} (error ${err})`);
    }
  }
}

describe('fused optimizer kernels match float64 references', () => {
  for (const [name, c] of Object.entries(CASES)) {
    for (const n of SIZES) {
      it(`${name}, n = ${n}`, () => {
        const names = Object.keys(c.state);
        const b: Record<string, number> = {
          p: alloc(n, (i) => wave(i, 1) * 2),
          g: alloc(n, () => 0),
        };
        names.forEach((k, s) => {
          const init = c.state[k];
          b[k] = alloc(n, (i) =>
            init === 'zero' ? 0 : init === 'pos' ? 0.01 + Math.abs(wave(i, 10 + s)) : wave(i, 20 + s),
          );
        });
        const all = ['p', 'g', ...names];
        for (let t = 1; t <= STEPS; t++) {
          heap()
            .f32()
            .set(
              Float32Array.from({ length: n }, (_, i) => wave(i, 100 + t) * (t === 2 ? 3 : 0.5)),
              b.g / 4,
            );
          const before = Object.fromEntries(all.map((k) => [k, read(b[k], n)]));
          const want = Object.fromEntries(all.map((k) => [k, new Float64Array(n)]));
          for (let i = 0; i < n; i++) {
            const e: Elem = Object.fromEntries(all.map((k) => [k, before[k][i]]));
            c.ref(e, t);
            for (const k of all) want[k][i] = e[k];
          }
          c.run(b, n, t);
          for (const k of all) expectClose(read(b[k], n), want[k], `step ${t} ${k}`);
        }
        for (const k of all) heap().free(b[k]);
      });
    }
  }
});

describe('SIMD body and scalar tail', () => {
  it('round identically: equal inputs give bit-equal outputs in lanes 0-3 and the tail', () => {
    for (const c of Object.values(CASES)) {
      const n = 7;
      const b: Record<string, number> = { p: alloc(n, () => 0.75), g: alloc(n, () => -0.3) };
      for (const k of Object.keys(c.state)) b[k] = alloc(n, () => 0.2);
      for (let t = 1; t <= STEPS; t++) c.run(b, n, t);
      for (const ptr of Object.values(b)) {
        const v = read(ptr, n);
        expect(new Set(v).size).toBe(1);
        heap().free(ptr);
      }
    }
  });
});

describe('the update actually moves the parameter the right way', () => {
  it('descends by default and ascends with maximize', () => {
    const n = 4;
    for (const maximize of [false, true]) {
      const p = alloc(n, () => 1);
      const g = alloc(n, () => 1);
      const m = alloc(n, () => 0);
      const v = alloc(n, () => 0);
      adamStep(p, g, m, v, 0, n, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 1, maximize });
      // Adam's first step has magnitude lr (m/sqrt(v) = sign(g) after bias correction).
      expect(read(p, n)[0]).toBeCloseTo(maximize ? 1.1 : 0.9, 6);
      for (const ptr of [p, g, m, v]) heap().free(ptr);
    }
  });
});

describe('argument validation, before any kernel runs', () => {
  it('names the op and the problem', () => {
    const a = alloc(8, () => 1);
    const b = alloc(8, () => 1);
    const c = alloc(4, () => 1);
    const before = read(a, 8);
    expect(() => sgdStep(a, b, c, 8, { lr: 0.1, momentum: 0.9 })).toThrow(
      /sgdStep: buf needs 32 bytes but its block holds/,
    );
    expect(() => sgdStep(a, b, 0, 8, { lr: 0.1, momentum: 0.9 })).toThrow(
      /sgdStep: buf must be a kernel-heap pointer/,
    );
    expect(() => sgdStep(a, a, 0, 8, { lr: 0.1 })).toThrow(/sgdStep: g and p are the same buffer/);
    expect(() => sgdStep(a, b, 0, 8, { lr: Number.NaN })).toThrow(
      /sgdStep: lr must be a finite number, got NaN/,
    );
    expect(() => adamStep(a, b, c, c, 0, 8, { lr: 0.1, beta1: 0.9, beta2: 0.9, eps: 1e-8, step: 0 })).toThrow(
      /adamStep: .*(needs 32 bytes|same buffer)/,
    );
    const m = alloc(8, () => 0);
    const v = alloc(8, () => 0);
    expect(() => adamStep(a, b, m, v, 0, 8, { lr: 0.1, beta1: 0.9, beta2: 0.9, eps: 1e-8, step: 0 })).toThrow(
      /adamStep: step must be an integer >= 1, got 0/,
    );
    expect(() =>
      adamStep(a, b, m, v, 0, 8, { lr: 0.1, beta1: 0.9, beta2: 0.9, eps: 1e-8, step: 1, amsgrad: true }),
    ).toThrow(/adamStep: vMax must be a kernel-heap pointer, got 0/);
    expect(() => rmspropStep(a, b, m, 0, 0, 8, { lr: 0.1, alpha: 0.9, eps: 1e-8, centered: true })).toThrow(
      /rmspropStep: gAvg/,
    );
    expect(() => lionStep(a, b, m, -1, { lr: 0.1, beta1: 0.9, beta2: 0.99 })).toThrow(
      /lionStep: n must be a non-negative integer/,
    );
    heap().free(c);
    expect(() => adagradStep(a, b, c, 8, { lr: 0.1, eps: 1e-10, step: 1 })).toThrow(
      /adagradStep: sum .* is not a live block/,
    );
    // Nothing was written by the rejected calls.
    expect(read(a, 8)).toEqual(before);
    for (const ptr of [a, b, m, v]) heap().free(ptr);
  });

  it('n = 0 is a no-op', () => {
    const a = alloc(4, () => 1);
    const b = alloc(4, () => 1);
    const m = alloc(4, () => 1);
    lionStep(a, b, m, 0, { lr: 0.1, beta1: 0.9, beta2: 0.99 });
    expect(Array.from(read(a, 4))).toEqual([1, 1, 1, 1]);
    for (const ptr of [a, b, m]) heap().free(ptr);
  });
});
