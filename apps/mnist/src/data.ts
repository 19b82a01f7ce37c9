// The datasets a run trains on, split and limited as the run's options say.
import { type ImageSplit, loadFashionMnist, loadMnist, type Normalization } from '@asgrad/data';

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

/** The first `n` images of a split (views, no copy). */
export function head(split: ImageSplit, n: number | null): ImageSplit {
  if (n === null || n >= split.n) return split;
  return { x: split.x.subarray(0, n * 784), y: split.y.subarray(0, n), n, shape: split.shape };
}

/** Loads MNIST or Fashion-MNIST with the validation split and limits applied. */
export function loadData(o: DataOptions): RunData {
  const options = { validation: o.validation, standardize: o.standardize ?? true };
  const ds = o.dataset === 'mnist' ? loadMnist(options) : loadFashionMnist(undefined, options);
  return {
    train: head(ds.train, o.trainLimit),
    validation: ds.validation ?? null,
    test: head(ds.test, o.testLimit),
    normalization: ds.normalization,
    classes: CLASS_NAMES[o.dataset],
  };
}
