// TensorFlow.js 4.22: the wasm backend (XNNPACK, SIMD build) and the pure-JS cpu backend,
// both in this process. Tensors are created on the peer's own backend and each peer switches
// its backend back in before its rounds, so no tensor is ever moved between backends.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { errorText } from '../harness.js';
import { hwioToOihw, nchwToNhwc, nhwcToNchw, oihwToHwio } from '../layout.js';
import { packageDir, packageVersion } from '../machine.js';
import { OPTIMIZERS } from '../optimizers.js';
import {
  type ConvSpec,
  failedPeer,
  type MatmulSpec,
  type OptimSpec,
  type Peer,
  type Prepared,
} from './types.js';

type Backend = 'wasm' | 'cpu';

async function use(backend: Backend): Promise<void> {
  if (tf.getBackend() !== backend && !(await tf.setBackend(backend)))
    throw new Error(`TF.js backend '${backend}' failed to initialise`);
}

/**
 * conv2d in TF.js's own layouts (NHWC, HWIO; inputs converted before timing). The filter
 * gradient is the kernel `tf.grad` runs (`Conv2DBackpropFilter`), called through
 * `runKernel` since tfjs-core does not export an op for it; the input gradient is
 * `conv2dTranspose`, which runs `Conv2DBackpropInput`.
 */
async function prepareConv(s: ConvSpec, enter: () => Promise<void>): Promise<Prepared> {
  await enter();
  const oh = s.h - s.k + 1;
  const ow = s.w - s.k + 1;
  const x = tf.tensor4d(nchwToNhwc(s.x, s.n, s.cIn, s.h, s.w), [s.n, s.h, s.w, s.cIn]);
  const f = tf.tensor4d(oihwToHwio(s.weight, s.cOut, s.cIn, s.k, s.k), [s.k, s.k, s.cIn, s.cOut]);
  const dy = tf.tensor4d(nchwToNhwc(s.dy, s.n, s.cOut, oh, ow), [s.n, oh, ow, s.cOut]);
  const call: () => tf.Tensor =
    s.pass === 'forward'
      ? () => tf.conv2d(x, f, 1, 'valid')
      : s.pass === 'backwardInput'
        ? () => tf.conv2dTranspose(dy, f, [s.n, s.h, s.w, s.cIn], 1, 'valid')
        : () =>
            tf.engine().runKernel(
              'Conv2DBackpropFilter',
              { x, dy } as unknown as tf.NamedTensorMap,
              {
                strides: [1, 1],
                pad: 'valid',
                dataFormat: 'NHWC',
                filterShape: [s.k, s.k, s.cIn, s.cOut],
              } as unknown as tf.NamedAttrMap,
            ) as tf.Tensor;
  const back = (d: Float32Array) =>
    s.pass === 'forward'
      ? nhwcToNchw(d, s.n, s.cOut, oh, ow)
      : s.pass === 'backwardInput'
        ? nhwcToNchw(d, s.n, s.cIn, s.h, s.w)
        : hwioToOihw(d, s.cOut, s.cIn, s.k, s.k);
  return {
    ...timedCall(call, enter, back),
    dispose: () => tf.dispose([x, f, dy]),
  };
}

type Factory = (...args: number[]) => tf.Optimizer;

let variables = 0;

/** `optimizer.applyGradients({ p: grad })` on a `tf.variable`, as `tf.train` optimizers are used. */
async function prepareOptimizer(s: OptimSpec, enter: () => Promise<void>): Promise<Prepared> {
  const setup = OPTIMIZERS[s.name].tfjs;
  if ('missing' in setup) throw new Error(setup.missing);
  await enter();
  const make = () => (tf.train as unknown as Record<string, Factory>)[setup.factory](...setup.args);
  const g = tf.tensor1d(s.grad);
  const fresh = () => {
    const init = tf.tensor1d(s.param);
    // Variable names are engine-wide (across backends), hence the counter.
    const p = tf.variable(init, true, `bench_${s.name}_${variables++}`);
    init.dispose();
    return { p, opt: make() };
  };
  const timed = fresh();
  const grads = (name: string) => ({ [name]: g }) as tf.NamedTensorMap;
  return {
    enter,
    run: () => timed.opt.applyGradients(grads(timed.p.name)),
    output: () => {
      const { p, opt } = fresh();
      opt.applyGradients(grads(p.name));
      const after = p.dataSync() as Float32Array;
      opt.dispose();
      p.dispose();
      return after.map((v, i) => v - s.param[i]);
    },
    dispose: () => {
      timed.opt.dispose();
      timed.p.dispose();
      g.dispose();
    },
  };
}

function make(backend: Backend) {
  const enter = () => use(backend);
  return {
    conv2d: (s: ConvSpec) => prepareConv(s, enter),
    optimizer: (s: OptimSpec) => prepareOptimizer(s, enter),
    matmul: async (s: MatmulSpec): Promise<Prepared> => {
      await enter();
      const a = tf.tensor2d(s.a, s.transA ? [s.k, s.m] : [s.m, s.k]);
      const b = tf.tensor2d(s.b, s.transB ? [s.n, s.k] : [s.k, s.n]);
      return {
        ...timedCall(() => tf.matMul(a, b, s.transA, s.transB), enter),
        dispose: () => tf.dispose([a, b]),
      };
    },
    add: async (s: { n: number; a: Float32Array; b: Float32Array }): Promise<Prepared> => {
      await enter();
      const a = tf.tensor1d(s.a);
      const b = tf.tensor1d(s.b);
      return {
        ...timedCall(() => tf.add(a, b), enter),
        dispose: () => tf.dispose([a, b]),
      };
    },
  };
}

/**
 * The timed and checked parts of a case whose op returns a new tensor: `run` disposes the
 * result, `output` reads it back (through `convert` into PyTorch layouts) and disposes it.
 */
function timedCall(
  call: () => tf.Tensor,
  enter: () => Promise<void>,
  convert: (d: Float32Array) => Float32Array = (d) => d,
): Pick<Prepared, 'enter' | 'run' | 'output'> {
  return {
    enter,
    run: () => call().dispose(),
    output: () => {
      const c = call();
      const d = c.dataSync() as Float32Array;
      c.dispose();
      return convert(d);
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
