// Composite functions against values and gradients computed by PyTorch (float64) with
// fixtures/make_reference.py.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  avgPool2d,
  binaryCrossEntropy,
  concat,
  conv2d,
  crossEntropy,
  grad,
  linear,
  maxPool2d,
  mseLoss,
  scope,
  type Tensor,
  tensor,
} from '../src/index.js';

interface Case {
  name: string;
  inputs: Record<string, { shape: number[]; data: number[] }>;
  extra: { labels?: number[] };
  output: number;
  grads: Record<string, number[]>;
}
const ref = JSON.parse(readFileSync(new URL('./fixtures/reference.json', import.meta.url), 'utf8')) as {
  cases: Case[];
  hvp: { x: number[]; y: number[]; v: number[]; hvp: number[] };
};

type Fn = (t: Record<string, Tensor>, c: Case) => Tensor;
const fns: Record<string, Fn> = {
  mlp_cross_entropy: ({ x, w1, b1, w2, b2 }, c) =>
    crossEntropy(linear(linear(x, w1, b1).relu(), w2, b2), c.extra.labels!),
  broadcast_log_softmax: ({ x, y, z, w }) => x.mul(y).add(z).logSoftmax(0).mul(w).sum(),
  smooth_activations: ({ x, y }) => x.tanh().mul(y.sigmoid()).add(x.mul(y).gelu()).exp().mean(),
  conv_relu_pool: ({ x, w, b }) =>
    maxPool2d(conv2d(x, w, b, { stride: 2, padding: 1 }).relu(), { kernelSize: 2 })
      .pow(2)
      .mean(),
  avgpool_conv_no_padding: ({ x, w }) => avgPool2d(conv2d(x, w), { kernelSize: 2, stride: 1 }).sum(),
  mse_plus_bce: ({ x, t }) => mseLoss(x.sigmoid(), t).add(binaryCrossEntropy(x.sigmoid(), t)),
  reductions_and_pow: ({ x, e }) =>
    x.max(1).sum().add(x.min(0, true).mean()).add(x.abs().add(1).pow(e).sum()),
  shape_ops: ({ x, y }) =>
    concat([x.permute(1, 0, 2), y], 0)
      .slice([[1, 4], null, null])
      .transpose(0, 2)
      .reshape(-1)
      .mul(tensor(Array.from({ length: 12 }, (_, i) => i)))
      .sum(),
  batched_matmul_softmax: ({ a, b }) =>
    a.matmul(b).softmax(-1).pow(2).sum().add(a.transpose(1, 2).matmul(a).mean()),
  leaky_clamp_div: ({ x, y }) =>
    x
      .leakyRelu(0.2)
      .div(y.abs().add(1))
      .add(x.clamp(-0.5, 0.7).mul(y.abs().add(0.1).sqrt()))
      .sum(),
};

function close(got: ArrayLike<number>, want: number[], tol: number) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i] - want[i]) > tol * (1 + Math.abs(want[i]))) {
      throw new Error(`element ${i}: got ${got[i]}, PyTorch ${want[i]}`);
    }
  }
}

describe('against PyTorch reference values', () => {
  it('covers every case in the fixture', () => {
    expect(Object.keys(fns).sort()).toEqual(ref.cases.map((c) => c.name).sort());
  });
  for (const c of ref.cases) {
    it(`${c.name}: value and gradients`, () => {
      scope(() => {
        const inputs: Record<string, Tensor> = {};
        for (const [k, v] of Object.entries(c.inputs)) {
          inputs[k] = tensor(Float32Array.from(v.data), { shape: v.shape, requiresGrad: true });
        }
        const out = fns[c.name](inputs, c);
        expect(out.item()).toBeCloseTo(c.output, 4);
        out.backward();
        for (const [k, g] of Object.entries(c.grads)) close(inputs[k].grad!.dataSync(), g, 2e-4);
      });
    });
  }

  it('Hessian-vector product through nested grad matches PyTorch double backward', () => {
    const { x, y, v, hvp } = ref.hvp;
    const yt = tensor(y);
    const vt = tensor(v);
    const f = (xx: Tensor) => xx.pow(3).mul(yt).sum().add(xx.mul(xx).sum().mul(yt.sum()));
    const gv = (xx: Tensor) => (grad(f)(xx) as Tensor).mul(vt).sum();
    const h = grad(gv)(tensor(x)) as Tensor;
    close(h.dataSync(), hvp, 1e-4);
  });
});
