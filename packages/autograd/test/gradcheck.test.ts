// Finite differences against the analytic gradient of every differentiable op.
import { describe, expect, it } from 'vitest';
import {
  avgPool2d,
  binaryCrossEntropy,
  concat,
  conv2d,
  crossEntropy,
  gradcheck,
  linear,
  manualSeed,
  maxPool2d,
  mseLoss,
  rand,
  randn,
  scope,
  stack,
  type Tensor,
  tensor,
} from '../src/index.js';

manualSeed(7);

function check(
  name: string,
  fn: (...xs: Tensor[]) => Tensor,
  shapes: number[][],
  make = (s: number[]) => randn(s),
) {
  it(name, () => {
    scope(() => {
      const inputs = shapes.map(make);
      const r = gradcheck(fn, inputs, { eps: 1e-2, atol: 2e-2, rtol: 2e-2 });
      expect(r.ok, r.message).toBe(true);
    });
  });
}

const positive = (s: number[]) => rand(s).add(0.5);
const awayFromZero = (s: number[]) => {
  const r = rand(s).add(0.2);
  const sign = rand(s).sub(0.5);
  return r.mul(sign.div(sign.abs()));
};

describe('gradcheck: elementwise with broadcasting', () => {
  for (const [a, b] of [
    [
      [3, 4],
      [3, 4],
    ],
    [[3, 4], [4]],
    [
      [3, 1],
      [1, 4],
    ],
    [
      [2, 3, 4],
      [3, 1],
    ],
    [[5], []],
  ]) {
    check(`add ${a} + ${b}`, (x, y) => x.add(y), [a, b]);
    check(`sub ${a} - ${b}`, (x, y) => x.sub(y), [a, b]);
    check(`mul ${a} * ${b}`, (x, y) => x.mul(y), [a, b]);
    check(
      `div ${a} / ${b}`,
      (x, y) => x.div(y),
      [a, b],
      (s) => positive(s),
    );
    check(
      `pow ${a} ** ${b}`,
      (x, y) => x.pow(y),
      [a, b],
      (s) => positive(s),
    );
    check(`maximum ${a} ${b}`, (x, y) => x.maximum(y), [a, b], distinct);
    check(`minimum ${a} ${b}`, (x, y) => x.minimum(y), [a, b], distinct);
  }
  check('scalar operands', (x) => x.add(2).sub(1).mul(3).div(4).pow(2), [[7]]);
  check('pow scalar 0.5 and -1', (x) => x.pow(0.5).add(x.pow(-1)), [[9]], positive);
});

describe('gradcheck: unary', () => {
  check('neg', (x) => x.neg(), [[17]]);
  check('exp', (x) => x.exp(), [[17]]);
  check('log', (x) => x.log(), [[17]], positive);
  check('sqrt', (x) => x.sqrt(), [[17]], positive);
  check('abs', (x) => x.abs(), [[17]], awayFromZero);
  check('relu', (x) => x.relu(), [[17]], awayFromZero);
  check('leakyRelu', (x) => x.leakyRelu(0.1), [[17]], awayFromZero);
  check('sigmoid', (x) => x.sigmoid(), [[17]]);
  check('tanh', (x) => x.tanh(), [[17]]);
  check('gelu', (x) => x.gelu(), [[17]]);
  check('clamp', (x) => x.mul(2).clamp(-1, 1), [[17]], awayFromZero);
});

/** Distinct values at least 0.1 apart, so no max/min tie sits within a finite-difference step. */
const distinct = (s: number[]) => {
  const n = s.reduce((a, b) => a * b, 1);
  const perm = rand([n]).dataSync();
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => perm[a] - perm[b]);
  return tensor(
    order.map((i) => (i - n / 2) * 0.1),
    { shape: s },
  );
};

describe('gradcheck: reductions over every axis', () => {
  for (const axis of [undefined, 0, 1, 2, -1, [0, 2]] as (number | number[] | undefined)[]) {
    for (const keep of [false, true]) {
      const tag = `${JSON.stringify(axis)} keepDim=${keep}`;
      check(`sum ${tag}`, (x) => x.sum(axis, keep), [[2, 3, 4]]);
      check(`mean ${tag}`, (x) => x.mean(axis, keep), [[2, 3, 4]]);
      check(`max ${tag}`, (x) => x.max(axis, keep), [[2, 3, 4]], distinct);
      check(`min ${tag}`, (x) => x.min(axis, keep), [[2, 3, 4]], distinct);
    }
  }
});

describe('gradcheck: linear algebra', () => {
  check('matmul 2-D', (a, b) => a.matmul(b), [
    [3, 5],
    [5, 4],
  ]);
  check('matmul batched', (a, b) => a.matmul(b), [
    [2, 3, 5],
    [2, 5, 4],
  ]);
  check('matmul 3-D x 2-D', (a, b) => a.matmul(b), [
    [2, 3, 5],
    [5, 4],
  ]);
  check('matmul 2-D x 3-D (broadcast batch)', (a, b) => a.matmul(b), [
    [3, 5],
    [2, 5, 4],
  ]);
  check('matmul batch-1 broadcast', (a, b) => a.matmul(b), [
    [1, 3, 5],
    [2, 5, 4],
  ]);
  check('matmul through transposes', (a, b) => a.transpose().matmul(b.transpose()), [
    [5, 3],
    [4, 5],
  ]);
  check('linear with bias', (x, w, b) => linear(x, w, b), [[4, 6], [3, 6], [3]]);
});

describe('gradcheck: shape ops', () => {
  check('reshape + flatten', (x) => x.reshape(6, 4).flatten(), [[2, 3, 4]]);
  check('permute', (x) => x.permute(2, 0, 1), [[2, 3, 4]]);
  check('transpose', (x) => x.transpose(0, 2), [[2, 3, 4]]);
  check('slice', (x) => x.slice([[1, 3], null, [-3, -1]]), [[3, 2, 4]]);
  check('slice picking an index', (x) => x.slice([1, [0, 2]]), [[3, 4]]);
  check('expand', (x) => x.expand([3, 4, 5]), [[4, 1]]);
  check('squeeze / unsqueeze', (x) => x.unsqueeze(0).squeeze(2), [[3, 1, 2]]);
  check('indexSelect with repeats', (x) => x.indexSelect(1, [2, 0, 2]), [[2, 3, 2]]);
  check('concat', (a, b) => concat([a, b], 1), [
    [2, 3],
    [2, 2],
  ]);
  check('stack', (a, b) => stack([a, b], -1), [
    [2, 3],
    [2, 3],
  ]);
});

describe('gradcheck: softmax, conv, pooling, losses', () => {
  check('softmax last axis', (x) => x.softmax(), [[3, 5]]);
  check('softmax axis 0', (x) => x.softmax(0), [[3, 5]]);
  check('logSoftmax', (x) => x.logSoftmax(1), [[2, 3, 4]]);
  for (const [stride, padding] of [
    [1, 0],
    [2, 1],
    [1, 2],
    [2, 0],
  ]) {
    check(`conv2d stride ${stride} padding ${padding}`, (x, w, b) => conv2d(x, w, b, { stride, padding }), [
      [2, 3, 7, 6],
      [4, 3, 3, 2],
      [4],
    ]);
  }
  check('maxPool2d', (x) => maxPool2d(x, { kernelSize: 2 }), [[2, 2, 6, 6]]);
  check('maxPool2d stride 1 padding 1', (x) => maxPool2d(x, { kernelSize: 3, stride: 1, padding: 1 }), [
    [1, 2, 5, 5],
  ]);
  check('avgPool2d', (x) => avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }), [[2, 2, 7, 7]]);
  check('crossEntropy', (x) => crossEntropy(x, [1, 0, 4]), [[3, 5]]);
  check('crossEntropy with label smoothing', (x) => crossEntropy(x, [1, 0, 4], { labelSmoothing: 0.1 }), [
    [3, 5],
  ]);
  check('mseLoss', (x, t) => mseLoss(x, t), [
    [3, 4],
    [3, 4],
  ]);
  check(
    'binaryCrossEntropy',
    (x) =>
      binaryCrossEntropy(
        x.sigmoid(),
        tensor([
          [0, 1, 0.3],
          [1, 0.5, 0],
        ]),
      ),
    [[2, 3]],
  );
});
