// Each layer's forward against PyTorch (fixtures/make_fixtures.py), and its gradients by gradcheck.
import { readFileSync } from 'node:fs';
import { gradcheck, manualSeed, noGrad, randn, scope, type Tensor, tensor } from '@asgrad/autograd';
import { heap } from '@asgrad/kernels';
import { describe, expect, it } from 'vitest';
import {
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  GELU,
  LeakyReLU,
  Linear,
  MaxPool2d,
  type Module,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
} from '../src/index.js';

interface Case {
  name: string;
  state: Record<string, { shape: number[]; data: number[] }>;
  input: { shape: number[]; data: number[] };
  output: { shape: number[]; data: number[] };
  state_after: Record<string, number[]>;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/layers.json', import.meta.url), 'utf8')) as {
  cases: Case[];
};

const make: Record<string, () => Module> = {
  linear: () => new Linear(5, 3),
  linear_no_bias: () => new Linear(5, 3, { bias: false }),
  conv2d_stride2_pad1: () => new Conv2d(2, 3, 3, { stride: 2, padding: 1 }),
  conv2d_1x2: () => new Conv2d(3, 2, [1, 2]),
  maxpool: () => new MaxPool2d(2),
  maxpool_s1_p1: () => new MaxPool2d(3, { stride: 1, padding: 1 }),
  avgpool: () => new AvgPool2d(3, { stride: 2, padding: 1 }),
  batchnorm1d_train: () => new BatchNorm1d(4),
  batchnorm2d_train: () => new BatchNorm2d(3),
  batchnorm2d_eval: () => new BatchNorm2d(3).eval(),
  leaky_relu: () => new LeakyReLU(0.2),
  gelu: () => new GELU(),
  softmax: () => new Softmax(1),
  sigmoid: () => new Sigmoid(),
  tanh: () => new Tanh(),
};

function toTensor(v: { shape: number[]; data: number[] }, name = ''): Tensor {
  const isInt = name.endsWith('num_batches_tracked');
  return tensor(isInt ? Int32Array.from(v.data) : Float32Array.from(v.data), { shape: v.shape });
}

function expectClose(got: ArrayLike<number>, want: number[], tol = 1e-5) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i] - want[i]) > tol * (1 + Math.abs(want[i])))
      throw new Error(`element ${i}: got ${got[i]}, PyTorch ${want[i]}`);
  }
}

describe('layers against PyTorch', () => {
  it('covers every fixture case', () => {
    expect(Object.keys(make).sort()).toEqual(fixture.cases.map((c) => c.name).sort());
  });
  for (const c of fixture.cases) {
    it(c.name, () => {
      const layer = make[c.name]();
      const sd: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(c.state)) sd[k] = toTensor(v, k);
      layer.loadStateDict(sd);
      const y = layer.forward(toTensor(c.input));
      expect(y.shape).toEqual(c.output.shape);
      expectClose(y.dataSync(), c.output.data, 2e-5);
      const after = layer.stateDict();
      for (const [k, v] of Object.entries(c.state_after)) expectClose(after[k].dataSync(), v, 2e-5);
    });
  }
});

describe('layer gradients by finite differences', () => {
  manualSeed(3);
  const check = (name: string, layer: Module, shape: number[]) =>
    it(name, () => {
      scope(() => {
        // Input gradient: gradcheck with the parameters fixed.
        const r = gradcheck((xx) => layer.forward(xx), [randn(shape)], { eps: 1e-2, atol: 3e-2, rtol: 3e-2 });
        expect(r.ok, r.message).toBe(true);
        // Parameter gradients: backward against central differences of L = Σ y·v.
        const x = randn(shape);
        const v = randn(layer.forward(x).shape as number[]);
        const L = () => noGrad(() => layer.forward(x).mul(v).sum().item());
        layer.zeroGrad();
        layer.forward(x).mul(v).sum().backward();
        const eps = 1e-2;
        for (const [pname, p] of layer.namedParameters()) {
          const g = p.grad!.dataSync();
          const f32 = heap().f32();
          for (let i = 0; i < p.size; i++) {
            const at = (p.ptr >>> 2) + i;
            const orig = f32[at];
            f32[at] = orig + eps;
            const plus = L();
            heap().f32()[at] = orig - eps;
            const minus = L();
            heap().f32()[at] = orig;
            const numeric = (plus - minus) / (2 * eps);
            expect(
              Math.abs(numeric - g[i]),
              `${pname}[${i}]: analytic ${g[i]} numeric ${numeric}`,
            ).toBeLessThan(3e-2 * (1 + Math.abs(numeric)));
          }
        }
      });
    });
  check('Linear', new Linear(4, 3), [5, 4]);
  check('Linear on 3-D input', new Linear(4, 2), [2, 3, 4]);
  check('Conv2d stride 2 padding 1', new Conv2d(2, 3, 3, { stride: 2, padding: 1 }), [2, 2, 6, 5]);
  check('BatchNorm1d (train)', new BatchNorm1d(3), [6, 3]);
  check('BatchNorm2d (train)', new BatchNorm2d(2), [3, 2, 3, 3]);
  check('BatchNorm2d (eval)', new BatchNorm2d(2).eval(), [3, 2, 3, 3]);
  check('Sequential MLP', new Sequential(new Linear(3, 4), new Tanh(), new Linear(4, 2)), [5, 3]);
});
