import { describe, expect, it } from 'vitest';
import { arange, full, manualSeed, noGrad, ones, rand, randn, tensor, zeros } from '../src/index.js';

describe('Tensor creation and data out', () => {
  it('nested arrays, typed arrays with shape, scalars', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(x.shape).toEqual([2, 2]);
    expect(x.dtype).toBe('float32');
    expect(x.size).toBe(4);
    expect(x.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] }).toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(tensor(new Int32Array([7, 8])).dtype).toBe('int32');
    expect(tensor(3.5).item()).toBe(3.5);
    expect(tensor(3.5).shape).toEqual([]);
  });

  it('zeros, ones, full, arange', () => {
    expect(zeros([2, 2]).toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(ones([3]).toArray()).toEqual([1, 1, 1]);
    expect(full([2], 7, { dtype: 'int32' }).toArray()).toEqual([7, 7]);
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
  });

  it('manualSeed makes rand and randn reproducible', () => {
    manualSeed(42);
    const a = [...rand([5]).dataSync(), ...randn([5]).dataSync()];
    manualSeed(42);
    const b = [...rand([5]).dataSync(), ...randn([5]).dataSync()];
    expect(a).toEqual(b);
    const r = rand([1000]).dataSync();
    expect(Math.min(...r)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...r)).toBeLessThan(1);
  });

  it('requiresGrad propagates; noGrad and detach cut the graph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(x.mul(2).requiresGrad).toBe(true);
    expect(x.isLeaf).toBe(true);
    expect(x.mul(2).isLeaf).toBe(false);
    expect(noGrad(() => x.mul(2)).requiresGrad).toBe(false);
    expect(x.detach().requiresGrad).toBe(false);
    expect(tensor([1]).add(x.sum()).requiresGrad).toBe(true);
  });

  it('gradients accumulate into leaves across backward calls', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    x.mul(3).sum().backward();
    expect(x.grad!.toArray()).toEqual([5, 7, 9]);
    const w = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    const y = tensor([[1, 1]])
      .matmul(w)
      .relu()
      .sum();
    y.backward();
    expect(w.grad!.toArray()).toEqual([
      [1, 1],
      [1, 1],
    ]);
  });

  it('argmax / argmin give int32 indices', () => {
    const x = tensor([
      [1, 5, 2],
      [7, 0, 7],
    ]);
    expect(x.argmax(1).toArray()).toEqual([1, 0]);
    expect(x.argmin(1).toArray()).toEqual([0, 1]);
    expect(x.argmax().item()).toBe(3);
    expect(x.argmax(1).dtype).toBe('int32');
  });
});
