// fit(): a Keras-style training loop built from the same public pieces a user would write by hand
// (indexSelect batches, scope per step, loss.backward(), optimizer.step()).
import { crossEntropy, noGrad, scope, type Tensor } from '@asgrad/autograd';
import { accuracy } from './losses.js';
import type { Module } from './module.js';

/** What fit() needs of an optimizer (any @asgrad/optim optimizer qualifies). */
export interface OptimizerLike {
  step(): void;
  zeroGrad(): void;
}

/** A metric: 'accuracy' or a named function of (predictions, targets). */
export type Metric = 'accuracy' | { name: string; fn: (pred: Tensor, target: Tensor) => number };

/** Per-epoch values: loss, metrics and their `val` counterparts (valLoss, valAccuracy, ...). */
export type Logs = Record<string, number>;

/** Callbacks; returning 'stop' from onEpochEnd ends training (how earlyStopping works). */
export interface Callback {
  onEpochEnd?(epoch: number, logs: Logs): undefined | 'stop' | undefined;
  onBatchEnd?(batch: number, logs: Logs): void;
}

/** Options of {@link fit}. */
export interface FitOptions {
  optimizer: OptimizerLike;
  /** (predictions, targets) -> scalar loss; default crossEntropy. */
  loss?: (pred: Tensor, target: Tensor) => Tensor;
  epochs?: number;
  batchSize?: number;
  /** Shuffle the samples each epoch (default true), seeded so runs repeat. */
  shuffle?: boolean;
  seed?: number;
  validationData?: { x: Tensor; y: Tensor };
  metrics?: Metric[];
  callbacks?: Callback[];
}

/** What fit() returns: per-epoch logs, like Keras's History. */
export interface History {
  epoch: number[];
  history: Record<string, number[]>;
}

function permutation(n: number, seed: number): number[] {
  // mulberry32: a tiny seeded generator, enough for a shuffle order.
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

function metricValue(m: Metric, pred: Tensor, target: Tensor): [string, number] {
  if (m === 'accuracy') return ['accuracy', accuracy(pred, target)];
  return [m.name, m.fn(pred, target)];
}

function evaluate(
  model: Module,
  data: { x: Tensor; y: Tensor },
  lossFn: FitOptions['loss'] & {},
  metrics: Metric[],
  batchSize: number,
): Logs {
  const n = data.x.shape[0];
  const sums: Logs = { loss: 0 };
  const wasTraining = model.training;
  model.eval();
  try {
    for (let start = 0; start < n; start += batchSize) {
      const idx = Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
      scope(() =>
        noGrad(() => {
          const pred = model.forward(data.x.indexSelect(0, idx));
          const target = data.y.indexSelect(0, idx);
          sums.loss += lossFn(pred, target).item() * idx.length;
          for (const m of metrics) {
            const [k, v] = metricValue(m, pred, target);
            sums[k] = (sums[k] ?? 0) + v * idx.length;
          }
        }),
      );
    }
  } finally {
    model.train(wasTraining);
  }
  for (const k of Object.keys(sums)) sums[k] /= n;
  return sums;
}

/**
 * Trains `model` on `data` for `epochs`, Keras style, and returns the per-epoch history.
 * @example
 * ```ts
 * const history = fit(model, { x, y }, { optimizer: new Adam(model.parameters()), epochs: 5, batchSize: 32,
 *   metrics: ['accuracy'], callbacks: [earlyStopping({ monitor: 'loss', patience: 2 })] });
 * ```
 */
export function fit(model: Module, data: { x: Tensor; y: Tensor }, options: FitOptions): History {
  const { optimizer } = options;
  if (!optimizer || typeof optimizer.step !== 'function' || typeof optimizer.zeroGrad !== 'function') {
    throw new Error(
      'fit: options.optimizer must have step() and zeroGrad() (e.g. new Adam(model.parameters()))',
    );
  }
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(epochs) || epochs < 0)
    throw new Error(`fit: epochs must be a non-negative integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`fit: batchSize must be a positive integer, got ${batchSize}`);
  const n = data.x.shape[0];
  if (data.y.shape[0] !== n) throw new Error(`fit: x has ${n} samples but y has ${data.y.shape[0]}`);
  const lossFn = options.loss ?? ((p: Tensor, t: Tensor) => crossEntropy(p, t));
  const metrics = options.metrics ?? [];
  const callbacks = options.callbacks ?? [];
  const history: History = { epoch: [], history: {} };
  model.train();
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order =
      options.shuffle === false
        ? Array.from({ length: n }, (_, i) => i)
        : permutation(n, (options.seed ?? 0) + epoch * 7919);
    const sums: Logs = { loss: 0 };
    for (let start = 0, batch = 0; start < n; start += batchSize, batch++) {
      const idx = order.slice(start, start + batchSize);
      const logs = scope(() => {
        const x = data.x.indexSelect(0, idx);
        const y = data.y.indexSelect(0, idx);
        optimizer.zeroGrad();
        const pred = model.forward(x);
        const loss = lossFn(pred, y);
        loss.backward();
        optimizer.step();
        const out: Logs = { loss: loss.item() };
        for (const m of metrics) {
          const [k, v] = noGrad(() => metricValue(m, pred, y));
          out[k] = v;
        }
        return out;
      });
      for (const [k, v] of Object.entries(logs)) sums[k] = (sums[k] ?? 0) + v * idx.length;
      for (const c of callbacks) c.onBatchEnd?.(batch, logs);
    }
    const logs: Logs = {};
    for (const [k, v] of Object.entries(sums)) logs[k] = v / n;
    if (options.validationData) {
      const v = evaluate(model, options.validationData, lossFn, metrics, batchSize);
      for (const [k, val] of Object.entries(v)) logs[`val${k[0].toUpperCase()}${k.slice(1)}`] = val;
    }
    history.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) {
      history.history[k] ??= [];
      history.history[k].push(v);
    }
    let stop = false;
    for (const c of callbacks) if (c.onEpochEnd?.(epoch, logs) === 'stop') stop = true;
    if (stop) break;
  }
  return history;
}

/** Options of {@link earlyStopping}. */
export interface EarlyStoppingOptions {
  /** The logged value to watch (default 'valLoss'). */
  monitor?: string;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** 'min' for losses (default), 'max' for accuracies. */
  mode?: 'min' | 'max';
}

/** Stops fit() when `monitor` has not improved for `patience` epochs (Keras's EarlyStopping). */
export function earlyStopping(
  options: EarlyStoppingOptions = {},
): Callback & { stoppedEpoch: number | null } {
  const monitor = options.monitor ?? 'valLoss';
  const patience = options.patience ?? 0;
  const minDelta = Math.abs(options.minDelta ?? 0);
  const sign = (options.mode ?? (monitor.toLowerCase().includes('acc') ? 'max' : 'min')) === 'min' ? 1 : -1;
  let best = Number.POSITIVE_INFINITY;
  let wait = 0;
  const cb = {
    stoppedEpoch: null as number | null,
    onEpochEnd(epoch: number, logs: Logs): 'stop' | undefined {
      const v = logs[monitor];
      if (v === undefined)
        throw new Error(`earlyStopping: '${monitor}' is not logged (have: ${Object.keys(logs).join(', ')})`);
      if (sign * v < best - minDelta) {
        best = sign * v;
        wait = 0;
        return undefined;
      }
      if (++wait > patience) {
        cb.stoppedEpoch = epoch;
        return 'stop';
      }
      return undefined;
    },
  };
  return cb;
}
