/**
 * @asgrad/data: IDX parsing, MNIST / Fashion-MNIST loaders and a seeded DataLoader.
 */
export { ready } from '@asgrad/autograd';
export { type IdxArrays, type IdxData, type IdxDtype, isGzip, parseIdx } from './idx.js';
export {
  type ArrayBatch,
  type BatchShape,
  type BatchTensor,
  DataLoader,
  type DataLoaderOptions,
  type Dataset,
  gatherRows,
  type SampleArray,
  type TensorBatch,
  type TensorLike,
} from './loader.js';
export {
  DEBIAN_FASHION_MNIST_DIR,
  FASHION_MNIST_STATS,
  type ImageDataset,
  type ImageSplit,
  type LoadOptions,
  loadFashionMnist,
  loadMnist,
  MNIST_STATS,
  mnistDataDir,
  type Normalization,
} from './mnist.js';
export { mix32, permutation, Xoshiro128 } from './shuffle.js';
