// Sequential runs ReLU → MaxPool2d as pooling then ReLU; the result must be the user's order, bit for bit.
import { maxPool2d, scope, type Tensor, tensor } from '@asgrad/autograd';
import { describe, expect, it } from 'vitest';
import { MaxPool2d, ReLU, Sequential } from '../src/index.js';

/** An input with all-negative windows, windows whose max is 0 or -0, ties between positive values, and a NaN. */
function awkwardInput(): Float32Array {
  const x = new Float32Array(2 * 3 * 6 * 6);
  for (let i = 0; i < x.length; i++) x[i] = Math.round(Math.sin(i * 1.7) * 8) / 4; // many repeats
  x.fill(-1.5, 0, 18); // rows 0-2 of the first plane: windows with no positive element
  x.fill(-0.5, 36, 54);
  x[37] = 0;
  x[38] = -0; // rows 0-2 of the second plane: windows whose max is 0 or -0
  x[80] = Number.NaN;
  return x;
}

function run(forward: (x: Tensor) => Tensor, data: Float32Array) {
  return scope(() => {
    const x = tensor(data, { shape: [2, 3, 6, 6], requiresGrad: true });
    const y = forward(x);
    // A gradient that differs per output element, so a wrong route shows.
    const g = tensor(
      Float32Array.from({ length: y.size }, (_, i) => (i % 7) - 3),
      { shape: y.shape },
    );
    y.mul(g).sum().backward();
    const out = { y: y.dataSync() as Float32Array, dx: x.grad!.dataSync() as Float32Array };
    x.grad!.dispose();
    return out;
  });
}

const bits = (a: Float32Array) => {
  expect(a).toBeInstanceOf(Float32Array);
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
};

describe('Sequential with ReLU then MaxPool2d', () => {
  for (const [k, stride, padding] of [
    [2, 2, 0],
    [3, 1, 1],
    [3, 2, 0],
  ] as const) {
    it(`gives the output and input gradient of ReLU then pooling, bit for bit (kernel ${k}, stride ${stride}, padding ${padding})`, () => {
      const data = awkwardInput();
      const model = new Sequential(new ReLU(), new MaxPool2d(k, { stride, padding }));
      const mine = run((x) => model.forward(x), data);
      const theirs = run((x) => maxPool2d(x.relu(), { kernelSize: k, stride, padding }), data);
      expect(bits(mine.y)).toEqual(bits(theirs.y));
      expect(bits(mine.dx)).toEqual(bits(theirs.dx));
      // The awkward cases are really there: zeros from negative windows, and routed gradients.
      expect(mine.y.some((v) => v === 0)).toBe(true);
      expect(mine.y.some(Number.isNaN)).toBe(true);
      expect(mine.dx.some((v) => v !== 0)).toBe(true);
    });
  }

  it('keeps the written order for a subclass of either layer', () => {
    let pooledFirst = false;
    class SeeingReLU extends ReLU {
      override forward(x: Tensor): Tensor {
        pooledFirst = x.shape[2] === 3;
        return super.forward(x);
      }
    }
    const model = new Sequential(new SeeingReLU(), new MaxPool2d(2));
    model.forward(tensor(awkwardInput(), { shape: [2, 3, 6, 6] }));
    expect(pooledFirst).toBe(false);
  });
});
