/**
 * @asgrad/autograd: tensors with PyTorch-style define-by-run autograd on WebAssembly SIMD
 * kernels. The kernels load when this module is imported (top-level await), so every
 * function is ready to use; `await ready()` is still available and harmless.
 *
 * @example
 * ```ts
 * import { tensor, randn } from '@asgrad/autograd';
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const w = randn([2, 3], { requiresGrad: true });
 * x.matmul(w).relu().sum().backward();
 * x.grad!.toArray();
 * ```
 */
import { ready } from '@asgrad/kernels';

await ready();

export type { KernelInfo } from '@asgrad/kernels';
export { kernelInfo, ready, setThreads } from '@asgrad/kernels';
export type { TensorOptions } from './create.js';
export { arange, full, normal, ones, rand, randn, tensor, uniform, zeros, zerosLike } from './create.js';
export type { CustomOpContext, CustomOpDefinition } from './custom.js';
export { customOp } from './custom.js';
export { grad, valueAndGrad } from './functional.js';
export type { GradcheckOptions, GradcheckReport } from './gradcheck.js';
export { gradcheck } from './gradcheck.js';
export type { BackwardOptions } from './graph.js';
export { isGradEnabled, noGrad } from './graph.js';
export type { MemoryInfo } from './memory.js';
export { keep, memoryInfo, scope } from './memory.js';
export type { Conv2dOptions, Pool2dOptions } from './ops/conv.js';
export { avgPool2d, conv2d, maxPool2d } from './ops/conv.js';
export { dropout } from './ops/dropout.js';
export {
  abs,
  add,
  clamp,
  compare,
  div,
  exp,
  gelu,
  leakyRelu,
  log,
  maximum,
  minimum,
  mul,
  neg,
  pow,
  relu,
  sigmoid,
  sqrt,
  sub,
  tanh,
} from './ops/elementwise.js';
export type { CrossEntropyOptions } from './ops/loss.js';
export { binaryCrossEntropy, crossEntropy, mseLoss } from './ops/loss.js';
export { linear, matmul } from './ops/matmul.js';
export { argmax, argmin, max, mean, min, sum, sumTo } from './ops/reduce.js';
export {
  concat,
  expand,
  flatten,
  indexSelect,
  permute,
  reshape,
  slice,
  squeeze,
  stack,
  transpose,
  unsqueeze,
} from './ops/shape.js';
export { logSoftmax, softmax } from './ops/softmax.js';
export { generatorState, globalGenerator, manualSeed, setGeneratorState } from './random.js';
export type { DType, Operand } from './tensor.js';
export { Tensor } from './tensor.js';
