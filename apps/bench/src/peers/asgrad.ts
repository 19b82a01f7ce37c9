// asgrad through @asgrad/kernels: inputs live on the kernel heap, calls take pointers.
import * as autograd from '@asgrad/autograd';
import {
  type Conv2dShape,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  heap,
  kernelInfo,
  matmul,
  ready,
  setThreads,
} from '@asgrad/kernels';
import * as optim from '@asgrad/optim';
import { kernelsLibrary } from '../builds.js';
import { OPTIMIZERS } from '../optimizers.js';
import { asgradPeerName } from '../peer-names.js';
import type { AddSpec, ConvSpec, MatmulSpec, OptimSpec, Peer, Prepared } from './types.js';

function upload(data: Float32Array): number {
  const ptr = heap().alloc(data.length * 4);
  heap()
    .f32()
    .set(data, ptr >>> 2);
  return ptr;
}

function download(ptr: number, n: number): Float32Array {
  return heap()
    .f32()
    .slice(ptr >>> 2, (ptr >>> 2) + n);
}

function freeAll(ptrs: number[]): void {
  for (const p of ptrs) heap().free(p);
}

/** Synchronous (like prepareConv), so it can run inside @asgrad/kernels' withBuild. */
export function prepareMatmul(s: MatmulSpec): Prepared {
  const a = upload(s.a);
  const b = upload(s.b);
  const out = heap().alloc(s.m * s.n * 4);
  const args = { a, b, out, m: s.m, n: s.n, k: s.k, transA: s.transA, transB: s.transB };
  return {
    run: () => matmul(args),
    output: () => {
      matmul(args);
      return download(out, s.m * s.n);
    },
    dispose: () => freeAll([a, b, out]),
  };
}

/** The conv kernels of @asgrad/kernels (im2col + GEMM) on heap pointers, outputs preallocated. */
export function prepareConv(s: ConvSpec): Prepared {
  const shape: Conv2dShape = {
    n: s.n,
    cIn: s.cIn,
    h: s.h,
    w: s.w,
    cOut: s.cOut,
    kh: s.k,
    kw: s.k,
    strideH: 1,
    strideW: 1,
    padH: 0,
    padW: 0,
  };
  const x = upload(s.x);
  const w = upload(s.weight);
  const dy = upload(s.dy);
  const outLen =
    s.pass === 'forward' ? s.dy.length : s.pass === 'backwardInput' ? s.x.length : s.weight.length;
  const out = heap().alloc(outLen * 4);
  const run =
    s.pass === 'forward'
      ? () => conv2d(x, w, 0, out, shape)
      : s.pass === 'backwardInput'
        ? () => conv2dBackwardInput(dy, w, out, shape)
        : () => conv2dBackwardWeight(x, dy, out, 0, shape);
  return {
    run,
    output: () => {
      run();
      return download(out, outLen);
    },
    dispose: () => freeAll([x, w, dy, out]),
  };
}

type OptimizerClass = new (
  params: autograd.Tensor[],
  options: Record<string, unknown>,
) => {
  step(): void;
};

/** One `optimizer.step()` of @asgrad/optim on a parameter whose `.grad` is set once. */
async function prepareOptimizer(s: OptimSpec): Promise<Prepared> {
  const { cls, options } = OPTIMIZERS[s.name].asgrad;
  const Cls = (optim as unknown as Record<string, OptimizerClass>)[cls];
  const fresh = () => {
    const p = autograd.tensor(s.param, { requiresGrad: true });
    p.grad = autograd.tensor(s.grad);
    return { p, opt: new Cls([p], options) };
  };
  const timed = fresh();
  return {
    run: () => timed.opt.step(),
    output: () => {
      const { p, opt } = fresh();
      opt.step();
      const after = p.dataSync() as Float32Array;
      p.grad?.dispose();
      p.dispose();
      return after.map((v, i) => v - s.param[i]);
    },
    dispose: () => {
      timed.p.grad?.dispose();
      timed.p.dispose();
    },
  };
}

/** `a.add(b)` through the public Tensor API of @asgrad/autograd, result disposed each call. */
async function prepareTensorAdd(s: AddSpec): Promise<Prepared> {
  const a = autograd.tensor(s.a);
  const b = autograd.tensor(s.b);
  return {
    run: () => a.add(b).dispose(),
    output: () => {
      const c = a.add(b);
      const d = c.dataSync() as Float32Array;
      c.dispose();
      return d;
    },
    dispose: () => {
      a.dispose();
      b.dispose();
    },
  };
}

/** Pins the kernels' thread count before every round (and the output check) of a case. */
function onThreads<S>(threads: number, prepare: (spec: S) => Prepared | Promise<Prepared>) {
  return async (spec: S): Promise<Prepared> => {
    await setThreads(threads);
    const prep = await prepare(spec);
    return { ...prep, enter: () => setThreads(threads) };
  };
}

/**
 * Loads the kernels: `asgrad` runs every case on 1 thread; with more cores, `asgrad-<n>t`
 * runs the cases the kernels split over threads (matmul, conv2d) on all n of them.
 */
export async function asgradPeers(threads: number): Promise<Peer[]> {
  await ready();
  const library = (t: number) => kernelsLibrary(asgradPeerName(t), kernelInfo(), t);
  const one: Peer = {
    name: 'asgrad',
    library: library(1),
    matmul: onThreads(1, prepareMatmul),
    add: onThreads(1, prepareTensorAdd),
    conv2d: onThreads(1, prepareConv),
    optimizer: onThreads(1, prepareOptimizer),
  };
  // Without shared memory the kernels run on one thread whatever is asked: no second column.
  if (threads < 2 || !kernelInfo().sharedMemory) return [one];
  const many: Peer = {
    name: asgradPeerName(threads),
    library: library(threads),
    matmul: onThreads(threads, prepareMatmul),
    conv2d: onThreads(threads, prepareConv),
  };
  return [one, many];
}
