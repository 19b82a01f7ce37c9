/**
 * @asgrad/kernels: AssemblyScript WebAssembly SIMD tensor kernels, the allocator that owns
 * their memory, and the loader that picks a build. This is the low-level layer; most users
 * want `@asgrad/autograd`.
 *
 * @example
 * ```ts
 * import { ready, heap, addF32 } from '@asgrad/kernels';
 * await ready();
 * const a = heap().alloc(16), b = heap().alloc(16), c = heap().alloc(16);
 * heap().f32().set([1, 2, 3, 4], a / 4);
 * heap().f32().set([10, 20, 30, 40], b / 4);
 * addF32(a, b, c, 4); // c = [11, 22, 33, 44]
 * ```
 */

export { checkBlock, checkCount, checkElems } from './check.js';
export * from './conv.js';
export * from './elementwise.js';
export type { Kernel, KernelBuild, KernelInfo } from './loader.js';
export {
  heap,
  kernelInfo,
  loadBuild,
  ready,
  SCRATCH_BYTES,
  wasm,
  withBuild,
  writeScratch,
} from './loader.js';
export * from './matmul.js';
export type { HeapStats } from './memory.js';
export { Allocator, sizeClass } from './memory.js';
export * from './optim.js';
export * from './pool.js';
export * from './random.js';
export * from './reduce.js';
export * from './softmax.js';
export { MAX_THREADS, setThreads } from './threads.js';
