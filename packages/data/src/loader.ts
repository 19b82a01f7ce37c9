import { type Tensor, tensor } from '@asgrad/autograd';
import { permutation } from './shuffle.js';

/** Element arrays a batch can be built from: the two tensor dtypes. */
export type SampleArray = Float32Array | Int32Array;

/**
 * Samples stored back to back: sample `i` of `x` is `x.subarray(i * xSize, (i + 1) * xSize)`,
 * likewise for `y`. `n` defaults to `y.length` (one label per sample); `shape` is the shape
 * of one sample, such as `[28, 28]` for the splits returned by `loadMnist`.
 */
export interface Dataset {
  x: SampleArray;
  y: SampleArray;
  n?: number;
  shape?: readonly number[];
}

/** How each batch's `x` is shaped: NCHW images, flat rows, or an explicit per-sample shape. */
export type BatchShape = 'nchw' | 'flat' | readonly number[];

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions {
  /** Samples per batch (default 1, as in PyTorch). */
  batchSize?: number;
  /** Visit samples in a new seeded random order each epoch (default false: in order). */
  shuffle?: boolean;
  /** Seed of the shuffle (default 0); the order of epoch e depends only on (seed, e). */
  seed?: number;
  /** Drop the last batch when it would be smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /**
   * `'nchw'`: `[b, c, h, w]`, from the dataset's `shape` (`[h, w]` gives c = 1) or, without
   * one, from a square sample; `'flat'`: `[b, sampleSize]`; an array: `[b, ...shape]`.
   * Default: `'nchw'` when the dataset has a `shape`, `'flat'` otherwise.
   */
  shape?: BatchShape;
}

/** One batch as plain arrays (fresh copies), with the shapes the tensors get. */
export interface ArrayBatch {
  x: SampleArray;
  y: SampleArray;
  xShape: number[];
  yShape: number[];
  /** Dataset index of each sample in the batch. */
  indices: Int32Array;
}

/** The part of `@asgrad/autograd`'s Tensor the loader relies on. */
export interface TensorLike {
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
  dataSync(): SampleArray;
  dispose(): void;
}

/** A batch tensor from `@asgrad/autograd`. */
export type BatchTensor = Tensor;

/** One batch as tensors: `x` float32 or int32 as the dataset, `y` with shape `[b]` or `[b, ySize]`. */
export interface TensorBatch {
  x: BatchTensor;
  y: BatchTensor;
}

const dtypeOf = (a: SampleArray): 'float32' | 'int32' => (a instanceof Float32Array ? 'float32' : 'int32');

/**
 * Copies the samples `order[start..end)` of `src` (samples of `sampleSize` elements stored back to
 * back) into a new array of the same type, in that order. Only the batch is copied.
 *
 * @example
 * ```ts
 * gatherRows(new Float32Array([0, 1, 2, 3, 4, 5]), 2, Int32Array.of(2, 0), 0, 2); // [4, 5, 0, 1]
 * ```
 */
export function gatherRows<T extends SampleArray>(
  src: T,
  sampleSize: number,
  order: Int32Array,
  start = 0,
  end = order.length,
  into?: T,
): T {
  const count = end - start;
  const out = (into?.subarray(0, count * sampleSize) ??
    (src instanceof Float32Array
      ? new Float32Array(count * sampleSize)
      : new Int32Array(count * sampleSize))) as T;
  if (sampleSize === 1) {
    for (let k = 0; k < count; k++) out[k] = src[order[start + k]];
    return out;
  }
  for (let k = 0; k < count; k++) {
    const from = order[start + k] * sampleSize;
    out.set(src.subarray(from, from + sampleSize), k * sampleSize);
  }
  return out;
}

const isPositiveInt = (v: number) => Number.isInteger(v) && v > 0;

function sampleShape(option: BatchShape, dataShape: readonly number[] | undefined, size: number): number[] {
  if (option === 'flat') return [size];
  if (option === 'nchw') {
    if (dataShape?.length === 2) return [1, ...dataShape];
    if (dataShape?.length === 3) return [...dataShape];
    if (dataShape !== undefined) {
      throw new Error(
        `DataLoader: shape 'nchw' needs a dataset shape [h, w] or [c, h, w], got [${dataShape}]`,
      );
    }
    const side = Math.round(Math.sqrt(size));
    if (side * side !== size) {
      throw new Error(
        `DataLoader: cannot infer an NCHW shape for samples of ${size} values; pass shape: [c, h, w]`,
      );
    }
    return [1, side, side];
  }
  const shape = [...option];
  if (!shape.every(isPositiveInt) || shape.reduce((a, b) => a * b, 1) !== size) {
    throw new Error(`DataLoader: shape [${shape}] does not hold samples of ${size} values`);
  }
  return shape;
}

/**
 * Iterates a dataset in batches of `{ x, y }` tensors, like PyTorch's DataLoader.
 *
 * Each `for..of` is one epoch. With `shuffle`, epoch e visits the samples in the order
 * `permutation(n, seed, e)` (see shuffle.ts): different every epoch, identical across runs.
 * The loader keeps references to the dataset arrays and copies only the samples of the batch
 * it is building. Every batch is a pair of fresh tensors: dispose them (or run the step inside
 * `scope`) when done.
 *
 * `epoch` is the index of the epoch the next iteration runs; it advances when an iteration
 * ends, whether it ran to completion or was left with `break`. Save it in a checkpoint and
 * call `setEpoch` on resume to continue with the same orders.
 *
 * @example
 * ```ts
 * const loader = new DataLoader(loadMnist().train, { batchSize: 64, shuffle: true, seed: 1 });
 * for (const { x, y } of loader) {   // x: [64, 1, 28, 28] float32, y: [64] int32
 *   x.dispose();
 *   y.dispose();
 * }
 * ```
 */
export class DataLoader implements Iterable<TensorBatch> {
  /** Number of samples. */
  readonly n: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  /** Shape of one sample of `x` in a batch (the batch shape without its leading `b`). */
  readonly sampleShape: readonly number[];
  private readonly data: Dataset;
  private readonly xSize: number;
  private readonly ySize: number;
  private nextEpoch = 0;

  constructor(data: Dataset, options: DataLoaderOptions = {}) {
    const { batchSize = 1, shuffle = false, seed = 0, dropLast = false } = options;
    const n = data.n ?? data.y.length;
    if (!isPositiveInt(n))
      throw new Error(`DataLoader: the dataset must hold at least one sample, got n = ${n}`);
    if (data.x.length === 0 || data.x.length % n !== 0 || data.y.length % n !== 0) {
      throw new Error(
        `DataLoader: x (${data.x.length} values) and y (${data.y.length}) do not split into ${n} samples`,
      );
    }
    if (!isPositiveInt(batchSize))
      throw new Error(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    if (!Number.isSafeInteger(seed)) throw new Error(`DataLoader: seed must be a safe integer, got ${seed}`);
    this.xSize = data.x.length / n;
    this.ySize = data.y.length / n;
    if (data.shape !== undefined && data.shape.reduce((a, b) => a * b, 1) !== this.xSize) {
      throw new Error(
        `DataLoader: dataset shape [${data.shape}] does not hold samples of ${this.xSize} values`,
      );
    }
    this.sampleShape = sampleShape(options.shape ?? (data.shape ? 'nchw' : 'flat'), data.shape, this.xSize);
    this.data = data;
    this.n = n;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.seed = seed;
    this.dropLast = dropLast;
  }

  /** Batches per epoch. */
  get length(): number {
    return this.dropLast ? Math.floor(this.n / this.batchSize) : Math.ceil(this.n / this.batchSize);
  }

  /** Index of the epoch the next iteration runs (0 for a new loader). */
  get epoch(): number {
    return this.nextEpoch;
  }

  /** Makes the next iteration run epoch `e`, e.g. to resume from a checkpoint. */
  setEpoch(e: number): void {
    if (!Number.isSafeInteger(e) || e < 0)
      throw new Error(`DataLoader.setEpoch: epoch must be an integer >= 0, got ${e}`);
    this.nextEpoch = e;
  }

  /** Sample order of epoch `e` (default: the next one): a seeded permutation, or 0..n-1 without shuffle. */
  order(e: number = this.nextEpoch): Int32Array {
    if (this.shuffle) return permutation(this.n, this.seed, e);
    const order = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) order[i] = i;
    return order;
  }

  /** One epoch of batches as plain arrays; runs and advances `epoch` exactly as `for..of` does. */
  *arrays(): Generator<ArrayBatch, void, undefined> {
    yield* this.gather(false);
  }

  // Tensor batches are copied into wasm memory right away, so they gather into two reused
  // buffers: fresh 400 KB arrays per batch cost more (page faults) than the copy itself.
  private xBuf?: SampleArray;
  private yBuf?: SampleArray;

  private *gather(reuse: boolean): Generator<ArrayBatch, void, undefined> {
    const order = this.order();
    const { x, y } = this.data;
    if (reuse) {
      const make = (a: SampleArray, n: number) =>
        a instanceof Float32Array ? new Float32Array(n) : new Int32Array(n);
      this.xBuf ??= make(x, this.batchSize * this.xSize);
      this.yBuf ??= make(y, this.batchSize * this.ySize);
    }
    try {
      for (let b = 0; b < this.length; b++) {
        const start = b * this.batchSize;
        const end = Math.min(start + this.batchSize, this.n);
        const size = end - start;
        yield {
          x: gatherRows(x, this.xSize, order, start, end, reuse ? this.xBuf : undefined),
          y: gatherRows(y, this.ySize, order, start, end, reuse ? this.yBuf : undefined),
          xShape: [size, ...this.sampleShape],
          yShape: this.ySize === 1 ? [size] : [size, this.ySize],
          indices: order.slice(start, end),
        };
      }
    } finally {
      this.nextEpoch++;
    }
  }

  /**
   * One epoch of `{ x, y }` tensor batches. The loader owns them: a batch is freed when the next
   * one is produced (and the last when the loop ends), so a training loop needs no dispose calls;
   * `clone()` a batch to keep it longer.
   */
  *[Symbol.iterator](): Generator<TensorBatch, void, undefined> {
    let last: TensorBatch | undefined;
    try {
      for (const batch of this.gather(true)) {
        last?.x.dispose();
        last?.y.dispose();
        last = undefined;
        const bx = tensor(batch.x, { shape: batch.xShape, dtype: dtypeOf(batch.x) });
        let by: BatchTensor;
        try {
          by = tensor(batch.y, { shape: batch.yShape, dtype: dtypeOf(batch.y) });
        } catch (err) {
          bx.dispose();
          throw err;
        }
        last = { x: bx, y: by };
        yield last;
      }
    } finally {
      last?.x.dispose();
      last?.y.dispose();
    }
  }
}
