// The `train` command: a seeded, resumable training run with a checkpoint and a report after
// every epoch, and the epoch loop that `compare` shares.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { crossEntropy, generatorState, manualSeed, scope, setGeneratorState } from '@asgrad/autograd';
import { DataLoader } from '@asgrad/data';
import { accuracy, type Module, summary } from '@asgrad/nn';
import type { AnyOptimizer, LRScheduler } from '@asgrad/optim';
import {
  CHECKPOINT_FILE,
  type EpochMetrics,
  loadCheckpoint,
  saveCheckpoint,
  type TrainConfig,
} from './checkpoint.js';
import { type ConfusionMatrix, confusionMatrix, formatConfusion } from './confusion.js';
import { loadData } from './data.js';
import { evaluate } from './evaluate.js';
import { buildModel, disposeModel } from './models.js';
import { DEFAULT_LR, disposeOptimizer, makeOptimizer, makeScheduler } from './optimizers.js';
import { epochProgress, formatSeconds, type Progress } from './progress.js';
import { type RunReport, writeRunReport } from './report.js';

/** Hooks of {@link trainEpoch}. */
export interface EpochHooks {
  progress?: Progress;
  /** Stepped after every optimizer step. */
  scheduler?: LRScheduler | null;
  /** Called after every optimizer step with that batch's loss. */
  onBatch?: (loss: number) => void;
  /** Polled between batches; true ends the epoch early (Ctrl-C). */
  shouldStop?: () => boolean;
}

/** What one pass over the training data did. */
export interface EpochResult {
  loss: number;
  accuracy: number;
  samples: number;
  seconds: number;
  /** The epoch was cut short by `shouldStop`: the model is mid-epoch, don't checkpoint it. */
  stopped: boolean;
}

/**
 * One epoch of minibatch training: forward, cross-entropy, backward and an optimizer step per
 * batch, each inside `scope()` so that no tensor outlives its step. Yields to the event loop
 * between batches, so that Ctrl-C and the progress bar's timer get to run.
 */
export async function trainEpoch(
  model: Module,
  optimizer: AnyOptimizer,
  loader: DataLoader,
  hooks: EpochHooks = {},
): Promise<EpochResult> {
  model.train();
  const start = performance.now();
  let lossSum = 0;
  let correct = 0;
  let samples = 0;
  let batch = 0;
  let stopped = false;
  for (const { x, y } of loader) {
    const size = y.shape[0];
    const [loss, acc] = scope(() => {
      optimizer.zeroGrad();
      const logits = model.forward(x);
      const l = crossEntropy(logits, y);
      l.backward();
      optimizer.step();
      return [l.item(), accuracy(logits, y)] as const;
    });
    hooks.scheduler?.step();
    x.dispose();
    y.dispose();
    lossSum += loss * size;
    correct += acc * size;
    samples += size;
    batch++;
    hooks.onBatch?.(loss);
    hooks.progress?.update(batch, { loss: lossSum / samples, accuracy: correct / samples, samples });
    await new Promise((resolve) => setImmediate(resolve));
    if (hooks.shouldStop?.()) {
      stopped = true;
      break;
    }
  }
  hooks.progress?.stop();
  const seconds = (performance.now() - start) / 1000;
  return { loss: lossSum / samples, accuracy: correct / samples, samples, seconds, stopped };
}

/**
 * What `train` uses for any option not given: the MLP with Adam (lr 2e-3, cosine-annealed to 0
 * over the run), batch 64, 3 epochs: about 97.7% test accuracy in well under a minute here.
 */
export const DEFAULT_CONFIG: Omit<TrainConfig, 'lr'> = {
  model: 'mlp',
  optimizer: 'adam',
  schedule: 'cosine',
  epochs: 3,
  batchSize: 64,
  seed: 0,
  dataset: 'mnist',
  validation: 5000,
  trainLimit: null,
  testLimit: null,
};

/** Options of {@link runTraining}. */
export interface TrainOptions {
  /** The run directory (created if needed). */
  out: string;
  /** Continue the run in `out` from its checkpoint; `config` may then only change `epochs`. */
  resume: boolean;
  /** Options given; the rest come from {@link DEFAULT_CONFIG} or, when resuming, the saved run. */
  config: Partial<TrainConfig>;
  /** Aborting it stops the run at the next batch, as Ctrl-C does. */
  signal?: AbortSignal;
  /** No progress bar (tests). */
  quiet?: boolean;
  log: (line: string) => void;
}

/** How a run ended. */
export interface TrainResult {
  config: TrainConfig;
  history: EpochMetrics[];
  /** Null when interrupted before the end. */
  test: { loss: number; accuracy: number; confusion: ConfusionMatrix; n: number } | null;
  interrupted: boolean;
}

/** The full config: given options over the saved run's (when resuming) over the defaults. */
export function resolveConfig(given: Partial<TrainConfig>, saved?: TrainConfig): TrainConfig {
  if (saved) {
    for (const [k, v] of Object.entries(given) as [keyof TrainConfig, unknown][]) {
      if (v === undefined || v === saved[k] || (k === 'epochs' && saved.schedule === 'none')) continue;
      if (k === 'epochs') {
        throw new Error(
          `--resume: this run's ${saved.schedule} schedule spans ${saved.epochs} epochs; --epochs cannot change it`,
        );
      }
      throw new Error(`--resume: this run was started with ${k} = ${saved[k]}, not ${v}`);
    }
    return { ...saved, epochs: given.epochs ?? saved.epochs };
  }
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  const base = { ...DEFAULT_CONFIG, ...defined } as Omit<TrainConfig, 'lr'> & { lr?: number };
  return { ...base, lr: base.lr ?? DEFAULT_LR[base.optimizer] };
}

const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(2)}%`);

/** One line per epoch: what a log keeps. */
export function epochLine(m: EpochMetrics, epochs: number): string {
  const val = m.valLoss === null ? '' : ` | val loss ${m.valLoss.toFixed(4)} acc ${pct(m.valAccuracy)}`;
  return (
    `epoch ${m.epoch}/${epochs}  train loss ${m.trainLoss.toFixed(4)} acc ${pct(m.trainAccuracy)}${val}` +
    ` | ${formatSeconds(m.seconds)}, ${Math.round(m.samplesPerSecond).toLocaleString('en-US')} samples/s`
  );
}

/**
 * Trains a model as configured, writing a checkpoint and the report into `out` after every
 * epoch; ends with the test accuracy and confusion matrix. Ctrl-C (SIGINT / SIGTERM) stops at
 * the next batch boundary and leaves the last checkpoint as it was; a second Ctrl-C exits at once.
 * A resumed run ends bit-identical to one that was never interrupted.
 */
export async function runTraining(o: TrainOptions): Promise<TrainResult> {
  const { out, log } = o;
  const hasCheckpoint = existsSync(join(out, CHECKPOINT_FILE));
  if (o.resume && !hasCheckpoint) throw new Error(`--resume: no checkpoint in ${out}`);
  if (!o.resume && hasCheckpoint) {
    throw new Error(`${out} already holds a run: add --resume to continue it, or choose another --out`);
  }
  const ck = o.resume ? loadCheckpoint(out) : null;
  const config = resolveConfig(o.config, ck?.state.config);
  mkdirSync(out, { recursive: true });
  const data = loadData(config);
  manualSeed(config.seed);
  const model = buildModel(config.model);
  const optimizer = makeOptimizer(config.optimizer, model.parameters(), config.lr);
  const loader = new DataLoader(data.train, {
    batchSize: config.batchSize,
    shuffle: true,
    seed: config.seed,
  });
  const scheduler = makeScheduler(config.schedule, optimizer, config.epochs * loader.length);
  let history: EpochMetrics[] = [];
  if (ck) {
    try {
      model.loadStateDict(ck.weights);
      optimizer.loadStateDict(ck.optimizer);
      if (scheduler && ck.state.scheduler) scheduler.loadStateDict(ck.state.scheduler);
    } finally {
      for (const t of Object.values(ck.weights)) t.dispose();
    }
    setGeneratorState(ck.state.rng);
    loader.setEpoch(ck.state.loaderEpoch);
    history = ck.state.history.slice(0, ck.state.epoch);
    log(`resuming ${out} after epoch ${ck.state.epoch} of ${config.epochs}`);
  } else {
    log(
      `training ${config.model} with ${config.optimizer} (lr ${config.lr}${config.schedule === 'none' ? '' : `, ${config.schedule} schedule`}) on ${data.train.n} ${config.dataset} images, ` +
        `batch ${config.batchSize}, ${config.epochs} epoch${config.epochs === 1 ? '' : 's'}, seed ${config.seed} -> ${out}`,
    );
    log(summary(model, [1, 1, 28, 28]));
  }
  const report: RunReport = { config, history, test: null, classes: data.classes };

  let stop = false;
  const onSignal = () => {
    if (stop) process.exit(130);
    stop = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    for (let epoch = history.length + 1; epoch <= config.epochs; epoch++) {
      const progress = epochProgress(`epoch ${epoch}/${config.epochs}`, loader.length, undefined, o.quiet);
      const r = await trainEpoch(model, optimizer, loader, {
        progress,
        scheduler,
        shouldStop: () => stop || o.signal?.aborted === true,
      });
      if (r.stopped) {
        const kept = history.length
          ? `the checkpoint of epoch ${history.length} in ${out} is intact`
          : 'nothing was saved';
        log(`interrupted during epoch ${epoch}: ${kept}; continue with --resume --out ${out}`);
        disposeModel(model);
        disposeOptimizer(optimizer);
        return { config, history, test: null, interrupted: true };
      }
      if (!Number.isFinite(r.loss)) {
        disposeModel(model);
        disposeOptimizer(optimizer);
        throw new Error(
          `epoch ${epoch}: the training loss diverged (${r.loss}); try a smaller --lr than ${config.lr}`,
        );
      }
      const val = data.validation ? evaluate(model, data.validation) : null;
      const metrics: EpochMetrics = {
        epoch,
        trainLoss: r.loss,
        trainAccuracy: r.accuracy,
        valLoss: val?.loss ?? null,
        valAccuracy: val?.accuracy ?? null,
        lr: optimizer.paramGroups[0].lr,
        seconds: r.seconds,
        samplesPerSecond: r.samples / r.seconds,
      };
      history.push(metrics);
      saveCheckpoint(out, model, optimizer, {
        config,
        epoch,
        rng: generatorState(),
        loaderEpoch: loader.epoch,
        scheduler: scheduler?.stateDict() ?? null,
        history,
      });
      writeRunReport(out, report);
      log(epochLine(metrics, config.epochs));
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const ev = evaluate(model, data.test);
  const confusion = confusionMatrix(ev.labels, ev.predictions);
  report.test = { loss: ev.loss, accuracy: ev.accuracy, confusion, n: data.test.n };
  writeRunReport(out, report);
  disposeModel(model);
  disposeOptimizer(optimizer);
  log(`test loss ${ev.loss.toFixed(4)}, accuracy ${pct(ev.accuracy)} (${data.test.n} images)`);
  log(formatConfusion(confusion, data.classes));
  log(
    `wrote ${out}: model.safetensors, optimizer.json, checkpoint.json, metrics.json/.csv, loss.svg, accuracy.svg, report.html`,
  );
  return { config, history, test: report.test, interrupted: false };
}
