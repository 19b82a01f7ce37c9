// Sequential runs a Conv2d whose following MaxPool2d skips its last output rows or columns on
// just the input those outputs need: the output must be the user's composition bit for bit, the
// gradients the same sums (to rounding), and the skipped input must get a zero gradient.
import { conv2d, manualSeed, maxPool2d, randn, scope, type Tensor, tensor } from '@asgrad/autograd';
import { describe, expect, it } from 'vitest';
import {
  AvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  MaxPool2d,
  type Module,
  ReLU,
  Sequential,
} from '../src/index.js';

class Identity extends ReLU {
  override forward(x: Tensor): Tensor {
    return x;
  }
}

interface Geometry {
  size: [number, number];
  kernel: number;
  stride: number;
  padding: number;
  pool: number;
  poolStride: number;
  poolPadding: number;
  relu: boolean;
}

const base: Geometry = {
  size: [13, 13],
  kernel: 3,
  stride: 1,
  padding: 0,
  pool: 2,
  poolStride: 2,
  poolPadding: 0,
  relu: true,
};

/** Runs the model (or the hand-written composition) and returns its output, the input shape the conv saw and the gradients. */
function run(g: Geometry, bySequential: boolean, poison = false) {
  return scope(() => {
    manualSeed(11);
    const conv = new Conv2d(3, 4, g.kernel, { stride: g.stride, padding: g.padding });
    const pool = new MaxPool2d(g.pool, { stride: g.poolStride, padding: g.poolPadding });
    let seen: readonly number[] = [];
    const convForward = conv.forward.bind(conv);
    conv.forward = (x: Tensor) => {
      seen = x.shape;
      return convForward(x);
    };
    const data = randn([2, 3, ...g.size]).dataSync() as Float32Array;
    if (poison) {
      // Inf in the last input column, which the pool never reads through the conv.
      for (let r = 0; r < 6 * g.size[0]; r++) data[r * g.size[1] + g.size[1] - 1] = Number.POSITIVE_INFINITY;
    }
    const x = tensor(data, { shape: [2, 3, ...g.size], requiresGrad: true });
    const layers = g.relu ? [conv, new ReLU(), pool] : [conv, pool];
    let y: Tensor;
    if (bySequential) y = new Sequential(...layers).forward(x);
    else {
      const c = conv2d(x, conv.weight, conv.bias, { stride: g.stride, padding: g.padding });
      const options = { kernelSize: g.pool, stride: g.poolStride, padding: g.poolPadding };
      y = maxPool2d(g.relu ? c.relu() : c, options);
    }
    const w = randn(y.shape);
    y.mul(w).sum().backward();
    return {
      y: Array.from(new Uint32Array((y.dataSync() as Float32Array).buffer)),
      seen,
      dx: x.grad!.dataSync() as Float32Array,
      dw: conv.weight.grad!.dataSync() as Float32Array,
      db: conv.bias!.grad!.dataSync() as Float32Array,
    };
  });
}

function close(a: Float32Array, b: Float32Array) {
  const scale = Math.max(...Array.from(b, Math.abs), 1e-30);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  expect(worst).toBeLessThan(1e-6);
}

describe('Sequential with Conv2d then MaxPool2d', () => {
  const cases: [string, Partial<Geometry>, [number, number] | null][] = [
    ["the MNIST CNN's second conv: 13 x 13 in, 11 x 11 out, pooled 5 x 5", {}, [12, 12]],
    ['without the ReLU between them', { relu: false }, [12, 12]],
    ['odd height only', { size: [13, 14] }, [12, 14]],
    ['a 3 x 3 pool at stride 2 (9 x 9 out reads all 9)', { size: [11, 11], pool: 3 }, null],
    ['a 3 x 3 pool at stride 2 (10 x 10 out reads 9)', { size: [12, 12], pool: 3 }, [11, 11]],
    ['a stride-2 conv (7 x 7 out, pool reads 6)', { size: [15, 16], stride: 2 }, [13, 13]],
    ['an even output: the pool reads all of it', { size: [12, 12] }, null],
    ['a padded conv is left whole', { padding: 1, size: [12, 12], relu: false }, null],
    ['a padded pool is left whole', { poolPadding: 1, relu: false }, null],
  ];
  for (const [name, geometry, crop] of cases) {
    it(name, () => {
      const g = { ...base, ...geometry };
      const mine = run(g, true);
      const theirs = run(g, false);
      expect(mine.seen).toEqual(crop ? [2, 3, ...crop] : [2, 3, ...g.size]);
      expect(mine.y).toEqual(theirs.y);
      close(mine.dw, theirs.dw);
      close(mine.db, theirs.db);
      close(mine.dx, theirs.dx);
      if (crop) {
        // The skipped rows and columns of the input get exactly zero, in both.
        const [h, w] = g.size;
        for (let p = 0; p < 6; p++) {
          for (let r = 0; r < h; r++) {
            for (let c = 0; c < w; c++) {
              if (r < crop[0] && c < crop[1]) continue;
              expect(mine.dx[p * h * w + r * w + c]).toBe(0);
              expect(theirs.dx[p * h * w + r * w + c]).toBe(0);
            }
          }
        }
      }
    });
  }

  it('gives finite weight gradients when an input the pool never reads is Inf', () => {
    const mine = run(base, true, true);
    expect(mine.seen).toEqual([2, 3, 12, 12]);
    expect(mine.dw.every(Number.isFinite)).toBe(true);
    expect(mine.dx.every(Number.isFinite)).toBe(true);
  });
});

describe('Sequential crops a whole run of convs and pools once, at its start', () => {
  /** The MNIST CNN's spatial layers on [2, 1, 28, 28]; returns output bits, gradients and the input shapes each conv saw. */
  function cnn(bySequential: boolean, pool: (k: number) => Module = (k) => new MaxPool2d(k)) {
    return scope(() => {
      manualSeed(5);
      const convs = [new Conv2d(1, 4, 3), new Conv2d(4, 6, 3)];
      const seen: (readonly number[])[] = [];
      for (const conv of convs) {
        const f = conv.forward.bind(conv);
        conv.forward = (x: Tensor) => {
          seen.push(x.shape);
          return f(x);
        };
      }
      const layers = [convs[0], new ReLU(), pool(2), convs[1], new ReLU(), pool(2)];
      const x = tensor(randn([2, 1, 28, 28]).dataSync() as Float32Array, {
        shape: [2, 1, 28, 28],
        requiresGrad: true,
      });
      const y = bySequential
        ? new Sequential(...layers, new Flatten()).forward(x)
        : layers.reduce((t, l) => l.forward(t), x).flatten(1);
      y.mul(randn(y.shape)).sum().backward();
      return {
        y: Array.from(new Uint32Array((y.dataSync() as Float32Array).buffer)),
        seen,
        dx: x.grad!.dataSync() as Float32Array,
        dw: convs.map((c) => c.weight.grad!.dataSync() as Float32Array),
      };
    });
  }

  for (const [name, pool] of [
    ['max pools', (k: number) => new MaxPool2d(k)],
    ['average pools', (k: number) => new AvgPool2d(k)],
  ] as const) {
    it(`28 -> 26 of the image for conv 26 -> pool 13 -> conv 11 -> pool 5, with ${name}`, () => {
      const mine = cnn(true, pool);
      const theirs = cnn(false, pool);
      expect(mine.seen).toEqual([
        [2, 1, 26, 26],
        [2, 4, 12, 12],
      ]);
      expect(theirs.seen).toEqual([
        [2, 1, 28, 28],
        [2, 4, 13, 13],
      ]);
      expect(mine.y).toEqual(theirs.y);
      close(mine.dw[0], theirs.dw[0]);
      close(mine.dw[1], theirs.dw[1]);
      close(mine.dx, theirs.dx);
    });
  }

  it("leaves a shape a layer rejects to that layer's own error", () => {
    const model = new Sequential(new Conv2d(1, 2, 3), new ReLU(), new MaxPool2d(2));
    expect(() => scope(() => model.forward(randn([1, 1, 2, 5])))).toThrow(
      /conv2d: kernel 3x3 is larger than the padded input 2x5/,
    );
    // 4 x 4 -> conv 2 x 2 -> a 3 x 3 pool cannot fit: the pool reports it, not a crop.
    const pooled = new Sequential(new Conv2d(1, 2, 3), new MaxPool2d(3));
    expect(() => scope(() => pooled.forward(randn([1, 1, 4, 4])))).toThrow(/maxPool2d/);
  });

  it('stops a run at a layer that needs all of its input', () => {
    for (const middle of [new Dropout(0.5), new BatchNorm2d(4), new Identity()]) {
      const conv = new Conv2d(4, 4, 3);
      let seen: readonly number[] = [];
      const f = conv.forward.bind(conv);
      conv.forward = (x: Tensor) => {
        seen = x.shape;
        return f(x);
      };
      scope(() => {
        // conv 13 -> 11, then the middle layer, then a pool that reads 10 of the 11.
        new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), conv, middle, new MaxPool2d(2)).forward(
          randn([1, 1, 13, 13]),
        );
      });
      expect(seen).toEqual([1, 4, 13, 13]);
    }
  });
});
