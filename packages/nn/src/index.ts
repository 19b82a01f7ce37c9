/**
 * @asgrad/nn: modules, layers, initialisers, losses, summary, safetensors and a Keras-style fit(),
 * with PyTorch's layouts so weights move between asgrad and PyTorch.
 *
 * @example
 * ```ts
 * import { Linear, ReLU, Sequential, crossEntropy } from '@asgrad/nn';
 * const model = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
 * const loss = crossEntropy(model.forward(x), labels);
 * ```
 */
export { GELU, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh } from './activation.js';
export type { BatchNormOptions } from './batchnorm.js';
export { BatchNorm1d, BatchNorm2d } from './batchnorm.js';
export { Flatten, Sequential } from './container.js';
export type { Conv2dLayerOptions } from './conv.js';
export { Conv2d } from './conv.js';
export { Dropout } from './dropout.js';
export type {
  Callback,
  EarlyStoppingOptions,
  FitOptions,
  History,
  Logs,
  Metric,
  OptimizerLike,
} from './fit.js';
export { earlyStopping, fit } from './fit.js';
export * as init from './init.js';
export type { LinearOptions } from './linear.js';
export { Linear } from './linear.js';
export type { CrossEntropyOptions } from './losses.js';
export {
  accuracy,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  mseLoss,
} from './losses.js';
export type { LoadStateDictOptions } from './module.js';
export { Module } from './module.js';
export { AvgPool2d, MaxPool2d } from './pool.js';
export { loadSafetensors, saveSafetensors } from './safetensors.js';
export { summary } from './summary.js';
