import * as autograd from '@asgrad/autograd';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ArrayBatch, DataLoader, type Dataset, gatherRows } from '../src/loader.js';
import { permutation } from '../src/shuffle.js';

// n samples of `size` values; sample i holds i*1000 + j so every value names its origin.
function dataset(n: number, size: number, shape?: number[]): Dataset {
  const x = new Float32Array(n * size);
  for (let i = 0; i < n; i++) for (let j = 0; j < size; j++) x[i * size + j] = i * 1000 + j;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = i % 10;
  return { x, y, shape };
}

const epoch = (loader: DataLoader): ArrayBatch[] => [...loader.arrays()];

describe('gatherRows', () => {
  it('copies the chosen samples in order into a fresh array of the same type', () => {
    const src = Float32Array.of(0, 1, 2, 3, 4, 5, 6, 7);
    const out = gatherRows(src, 2, Int32Array.of(3, 0, 2, 1), 1, 3);
    expect(out).toBeInstanceOf(Float32Array);
    expect(Array.from(out)).toEqual([0, 1, 4, 5]);
    out[0] = 99;
    expect(src[0]).toBe(0);
    const labels = gatherRows(Int32Array.of(10, 11, 12), 1, Int32Array.of(2, 2, 0));
    expect(labels).toBeInstanceOf(Int32Array);
    expect(Array.from(labels)).toEqual([12, 12, 10]);
  });

  it('matches a naive gather for any sizes and orders (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 1000 }),
        (n, size, seed) => {
          const { x } = dataset(n, size);
          const order = permutation(n, seed);
          const start = seed % n;
          const out = gatherRows(x, size, order, start, n);
          const naive: number[] = [];
          for (let k = start; k < n; k++) naive.push(...x.subarray(order[k] * size, (order[k] + 1) * size));
          return out.length === naive.length && out.every((v, i) => v === naive[i]);
        },
      ),
    );
  });
});

describe('DataLoader batching', () => {
  it('covers the dataset in order without shuffle, with a partial last batch', () => {
    const loader = new DataLoader(dataset(10, 3), { batchSize: 4 });
    expect(loader.length).toBe(3);
    const batches = epoch(loader);
    expect(batches.map((b) => b.xShape)).toEqual([
      [4, 3],
      [4, 3],
      [2, 3],
    ]);
    expect(batches.map((b) => b.yShape)).toEqual([[4], [4], [2]]);
    expect(Array.from(batches[2].indices)).toEqual([8, 9]);
    expect(Array.from(batches[2].x)).toEqual([8000, 8001, 8002, 9000, 9001, 9002]);
    expect(Array.from(batches[2].y)).toEqual([8, 9]);
  });

  it('drops the partial last batch with dropLast', () => {
    const loader = new DataLoader(dataset(10, 3), { batchSize: 4, dropLast: true, shuffle: true, seed: 3 });
    expect(loader.length).toBe(2);
    const batches = epoch(loader);
    expect(batches.map((b) => b.xShape[0])).toEqual([4, 4]);
    // The dropped samples are the last two of this epoch's order.
    const seen = batches.flatMap((b) => Array.from(b.indices));
    expect(seen).toEqual(Array.from(permutation(10, 3, 0).subarray(0, 8)));
    expect(new DataLoader(dataset(3, 1), { batchSize: 4, dropLast: true }).length).toBe(0);
  });

  it('keeps a full last batch when n divides evenly, with or without dropLast', () => {
    for (const dropLast of [false, true]) {
      const loader = new DataLoader(dataset(8, 2), { batchSize: 4, dropLast });
      expect(epoch(loader).map((b) => b.xShape[0])).toEqual([4, 4]);
    }
  });

  it('gathers exactly the samples named by indices (no-copy gather correctness)', () => {
    const data = dataset(50, 6, [2, 3]);
    const loader = new DataLoader(data, { batchSize: 8, shuffle: true, seed: 11 });
    const all: number[] = [];
    for (const batch of loader.arrays()) {
      batch.indices.forEach((i, k) => {
        expect(Array.from(batch.x.subarray(k * 6, (k + 1) * 6))).toEqual(
          Array.from(data.x.subarray(i * 6, i * 6 + 6)),
        );
        expect(batch.y[k]).toBe(data.y[i]);
      });
      all.push(...batch.indices);
    }
    expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('reads the dataset in place rather than copying it, and hands out batches that are copies', () => {
    const data = dataset(6, 2);
    const loader = new DataLoader(data, { batchSize: 3 });
    data.x[5 * 2] = -7; // changed after construction: the loader must see it
    const batches = epoch(loader);
    expect(batches[1].x[4]).toBe(-7);
    batches[0].x[0] = 123; // changing a batch must not touch the dataset
    expect(data.x[0]).toBe(0);
  });

  it('shapes x as NCHW from the dataset shape, flat, square-inferred or explicit', () => {
    const shapeOf = (data: Dataset, shape?: DataLoader['sampleShape'] | 'nchw' | 'flat') =>
      epoch(new DataLoader(data, { batchSize: 5, shape }))[0].xShape;
    expect(shapeOf(dataset(5, 784, [28, 28]))).toEqual([5, 1, 28, 28]);
    expect(shapeOf(dataset(5, 784, [28, 28]), 'flat')).toEqual([5, 784]);
    expect(shapeOf(dataset(5, 12, [3, 2, 2]))).toEqual([5, 3, 2, 2]);
    expect(shapeOf(dataset(5, 784))).toEqual([5, 784]);
    expect(shapeOf(dataset(5, 784), 'nchw')).toEqual([5, 1, 28, 28]);
    expect(shapeOf(dataset(5, 12), [3, 4])).toEqual([5, 3, 4]);
  });

  it('shapes y as [b] for one label per sample and [b, k] for k targets', () => {
    const data: Dataset = { x: new Float32Array(12), y: new Float32Array(8), n: 4 };
    const [batch] = epoch(new DataLoader(data, { batchSize: 4 }));
    expect(batch.yShape).toEqual([4, 2]);
    expect(batch.y).toBeInstanceOf(Float32Array);
  });

  it('rejects bad datasets and options with messages naming DataLoader', () => {
    const ok = dataset(10, 4);
    expect(() => new DataLoader(ok, { batchSize: 0 })).toThrow(
      /DataLoader: batchSize must be a positive integer, got 0/,
    );
    expect(() => new DataLoader(ok, { batchSize: 2.5 })).toThrow(/got 2.5/);
    expect(() => new DataLoader(ok, { seed: 0.5 })).toThrow(/DataLoader: seed must be a safe integer/);
    expect(() => new DataLoader({ x: new Float32Array(10), y: new Int32Array(3) })).toThrow(
      /x \(10 values\) and y \(3\) do not split into 3 samples/,
    );
    expect(() => new DataLoader({ x: new Float32Array(0), y: new Int32Array(0) })).toThrow(
      /at least one sample, got n = 0/,
    );
    expect(() => new DataLoader({ ...ok, shape: [3, 3] })).toThrow(
      /dataset shape \[3,3\] does not hold samples of 4/,
    );
    expect(() => new DataLoader(dataset(10, 5), { shape: 'nchw' })).toThrow(
      /cannot infer an NCHW shape for samples of 5 values/,
    );
    expect(() => new DataLoader(ok, { shape: [3] })).toThrow(/shape \[3\] does not hold samples of 4 values/);
    expect(() => new DataLoader({ ...ok, shape: [4] }, { shape: 'nchw' })).toThrow(
      /'nchw' needs a dataset shape/,
    );
    expect(() => new DataLoader(ok).setEpoch(-1)).toThrow(/epoch must be an integer >= 0, got -1/);
  });
});

describe('DataLoader shuffling and epochs', () => {
  const orderOf = (batches: ArrayBatch[]) => batches.flatMap((b) => Array.from(b.indices));

  it('visits a new permutation each epoch, the same for the same seed', () => {
    const a = new DataLoader(dataset(100, 1), { batchSize: 16, shuffle: true, seed: 9 });
    const b = new DataLoader(dataset(100, 1), { batchSize: 16, shuffle: true, seed: 9 });
    const epochsA = [orderOf(epoch(a)), orderOf(epoch(a)), orderOf(epoch(a))];
    const epochsB = [orderOf(epoch(b)), orderOf(epoch(b)), orderOf(epoch(b))];
    expect(epochsA).toEqual(epochsB);
    expect(epochsA[0]).not.toEqual(epochsA[1]);
    expect(epochsA[1]).not.toEqual(epochsA[2]);
    expect(epochsA[0]).toEqual(Array.from(permutation(100, 9, 0)));
    expect(epochsA[0]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    const other = new DataLoader(dataset(100, 1), { batchSize: 16, shuffle: true, seed: 10 });
    expect(orderOf(epoch(other))).not.toEqual(epochsA[0]);
  });

  it('counts epochs, including one left early with break', () => {
    const loader = new DataLoader(dataset(20, 1), { batchSize: 5, shuffle: true, seed: 1 });
    expect(loader.epoch).toBe(0);
    epoch(loader);
    expect(loader.epoch).toBe(1);
    for (const _ of loader.arrays()) break;
    expect(loader.epoch).toBe(2);
    expect(orderOf(epoch(loader))).toEqual(Array.from(permutation(20, 1, 2)));
  });

  it('resumes with setEpoch: a fresh loader continues with the same orders', () => {
    const opts = { batchSize: 7, shuffle: true, seed: 4 };
    const first = new DataLoader(dataset(30, 2), opts);
    const orders = [0, 1, 2, 3].map(() => orderOf(epoch(first)));
    const resumed = new DataLoader(dataset(30, 2), opts);
    resumed.setEpoch(2);
    expect(resumed.epoch).toBe(2);
    expect(orderOf(epoch(resumed))).toEqual(orders[2]);
    expect(orderOf(epoch(resumed))).toEqual(orders[3]);
    expect(resumed.order(1)).toEqual(Int32Array.from(orders[1]));
  });

  it('keeps the in-order sequence every epoch without shuffle', () => {
    const loader = new DataLoader(dataset(9, 1), { batchSize: 4 });
    expect(orderOf(epoch(loader))).toEqual(orderOf(epoch(loader)));
    expect(Array.from(loader.order())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('DataLoader tensor batches', () => {
  it('yields float32 x / int32 y tensors with the batch shapes and values', async () => {
    await autograd.ready();
    const data = dataset(5, 4, [2, 2]);
    const loader = new DataLoader(data, { batchSize: 2, shuffle: true, seed: 2 });
    const expected = [...new DataLoader(data, { batchSize: 2, shuffle: true, seed: 2 }).arrays()];
    let k = 0;
    for (const { x, y } of loader) {
      expect(x.shape).toEqual(expected[k].xShape);
      expect(y.shape).toEqual(expected[k].yShape);
      expect(x.dtype).toBe('float32');
      expect(y.dtype).toBe('int32');
      expect(x.dataSync()).toEqual(expected[k].x);
      expect(y.dataSync()).toEqual(expected[k].y);
      k++;
    }
    expect(k).toBe(3);
    expect(expected.map((b) => b.xShape)).toEqual([
      [2, 1, 2, 2],
      [2, 1, 2, 2],
      [1, 1, 2, 2],
    ]);
    expect(loader.epoch).toBe(1);
  });

  it('owns its batches: each is freed when the next is produced, the last when the loop ends', async () => {
    const { memoryInfo } = await import('@asgrad/autograd');
    const loader = new DataLoader(dataset(7, 4, [2, 2]), { batchSize: 2 });
    const before = memoryInfo().tensors;
    const seen: { x: { isDisposed: boolean } }[] = [];
    for (const b of loader) {
      expect(memoryInfo().tensors).toBe(before + 2); // only the current batch is alive
      seen.push(b);
    }
    expect(seen.every((b) => b.x.isDisposed)).toBe(true);
    expect(memoryInfo().tensors).toBe(before);
    for (const b of loader) {
      const kept = b.x.clone();
      expect(kept.isDisposed).toBe(false);
      kept.dispose();
      break; // breaking out frees the current batch too
    }
    expect(memoryInfo().tensors).toBe(before);
  });
});
