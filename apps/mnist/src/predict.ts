// The `predict` command: one digit, from a PNG or the test set, shown in the terminal with the
// model's class probabilities.
import { readFileSync } from 'node:fs';
import { noGrad, scope, tensor } from '@asgrad/autograd';
import { FASHION_MNIST_STATS, MNIST_STATS } from '@asgrad/data';
import { CLASS_NAMES, loadData } from './data.js';
import { restoreModel } from './evaluate.js';
import { disposeModel } from './models.js';
import { decodePng, toMnistSample } from './preprocess.js';

const RAMP = ' .:-=+*#%@';

/** A 28x28 sample in [0, 1] as text, two characters per pixel so it keeps its aspect ratio. */
export function asciiDigit(sample: Float32Array, size = 28): string {
  const lines: string[] = [];
  for (let y = 0; y < size; y++) {
    let line = '';
    for (let x = 0; x < size; x++) {
      const v = Math.min(1, Math.max(0, sample[y * size + x]));
      const c = RAMP[Math.min(RAMP.length - 1, Math.floor(v * RAMP.length))];
      line += c + c;
    }
    lines.push(line.trimEnd());
  }
  return lines.join('\n');
}

/** Options of {@link runPredict}: an image file or a test-set index. */
export interface PredictOptions {
  checkpoint: string;
  image?: string;
  index?: number;
  log: (line: string) => void;
}

/** What the model said. */
export interface Prediction {
  predicted: number;
  probabilities: number[];
  label: number | null;
}

/** Reads a PNG as an MNIST-style 28x28 sample in [0, 1]. */
export function readDigitImage(path: string): Float32Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(
      `cannot read image ${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
  try {
    return toMnistSample(decodePng(bytes));
  } catch (e) {
    throw new Error(`cannot read image ${path}: ${(e as Error).message}`);
  }
}

/** Classifies one digit and prints it, the prediction and a bar per class. */
export function runPredict(o: PredictOptions): Prediction {
  const m = restoreModel(o.checkpoint);
  try {
    let sample: Float32Array;
    let label: number | null = null;
    let what: string;
    if (o.image !== undefined) {
      sample = readDigitImage(o.image);
      what = o.image;
    } else {
      const { test } = loadData({
        dataset: m.dataset,
        validation: 0,
        trainLimit: 0,
        testLimit: null,
        standardize: false,
      });
      const i = o.index ?? 0;
      if (i >= test.n)
        throw new Error(`--index: the test set has ${test.n} images (0..${test.n - 1}), got ${i}`);
      sample = test.x.slice(i * 784, (i + 1) * 784);
      label = test.y[i];
      what = `test image ${i}`;
    }
    const stats = m.dataset === 'mnist' ? MNIST_STATS : FASHION_MNIST_STATS;
    const input = sample.map((v) => (v - stats.mean) / stats.std);
    const probabilities = noGrad(() =>
      scope(() => [
        ...m.net
          .forward(tensor(input, { shape: [1, 1, 28, 28] }))
          .softmax(-1)
          .dataSync(),
      ]),
    );
    const predicted = probabilities.indexOf(Math.max(...probabilities));
    const names = CLASS_NAMES[m.dataset];
    // digits are their own names; Fashion-MNIST classes get theirs after the index
    const named = (k: number) => (names[k] === String(k) ? String(k) : `${k} (${names[k]})`);
    const width = Math.max(...names.map((_, k) => named(k).length));
    o.log(asciiDigit(sample));
    o.log(`${what}${label === null ? '' : `, label ${named(label)}`}`);
    o.log(`predicted ${named(predicted)} with probability ${(probabilities[predicted] * 100).toFixed(2)}%`);
    probabilities.forEach((p, k) => {
      const bar = '#'.repeat(Math.round(p * 40));
      o.log(`  ${named(k).padEnd(width)} ${(p * 100).toFixed(2).padStart(6)}% ${bar}`.trimEnd());
    });
    return { predicted, probabilities, label };
  } finally {
    disposeModel(m.net);
  }
}
