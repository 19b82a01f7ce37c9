// TF.js's training: the same model as a tfjs-layers Sequential, trained with `model.fit`
// (Adam, batch size, no shuffling), on the wasm or the cpu backend.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { flattenedDenseToHwc, oihwToHwio, transpose2d } from '../layout.js';
import { packageDir, packageVersion } from '../machine.js';
import { ADAM, DROPOUT, type TrainInit } from './spec.js';
import { type TrainData, type Trainer, weightArrays } from './trainer.js';

function buildModel(model: TrainInit['model']): tfl.Sequential {
  if (model === 'mlp')
    return tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }),
        tfl.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dropout({ rate: DROPOUT }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

/** The shared initial weights in TF.js's layouts, in `model.getWeights()` order. */
function tfWeights(init: TrainInit): tf.Tensor[] {
  const w = weightArrays(init);
  if (init.model === 'mlp')
    return [
      tf.tensor2d(transpose2d(w['fc1.weight'], 128, 784), [784, 128]),
      tf.tensor1d(w['fc1.bias']),
      tf.tensor2d(transpose2d(w['fc2.weight'], 10, 128), [128, 10]),
      tf.tensor1d(w['fc2.bias']),
    ];
  return [
    tf.tensor4d(oihwToHwio(w['conv1.weight'], 32, 1, 3, 3), [3, 3, 1, 32]),
    tf.tensor1d(w['conv1.bias']),
    tf.tensor4d(oihwToHwio(w['conv2.weight'], 64, 32, 3, 3), [3, 3, 32, 64]),
    tf.tensor1d(w['conv2.bias']),
    // PyTorch flattens [c, h, w], TF.js [h, w, c]: the dense rows are reordered to match.
    tf.tensor2d(flattenedDenseToHwc(w['fc.weight'], 10, 64, 5, 5), [1600, 10]),
    tf.tensor1d(w['fc.bias']),
  ];
}

export async function tfjsTrainer(init: TrainInit, data: TrainData): Promise<Trainer> {
  const backend = init.library === 'tfjs-wasm' ? 'wasm' : 'cpu';
  if (backend === 'wasm')
    setWasmPaths(path.join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist') + path.sep);
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend '${backend}' failed to initialise`);
  tf.enableProdMode();
  const model = buildModel(init.model);
  const weights = tfWeights(init);
  model.setWeights(weights);
  tf.dispose(weights);
  model.compile({
    optimizer: tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps),
    loss: 'sparseCategoricalCrossentropy',
  });
  const b = init.batch;
  return {
    library: {
      name: `@tensorflow/tfjs-layers + tfjs-backend-${backend}`,
      version: packageVersion('@tensorflow/tfjs-layers'),
      build: `model.fit, ${backend} backend`,
    },
    async round(steps) {
      const n = steps * b;
      const xs = data.x.subarray(0, n * 784);
      const x = init.model === 'mlp' ? tf.tensor2d(xs, [n, 784]) : tf.tensor4d(xs, [n, 28, 28, 1]);
      const y = tf.tensor2d(Float32Array.from(data.y.subarray(0, n)), [n, 1]);
      try {
        const t0 = performance.now();
        const h = await model.fit(x, y, { batchSize: b, epochs: 1, shuffle: false, verbose: 0 });
        const seconds = (performance.now() - t0) / 1e3;
        return { seconds, loss: Number(h.history.loss[0]) };
      } finally {
        tf.dispose([x, y]);
      }
    },
  };
}
