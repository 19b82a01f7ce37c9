// The datasets a run trains on, split and limited as the run's options say.
import {
  type ImageDataset,
  type ImageSplit,
  loadFashionMnist,
  loadMnist,
  type Normalization,
} from '@asgrad/data';

export const DATASET_NAMES = ['mnist', 'fashion'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Class names shown in confusion matrices and predictions. */
export const CLASS_NAMES: Record<DatasetName, readonly string[]> = {
  mnist: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  fashion: ['T-shirt', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Boot'],
};

/** How much of the data a run uses. */
export interface DataOptions {
  dataset: DatasetName;
  /** Images moved from the end of the training set into a validation split (0: none). */
  validation: number;
  /** Train on the first N training images only (null: all). */
  trainLimit: number | null;
  /** Evaluate on the first N test images only (null: all 10,000). */
  testLimit: number | null;
  /** Standardise pixels with the dataset's usual mean and std (true for training; false gives [0, 1]). */
  standardize?: boolean;
}

/** The splits of a run, plus what was subtracted and divided by. */
export interface RunData {
  train: ImageSplit;
  validation: ImageSplit | null;
  test: ImageSplit;
  normalization: Normalization | null;
  classes: readonly string[];
}

/** Images `start..end` of a split (views, no copy). */
export function rows(split: ImageSplit, start: number, end: number): ImageSplit {
  const size = split.shape[0] * split.shape[1];
  return {
    x: split.x.subarray(start * size, end * size),
    y: split.y.subarray(start, end),
    n: end - start,
    shape: split.shape,
  };
}

// One parsed copy per dataset and pixel scaling: compare, the tests and a resumed run in the same
// process reuse it (the training images alone are 188 MB of float32).
const loaded = new Map<string, ImageDataset>();

function loadWhole(dataset: DatasetName, standardize: boolean): ImageDataset {
  const key = `${dataset}:${standardize}`;
  let ds = loaded.get(key);
  if (!ds) {
    ds = dataset === 'mnist' ? loadMnist({ standardize }) : loadFashionMnist(undefined, { standardize });
    loaded.set(key, ds);
  }
  return ds;
}

/**
 * Loads MNIST or Fashion-MNIST with the limits applied: validation is the last `validation`
 * training images (as `loadMnist`'s `validation` option), training the first `trainLimit` of the
 * rest, test the first `testLimit` test images.
 */
export function loadData(o: DataOptions): RunData {
  const ds = loadWhole(o.dataset, o.standardize ?? true);
  const n = ds.train.n;
  if (o.validation >= n)
    throw new Error(`--validation: the training set has ${n} images, got ${o.validation}`);
  const trainEnd = Math.min(n - o.validation, o.trainLimit ?? n);
  const testEnd = Math.min(ds.test.n, o.testLimit ?? ds.test.n);
  return {
    train: rows(ds.train, 0, trainEnd),
    validation: o.validation > 0 ? rows(ds.train, n - o.validation, n) : null,
    test: rows(ds.test, 0, testEnd),
    normalization: ds.normalization,
    classes: CLASS_NAMES[o.dataset],
  };
}
