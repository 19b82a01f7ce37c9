// Scoring a model on a split, and the `eval` command around it.
import { crossEntropy, noGrad, scope } from '@asgrad/autograd';
import { DataLoader, type ImageSplit } from '@asgrad/data';
import type { Module } from '@asgrad/nn';
import { loadModelFile } from './checkpoint.js';
import { type ConfusionMatrix, confusionMatrix, formatConfusion } from './confusion.js';
import { CLASS_NAMES, loadData } from './data.js';
import { buildModel, disposeModel } from './models.js';

/** Mean loss, accuracy and every prediction of a model on a split. */
export interface Evaluation {
  loss: number;
  accuracy: number;
  predictions: Int32Array;
  labels: Int32Array;
}

/** Runs `model` in eval mode (no dropout, no graph) over `split` in order; restores its mode after. */
export function evaluate(model: Module, split: ImageSplit, batchSize = 500): Evaluation {
  const wasTraining = model.training;
  model.eval();
  const predictions = new Int32Array(split.n);
  let lossSum = 0;
  let correct = 0;
  let at = 0;
  try {
    for (const { x, y } of new DataLoader(split, { batchSize })) {
      scope(() => {
        noGrad(() => {
          const logits = model.forward(x);
          lossSum += crossEntropy(logits, y).item() * y.size;
          const pred = logits.argmax(1).dataSync();
          predictions.set(pred, at);
          for (let i = 0; i < pred.length; i++) if (pred[i] === split.y[at + i]) correct++;
          at += pred.length;
        });
        x.dispose();
        y.dispose();
      });
    }
  } finally {
    model.train(wasTraining);
  }
  return { loss: lossSum / split.n, accuracy: correct / split.n, predictions, labels: split.y };
}

/** A model rebuilt from a checkpoint (run directory, checkpoint.json or .safetensors). */
export function restoreModel(path: string) {
  const file = loadModelFile(path);
  const model = buildModel(file.model);
  try {
    model.loadStateDict(file.weights);
  } finally {
    for (const t of Object.values(file.weights)) t.dispose();
  }
  model.eval();
  return { ...file, net: model };
}

/** Options of the `eval` command. */
export interface EvalOptions {
  checkpoint: string;
  testLimit: number | null;
  log: (line: string) => void;
}

/** The `eval` command: test loss, accuracy and confusion matrix of a saved model. */
export function runEval(o: EvalOptions): Evaluation & { confusion: ConfusionMatrix } {
  const m = restoreModel(o.checkpoint);
  const data = loadData({ dataset: m.dataset, validation: 0, trainLimit: 0, testLimit: o.testLimit });
  const ev = evaluate(m.net, data.test);
  const confusion = confusionMatrix(ev.labels, ev.predictions);
  o.log(
    `${m.model} from ${m.path}${m.epoch === null ? '' : ` (epoch ${m.epoch})`} on ${m.dataset} test images`,
  );
  o.log(
    `test loss ${ev.loss.toFixed(4)}, accuracy ${(ev.accuracy * 100).toFixed(2)}% (${data.test.n} images)`,
  );
  o.log(formatConfusion(confusion, CLASS_NAMES[m.dataset]));
  disposeModel(m.net);
  return { ...ev, confusion };
}
