// TensorFlow.js 4.22: the wasm backend (XNNPACK, SIMD build) and the pure-JS cpu backend,
// both in this process. Tensors are created on the peer's own backend and each peer switches
// its backend back in before its rounds, so no tensor is ever moved between backends.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { errorText } from '../harness.js';
import { packageDir, packageVersion } from '../machine.js';
import { failedPeer, type MatmulSpec, type Peer, type Prepared } from './types.js';

type Backend = 'wasm' | 'cpu';

async function use(backend: Backend): Promise<void> {
  if (tf.getBackend() !== backend && !(await tf.setBackend(backend)))
    throw new Error(`TF.js backend '${backend}' failed to initialise`);
}

function make(backend: Backend) {
  const enter = () => use(backend);
  return {
    matmul: async (s: MatmulSpec): Promise<Prepared> => {
      await enter();
      const a = tf.tensor2d(s.a, s.transA ? [s.k, s.m] : [s.m, s.k]);
      const b = tf.tensor2d(s.b, s.transB ? [s.n, s.k] : [s.k, s.n]);
      const call = () => tf.matMul(a, b, s.transA, s.transB);
      return {
        enter,
        run: () => call().dispose(),
        output: () => {
          const c = call();
          const d = c.dataSync() as Float32Array;
          c.dispose();
          return d;
        },
        dispose: () => tf.dispose([a, b]),
      };
    },
    add: async (s: { n: number; a: Float32Array; b: Float32Array }): Promise<Prepared> => {
      await enter();
      const a = tf.tensor1d(s.a);
      const b = tf.tensor1d(s.b);
      return {
        enter,
        run: () => tf.add(a, b).dispose(),
        output: () => {
          const c = tf.add(a, b);
          const d = c.dataSync() as Float32Array;
          c.dispose();
          return d;
        },
        dispose: () => tf.dispose([a, b]),
      };
    },
  };
}

/** The TF.js wasm and cpu peers. Prod mode is on, as for any speed-minded TF.js user. */
export async function tfjsPeers(): Promise<Peer[]> {
  tf.enableProdMode();
  const version = packageVersion('@tensorflow/tfjs-core');
  const cpu: Peer = {
    name: 'tfjs-cpu',
    library: {
      peer: 'tfjs-cpu',
      name: '@tensorflow/tfjs-backend-cpu',
      version,
      build: 'pure JavaScript kernels',
    },
    ...make('cpu'),
  };
  let wasm: Peer;
  try {
    // In Node the .wasm files load from the package's dist/ directory by file path.
    setWasmPaths(path.join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist') + path.sep);
    await use('wasm');
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    const threads = getThreadsCount();
    wasm = {
      name: 'tfjs-wasm',
      library: {
        peer: 'tfjs-wasm',
        name: '@tensorflow/tfjs-backend-wasm',
        version: packageVersion('@tensorflow/tfjs-backend-wasm'),
        build: `XNNPACK, SIMD ${simd ? 'yes' : 'no'}, threads ${threads} (multithreaded build ${mt ? 'available' : 'not available in this runtime'})`,
      },
      ...make('wasm'),
    };
  } catch (e) {
    wasm = failedPeer('tfjs-wasm', '@tensorflow/tfjs-backend-wasm', errorText(e));
  }
  return [wasm, cpu];
}
