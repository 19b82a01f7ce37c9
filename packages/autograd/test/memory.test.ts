// The memory contract: an ordinary training loop does not grow memory.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { heap } from '@asgrad/kernels';
import { describe, expect, it } from 'vitest';
import {
  crossEntropy,
  linear,
  manualSeed,
  memoryInfo,
  noGrad,
  randn,
  scope,
  tensor,
  zeros,
} from '../src/index.js';

describe('memory', () => {
  it("the README's training loop runs 1,000 steps with memory flat after the first", () => {
    manualSeed(1);
    const w1 = randn([16, 8]).mul(0.3);
    const w2 = randn([4, 16]).mul(0.3);
    w1.requiresGrad = true;
    w2.requiresGrad = true;
    const b1 = zeros([16], { requiresGrad: true });
    const params = [w1, b1, w2];
    const x = randn([32, 8]);
    const y = tensor(
      Array.from({ length: 32 }, (_, i) => i % 4),
      { dtype: 'int32' },
    );
    const step = () =>
      scope(() => {
        for (const p of params) p.grad = null;
        const loss = crossEntropy(linear(linear(x, w1, b1).relu(), w2), y);
        loss.backward();
        noGrad(() => {
          for (const p of params) {
            // In place, as an optimizer does: write the new values into the parameter's memory.
            const updated = p.sub(p.grad!.mul(0.1));
            heap()
              .f32()
              .set(updated.dataSync(), p.ptr >>> 2);
          }
        });
        return loss.item();
      });
    const firstLoss = step();
    const after1 = memoryInfo();
    let last = firstLoss;
    for (let i = 0; i < 999; i++) last = step();
    const after1000 = memoryInfo();
    expect(after1000.bytes).toBe(after1.bytes);
    expect(after1000.tensors).toBe(after1.tensors);
    expect(after1000.heapBytesLive).toBe(after1.heapBytesLive);
    expect(last).toBeLessThan(firstLoss * 0.5);
  });

  it('scope frees what it does not return and keeps what it does', () => {
    const before = memoryInfo();
    const kept = scope(() => {
      const a = randn([100]);
      const b = a.mul(2);
      return { b, list: [b.add(1)] };
    });
    expect(memoryInfo().tensors).toBe(before.tensors + 2);
    kept.b.dispose();
    kept.list[0].dispose();
    expect(memoryInfo()).toMatchObject({ tensors: before.tensors, bytes: before.bytes });
  });

  it('saved tensors are released when backward finishes, unless retainGraph', () => {
    const x = randn([64], { requiresGrad: true });
    const before = memoryInfo().bytes;
    const y = scope(() => x.exp().mul(x).sigmoid().sum());
    const held = memoryInfo().bytes;
    expect(held).toBeGreaterThan(before + 4); // the graph keeps its saved intermediates
    y.backward(undefined, { retainGraph: true });
    expect(memoryInfo().bytes).toBeGreaterThan(before + 4);
    y.backward();
    x.grad!.dispose();
    x.grad = null;
    y.dispose();
    expect(memoryInfo().bytes).toBe(before);
    expect(() => y.item()).toThrow(/disposed/);
  });

  it('a forward pass whose result is dropped inside a scope frees its graph too', () => {
    const w = randn([32, 32], { requiresGrad: true });
    const before = memoryInfo();
    for (let i = 0; i < 20; i++) scope(() => void w.matmul(w).tanh().sum().item());
    expect(memoryInfo().bytes).toBe(before.bytes);
  });

  it('a failed op leaves no memory behind', () => {
    const a = randn([2, 3]);
    const b = randn([4, 5]);
    const before = memoryInfo();
    expect(() => a.matmul(b)).toThrow();
    expect(() => a.add(b)).toThrow();
    expect(() => crossEntropy(a, [0, 7])).toThrow();
    expect(memoryInfo()).toMatchObject({ tensors: before.tensors, bytes: before.bytes });
  });

  it('a tensor dropped without dispose() is freed by the FinalizationRegistry after GC', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const before = memoryInfo();
    (() => {
      for (let i = 0; i < 50; i++) randn([1000]).mul(2);
    })();
    expect(memoryInfo().tensors).toBe(before.tensors + 100);
    await new Promise((r) => setTimeout(r, 0)); // registration happens in a microtask
    for (let i = 0; i < 20 && memoryInfo().tensors > before.tensors; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    // Earlier tests' dropped tensors may go too, so the counts can only fall below `before`.
    expect(memoryInfo().tensors).toBeLessThanOrEqual(before.tensors);
    expect(memoryInfo().bytes).toBeLessThanOrEqual(before.bytes);
  });
});
