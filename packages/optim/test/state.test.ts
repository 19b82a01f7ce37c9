// State: save / load / continue bit-identically, the state dict's shape, skipped parameters,
// zeroGrad, param groups, and that a step allocates nothing once the state exists.
import * as ag from '@asgrad/autograd';
import { heap } from '@asgrad/kernels';
import { describe, expect, it } from 'vitest';
import { Adagrad, Adam, type OptimizerStateDict, SGD } from '../src/index.js';
import { backward, fx, makeOptimizer, model } from './helpers.js';

/** JSON text of a state dict, typed arrays written as number arrays. */
const toJson = (sd: OptimizerStateDict) =>
  JSON.stringify(sd, (_k, v) => (v instanceof Float32Array ? Array.from(v) : v));

describe('save at step k, load into a fresh optimizer, continue', () => {
  for (const c of fx.cases) {
    it(`is bit-identical to an uninterrupted run: ${c.name}`, () => {
      const straight = model();
      const a = makeOptimizer(c, straight.W, straight.b);
      for (let t = 0; t < 6; t++) {
        a.zeroGrad();
        backward(straight.W, straight.b);
        a.step();
      }
      for (const via of ['structuredClone', 'JSON'] as const) {
        const first = model();
        const b = makeOptimizer(c, first.W, first.b);
        for (let t = 0; t < 3; t++) {
          b.zeroGrad();
          backward(first.W, first.b);
          b.step();
        }
        const sd = b.stateDict();
        const saved = via === 'JSON' ? JSON.parse(toJson(sd)) : structuredClone(sd);
        // A new process: fresh parameters with the saved values, a fresh optimizer.
        const resumed = model(Array.from(first.W.dataSync()), Array.from(first.b.dataSync()));
        const r = makeOptimizer(c, resumed.W, resumed.b);
        r.loadStateDict(saved);
        for (let t = 3; t < 6; t++) {
          r.zeroGrad();
          backward(resumed.W, resumed.b);
          r.step();
        }
        expect(resumed.W.dataSync()).toEqual(straight.W.dataSync());
        expect(resumed.b.dataSync()).toEqual(straight.b.dataSync());
        expect(toJson(r.stateDict())).toBe(toJson(a.stateDict()));
        for (const o of [b, r]) o.dispose();
      }
    });
  }
});

describe('state dict', () => {
  it('keys state by parameter index and copies buffers out', () => {
    const { W, b } = model();
    const opt = new Adam([{ params: [W] }, { params: [b], lr: 0.5, amsgrad: true }], { lr: 0.1 });
    backward(W, b);
    opt.step();
    const sd = opt.stateDict();
    expect(sd.optimizer).toBe('Adam');
    expect(sd.paramGroups).toEqual([
      {
        lr: 0.1,
        betas: [0.9, 0.999],
        eps: 1e-8,
        weightDecay: 0,
        amsgrad: false,
        maximize: false,
        params: [0],
      },
      {
        lr: 0.5,
        betas: [0.9, 0.999],
        eps: 1e-8,
        weightDecay: 0,
        amsgrad: true,
        maximize: false,
        params: [1],
      },
    ]);
    expect(Object.keys(sd.state)).toEqual(['0', '1']);
    expect(Object.keys(sd.state[0])).toEqual(['step', 'expAvg', 'expAvgSq']);
    expect(Object.keys(sd.state[1])).toEqual(['step', 'expAvg', 'expAvgSq', 'maxExpAvgSq']);
    expect(sd.state[0].step).toBe(1);
    const m = sd.state[0].expAvg as Float32Array;
    expect(m).toBeInstanceOf(Float32Array);
    // m = (1 - beta1) g after one step
    const g = W.grad!.dataSync();
    for (let i = 0; i < 3; i++) expect(m[i]).toBeCloseTo(0.1 * g[i], 7);
    // A copy: changing it does not touch the optimizer.
    m[0] = 123;
    expect((opt.stateDict().state[0].expAvg as Float32Array)[0]).not.toBe(123);
    opt.dispose();
  });

  it('skips parameters without a gradient: unchanged and without state', () => {
    const { W, b } = model();
    const opt = new SGD([W, b], { lr: 0.1, momentum: 0.9 });
    backward(W, b);
    b.grad = null;
    const before = b.dataSync();
    opt.step();
    expect(b.dataSync()).toEqual(before);
    expect(Object.keys(opt.stateDict().state)).toEqual(['0']);
    expect(opt.state.has(b)).toBe(false);
    opt.dispose();
  });
});

describe('zeroGrad', () => {
  it('disposes and clears the gradients by default', () => {
    const { W, b } = model();
    const opt = new SGD([W, b]);
    backward(W, b);
    const g = W.grad!;
    opt.zeroGrad();
    expect(W.grad).toBeNull();
    expect(b.grad).toBeNull();
    expect(g.isDisposed).toBe(true);
  });

  it('with setToNone = false fills them with zeros in place', () => {
    const { W, b } = model();
    const opt = new SGD([W, b]);
    backward(W, b);
    const g = W.grad!;
    opt.zeroGrad(false);
    expect(W.grad).toBe(g);
    expect(Array.from(g.dataSync())).toEqual([0, 0, 0]);
  });
});

describe('param groups', () => {
  it('each group steps with its own options, and lr changes between steps take effect', () => {
    const { W, b } = model();
    const opt = new SGD([W], { lr: 0.1 });
    opt.addParamGroup({ params: [b], lr: 0.01 });
    backward(W, b);
    const [w0, b0, gw, gb] = [W.dataSync(), b.dataSync(), W.grad!.dataSync(), b.grad!.dataSync()];
    opt.step();
    expect(W.dataSync()).toEqual(w0.map((x, i) => x + Math.fround(Math.fround(-0.1) * gw[i])));
    expect(b.dataSync()).toEqual(b0.map((x, i) => x + Math.fround(Math.fround(-0.01) * gb[i])));
    opt.paramGroups[1].lr = 0;
    const b1 = b.dataSync();
    opt.step();
    expect(b.dataSync()).toEqual(b1);
  });

  it("Adagrad starts each group's accumulator at that group's initialAccumulatorValue", () => {
    const { W, b } = model();
    const opt = new Adagrad([{ params: [W], initialAccumulatorValue: 0.5 }, { params: [b] }]);
    backward(W, b);
    const [gw, gb] = [W.grad!.dataSync(), b.grad!.dataSync()];
    opt.step();
    const { state } = opt.stateDict();
    expect(state[0].sum).toEqual(gw.map((g) => 0.5 + Math.fround(g * g)));
    expect(state[1].sum).toEqual(gb.map((g) => Math.fround(g * g)));
  });

  it('takes groups given as an iterable and a single tensor as a group', () => {
    const { W, b } = model();
    const opt = new SGD(new Set([{ params: W }, { params: b, lr: 0.5 }]), { lr: 0.1 });
    expect(opt.paramGroups.map((g) => [g.params.length, g.lr])).toEqual([
      [1, 0.1],
      [1, 0.5],
    ]);
  });
});

describe('memory', () => {
  it('a step allocates nothing once the state exists, and dispose frees the state', () => {
    const big = ag.tensor(new Float32Array(1000).fill(0.5), { shape: [10, 100], requiresGrad: true });
    big.grad = ag.tensor(new Float32Array(1000).fill(0.1), { shape: [10, 100] });
    const opt = new Adam([big], { amsgrad: true, weightDecay: 0.1 });
    const start = heap().stats().bytesLive;
    opt.step();
    const withState = heap().stats().bytesLive;
    expect(withState - start).toBeGreaterThanOrEqual(3 * 4000); // m, v and vMax
    for (let i = 0; i < 5; i++) opt.step();
    expect(heap().stats().bytesLive).toBe(withState);
    opt.dispose();
    expect(heap().stats().bytesLive).toBe(start);
  });
});
