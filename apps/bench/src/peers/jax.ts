// jax-js 0.1.25 on its wasm device. Notes for Node 20: only `init('wasm')` (its WebGPU probe
// touches `navigator`, which Node 20 lacks); one thread (its worker pool needs Web Workers);
// arrays are reference-counted and consumed by every op, so inputs are passed as `x.ref`;
// ops are lazy, so a timed call ends with `await blockUntilReady()`.
import { defaultDevice, grad, init, jit, lax, numpy as np } from '@jax-js/jax';
import { packageVersion } from '../machine.js';
import type { AddSpec, ConvSpec, MatmulSpec, Peer, Prepared } from './types.js';

async function prepareMatmul(s: MatmulSpec): Promise<Prepared> {
  const a = np.array(s.a, { shape: s.transA ? [s.k, s.m] : [s.m, s.k] });
  const b = np.array(s.b, { shape: s.transB ? [s.n, s.k] : [s.k, s.n] });
  // The idiomatic fast form: the whole operation (transposes included) under jit.
  const f = jit((x: np.Array, y: np.Array) =>
    np.matmul(s.transA ? x.transpose() : x, s.transB ? y.transpose() : y),
  );
  return {
    run: async () => {
      const c = f(a.ref, b.ref);
      await c.blockUntilReady();
      c.dispose();
    },
    output: async () => (await f(a.ref, b.ref).data()) as Float32Array,
    dispose: () => {
      a.dispose();
      b.dispose();
      f.dispose();
    },
  };
}

/**
 * conv2d through `lax.conv` (NCHW, OIHW, as asgrad) under `jit`. The input gradient is
 * `lax.convTranspose` with `transposeKernel` (the op jax-js offers for it); jax-js has no op
 * for the filter gradient, so that pass is `jit(grad(w => Σ conv(x, w)·dy))`.
 */
async function prepareConv(s: ConvSpec): Promise<Prepared> {
  const x = np.array(s.x, { shape: [s.n, s.cIn, s.h, s.w] });
  const w = np.array(s.weight, { shape: [s.cOut, s.cIn, s.k, s.k] });
  const dy = np.array(s.dy, { shape: [s.n, s.cOut, s.h - s.k + 1, s.w - s.k + 1] });
  const f =
    s.pass === 'forward'
      ? jit((x: np.Array, w: np.Array, dy: np.Array) => {
          dy.dispose();
          return lax.conv(x, w, [1, 1], 'VALID');
        })
      : s.pass === 'backwardInput'
        ? jit((x: np.Array, w: np.Array, dy: np.Array) => {
            x.dispose();
            return lax.convTranspose(dy, w, [1, 1], 'VALID', { transposeKernel: true });
          })
        : jit((x: np.Array, w: np.Array, dy: np.Array) =>
            grad((w: np.Array) => lax.conv(x, w, [1, 1], 'VALID').mul(dy).sum())(w),
          );
  return {
    run: async () => {
      const c = f(x.ref, w.ref, dy.ref);
      await c.blockUntilReady();
      c.dispose();
    },
    output: async () => (await f(x.ref, w.ref, dy.ref).data()) as Float32Array,
    dispose: () => {
      x.dispose();
      w.dispose();
      dy.dispose();
      f.dispose();
    },
  };
}

async function prepareAdd(s: AddSpec): Promise<Prepared> {
  const a = np.array(s.a);
  const b = np.array(s.b);
  // Eager, op by op: per-op overhead is what this measures.
  return {
    run: async () => {
      const c = np.add(a.ref, b.ref);
      await c.blockUntilReady();
      c.dispose();
    },
    output: async () => (await np.add(a.ref, b.ref).data()) as Float32Array,
    dispose: () => {
      a.dispose();
      b.dispose();
    },
  };
}

/** The jax-js peer (wasm device, one thread). */
export async function jaxPeer(relaxedSimd: boolean): Promise<Peer> {
  await init('wasm');
  defaultDevice('wasm');
  return {
    name: 'jax-js',
    library: {
      peer: 'jax-js',
      name: '@jax-js/jax',
      version: packageVersion('@jax-js/jax'),
      build: `wasm device, generated kernels, 1 thread (no Web Workers in Node), relaxed-SIMD ${relaxedSimd ? 'available to its probe' : 'not available'}`,
    },
    matmul: prepareMatmul,
    add: prepareAdd,
    conv2d: prepareConv,
  };
}
