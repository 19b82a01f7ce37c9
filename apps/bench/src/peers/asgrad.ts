// asgrad through @asgrad/kernels: inputs live on the kernel heap, calls take pointers.
import * as autograd from '@asgrad/autograd';
import { addF32, heap, kernelInfo, matmul, ready } from '@asgrad/kernels';
import { packageVersion } from '../machine.js';
import type { AddSpec, MatmulSpec, Peer, Prepared } from './types.js';

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

async function prepareMatmul(s: MatmulSpec): Promise<Prepared> {
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

/** An implementation of the `ops` suite's add for asgrad, and what the column measures. */
export interface AddImpl {
  label: string;
  /** What a reader of the headline ratio must know, if anything. */
  caveat?: string;
  prepare: (s: AddSpec) => Promise<Prepared>;
}

/** The raw kernel on preallocated heap pointers: no Tensor, no allocation per call. */
export const kernelAdd: AddImpl = {
  label: '@asgrad/kernels addF32 on preallocated heap pointers (the Tensor API is not built yet)',
  caveat: 'asgrad timed as its raw kernel, not yet through a Tensor API as the peers are',
  prepare: async (s) => {
    const a = upload(s.a);
    const b = upload(s.b);
    const out = heap().alloc(s.n * 4);
    return {
      run: () => addF32(a, b, out, s.n),
      output: () => {
        addF32(a, b, out, s.n);
        return download(out, s.n);
      },
      dispose: () => freeAll([a, b, out]),
    };
  },
};

/** `a.add(b)` through the public Tensor API of @asgrad/autograd, result disposed each call. */
export const tensorAdd: AddImpl = {
  label: '@asgrad/autograd a.add(b) (result disposed each call)',
  prepare: async (s) => {
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
  },
};

/** Loads the kernels and describes the build that is running. */
export async function asgradPeer(): Promise<Peer> {
  await ready();
  const info = kernelInfo();
  const build = [
    info.simd,
    `${info.threads} thread${info.threads === 1 ? '' : 's'}`,
    info.sharedMemory ? 'shared memory' : 'private memory',
    `${info.wasmBytes} B wasm`,
    ...info.notes,
  ].join(', ');
  return {
    name: 'asgrad',
    library: { peer: 'asgrad', name: '@asgrad/kernels', version: packageVersion('@asgrad/kernels'), build },
    matmul: prepareMatmul,
    add: kernelAdd.prepare,
  };
}
