import { describe, expect, it } from 'vitest';
import { customOp, grad, type Tensor, tensor, valueAndGrad } from '../src/index.js';

const first = (t: Tensor) => t.toArray() as number[];

describe('higher-order gradients', () => {
  it('d²/dx² x³ = 6x through nested grad', () => {
    const d1 = (x: Tensor) => (grad((y: Tensor) => y.pow(3).sum())(x) as Tensor).sum();
    const d2 = grad(d1)(tensor([1, -2, 0.5])) as Tensor;
    const got = first(d2);
    [6, -12, 3].forEach((w, i) => expect(got[i]).toBeCloseTo(w, 4));
  });

  it('d³/dx³ x⁴ = 24x', () => {
    const f = (x: Tensor) => x.pow(4).sum();
    const g1 = (x: Tensor) => (grad(f)(x) as Tensor).sum();
    const g2 = (x: Tensor) => (grad(g1)(x) as Tensor).sum();
    const got = first(grad(g2)(tensor([2, -1])) as Tensor);
    expect(got[0]).toBeCloseTo(48, 3);
    expect(got[1]).toBeCloseTo(-24, 3);
  });

  it('second derivatives of tanh, sigmoid, exp, gelu stay attached to the graph', () => {
    const x0 = [0.3, -0.8];
    const cases: [string, (x: Tensor) => Tensor, (v: number) => number][] = [
      ['tanh', (x) => x.tanh(), (v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)],
      [
        'sigmoid',
        (x) => x.sigmoid(),
        (v) => {
          const s = 1 / (1 + Math.exp(-v));
          return s * (1 - s) * (1 - 2 * s);
        },
      ],
      ['exp', (x) => x.exp(), (v) => Math.exp(v)],
      ['gelu', (x) => x.gelu(), (v) => (Math.exp((-v * v) / 2) / Math.sqrt(2 * Math.PI)) * (2 - v * v)],
    ];
    for (const [name, f, d2] of cases) {
      const g1 = (x: Tensor) => (grad((y: Tensor) => f(y).sum())(x) as Tensor).sum();
      const got = first(grad(g1)(tensor(x0)) as Tensor);
      x0.forEach((v, i) => expect(got[i], name).toBeCloseTo(d2(v), 3));
    }
  });

  it('backward with createGraph leaves a differentiable .grad', () => {
    const x = tensor([1.5], { requiresGrad: true });
    x.pow(3).sum().backward(undefined, { createGraph: true });
    const g = x.grad!.clone(); // assigning .grad frees the old gradient, so keep a copy
    expect(g.item()).toBeCloseTo(6.75, 5);
    x.grad = null;
    g.sum().backward();
    expect(x.grad!.item()).toBeCloseTo(9, 5); // d/dx 3x² = 6x
  });

  it('valueAndGrad returns the value and the gradient for several argnums', () => {
    const [v, gs] = valueAndGrad((a: Tensor, b: Tensor) => a.mul(b).sum(), [0, 1])(
      tensor([2, 3]),
      tensor([4, 5]),
    );
    expect(v.item()).toBe(23);
    expect((gs as Tensor[]).map(first)).toEqual([
      [4, 5],
      [2, 3],
    ]);
  });

  it('grad of a function that ignores its argument is zero', () => {
    expect(first(grad(() => tensor([1]).sum())(tensor([3, 4])) as Tensor)).toEqual([0, 0]);
  });

  it('custom ops: user forward and backward, differentiable twice', () => {
    const cube = customOp({
      name: 'cube',
      forward: (x) => x.mul(x).mul(x),
      backward: (g, { inputs: [x] }) => [g.mul(x.mul(x).mul(3))],
    });
    const x = tensor([2], { requiresGrad: true });
    cube(x).sum().backward();
    expect(x.grad!.item()).toBeCloseTo(12, 5);
    const d2 = grad((y: Tensor) => (grad((z: Tensor) => cube(z).sum())(y) as Tensor).sum())(
      tensor([2]),
    ) as Tensor;
    expect(d2.item()).toBeCloseTo(12, 4);
    expect(() => customOp({ name: 'bad' } as never)).toThrow(/customOp: needs/);
    const wrong = customOp({ name: 'wrong', forward: (a) => a.mul(2), backward: (g) => [g, g] });
    expect(() =>
      wrong(tensor([1], { requiresGrad: true }))
        .sum()
        .backward(),
    ).toThrow(/wrong: backward must return 1 gradients/);
  });
});
