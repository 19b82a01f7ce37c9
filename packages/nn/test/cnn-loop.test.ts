// A CNN training loop on the thread pool (conv2d, pooling and large elementwise ops split over
// threads, each call lending its workers scratch): wasm memory must be flat after the first step,
// on 1 thread and on 2, and the two must train to the same bits.
import { manualSeed, memoryInfo, randn, scope, tensor } from '@asgrad/autograd';
import { setThreads } from '@asgrad/kernels';
import { Adam } from '@asgrad/optim';
import { afterAll, describe, expect, it } from 'vitest';
import { Conv2d, crossEntropy, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '../src/index.js';

afterAll(() => setThreads(2));

/** Trains the MNIST CNN shape on fixed random images; returns the losses and memory after step 1 and the last. */
async function train(threads: number, steps: number) {
  await setThreads(threads);
  manualSeed(7);
  const model = new Sequential(
    new Conv2d(1, 32, 3),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(32, 64, 3),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Dropout(0.5),
    new Linear(1600, 10),
  );
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const x = randn([64, 1, 28, 28]);
  const labels = Int32Array.from({ length: 64 }, (_, i) => i % 10);
  const y = tensor(labels, { dtype: 'int32' });
  const losses: number[] = [];
  let first = memoryInfo();
  for (let step = 1; step <= steps; step++) {
    losses.push(
      scope(() => {
        optimizer.zeroGrad();
        const l = crossEntropy(model.forward(x), y);
        l.backward();
        optimizer.step();
        return l.item();
      }),
    );
    if (step === 1) first = memoryInfo();
  }
  const last = memoryInfo();
  for (const p of [x, y, ...model.parameters()]) p.dispose();
  return { losses, first, last };
}

describe('a CNN training loop on the thread pool', () => {
  it('keeps memoryInfo() flat after the first step on 1 and 2 threads, with the same losses', async () => {
    const one = await train(1, 20);
    const two = await train(2, 20);
    for (const run of [one, two]) {
      expect(run.last.bytes).toBe(run.first.bytes);
      expect(run.last.tensors).toBe(run.first.tensors);
      expect(run.last.heapBytesLive).toBe(run.first.heapBytesLive);
    }
    // Splitting over threads changes no rounding, so training is bit-identical.
    expect(two.losses).toEqual(one.losses);
    expect(one.losses[19]).toBeLessThan(one.losses[0]);
  });
});
