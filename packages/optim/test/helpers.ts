// The regression problem of fixtures/make_fixtures.py and the pieces the tests share.
import { readFileSync } from 'node:fs';
import type { Tensor } from '@asgrad/autograd';
import * as ag from '@asgrad/autograd';
import {
  Adadelta,
  Adagrad,
  Adam,
  Adamax,
  AdamW,
  Lion,
  NAdam,
  type Optimizer,
  RMSprop,
  SGD,
} from '../src/index.js';

export interface Step {
  loss: number;
  W: number[];
  b: number[];
}

export interface OptimizerCase {
  optimizer: string;
  name: string;
  options: Record<string, unknown>;
  split?: Record<string, unknown>;
  steps: Step[];
}

export interface Fixture {
  x: number[][];
  y: number[];
  W0: number[];
  b0: number[];
  cases: OptimizerCase[];
}

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
}

export const fx = loadFixture<Fixture>('optimizers.json');

export const CLASSES: Record<string, new (params: any, options?: any) => Optimizer<any, any>> = {
  SGD,
  Adagrad,
  RMSprop,
  Adam,
  AdamW,
  Adamax,
  NAdam,
  Adadelta,
  Lion,
};

/** The linear model's parameters at their fixture start (W [1,3], b [1], PyTorch's layout). */
export function model(W = fx.W0, b = fx.b0): { W: Tensor; b: Tensor } {
  return {
    W: ag.tensor(Float32Array.from(W), { shape: [1, 3], requiresGrad: true }),
    b: ag.tensor(Float32Array.from(b), { shape: [1], requiresGrad: true }),
  };
}

const X = ag.tensor(fx.x);
const Y = ag.tensor(fx.y, { shape: [fx.y.length, 1] });

/** Runs forward and backward as a training step does (autograd accumulates W.grad, b.grad); returns the loss. */
export function backward(W: Tensor, b: Tensor): number {
  return ag.scope(() => {
    const loss = ag.mseLoss(X.matmul(W.transpose()).add(b), Y);
    loss.backward();
    return loss.item();
  });
}

/** The optimizer a fixture case describes, over W and b (two groups when the case splits them). */
export function makeOptimizer(c: OptimizerCase, W: Tensor, b: Tensor): Optimizer<any, any> {
  const Cls = CLASSES[c.optimizer];
  if (c.split) return new Cls([{ params: [W] }, { params: [b], ...c.split }], c.options);
  return new Cls([W, b], c.options);
}

/** Throws with the first element outside |got − want| <= rtol·|want| + atol. */
export function expectClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  what: string,
  rtol = 1e-5,
  atol = 1e-6,
) {
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} values, want ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= rtol * Math.abs(want[i]) + atol)) {
      throw new Error(`${what}[${i}]: got ${got[i]}, want ${want[i]} (error ${err.toExponential(2)})`);
    }
  }
}

/** A tensor computed by an op (not a leaf). */
export function nonLeafTensor(): Tensor {
  return ag.tensor([1, 2], { requiresGrad: true }).mul(2);
}
