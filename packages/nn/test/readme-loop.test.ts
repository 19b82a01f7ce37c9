// The training loop from the repository README, run for 1,000 steps on real MNIST: memory must be
// flat after the first step (wasm memory is not garbage-collected, so any leak would show here).
import { memoryInfo, scope } from '@asgrad/autograd';
import { DataLoader, loadMnist } from '@asgrad/data';
import { Adam } from '@asgrad/optim';
import { describe, expect, it } from 'vitest';
import { crossEntropy, Linear, ReLU, Sequential } from '../src/index.js';

describe("the README's training loop", () => {
  it('runs 1,000 steps with memoryInfo() flat after the first step, and learns', () => {
    const { train } = loadMnist();
    const loader = new DataLoader(train, { batchSize: 128, shuffle: true, seed: 0, shape: 'flat' });
    const model = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
    const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
    let step = 0;
    let afterFirst = memoryInfo();
    let after = afterFirst;
    const losses: number[] = [];
    outer: for (let epoch = 0; epoch < 3; epoch++) {
      for (const { x, y } of loader) {
        const loss = scope(() => {
          optimizer.zeroGrad();
          const l = crossEntropy(model.forward(x), y);
          l.backward();
          optimizer.step();
          return l.item();
        });
        losses.push(loss);
        if (++step === 1) afterFirst = memoryInfo();
        if (step === 1000) {
          after = memoryInfo(); // at the same point of the loop as afterFirst
          break outer;
        }
      }
    }
    expect(step).toBe(1000);
    expect(after.bytes).toBe(afterFirst.bytes);
    expect(after.tensors).toBe(afterFirst.tensors);
    expect(after.heapBytesLive).toBe(afterFirst.heapBytesLive);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(losses.slice(-100))).toBeLessThan(0.35);
    console.log(
      `README loop: after step 1 ${JSON.stringify(afterFirst)}; after step 1000 ${JSON.stringify(after)}; last-100 mean loss ${mean(losses.slice(-100)).toFixed(4)}`,
    );
  });
});
