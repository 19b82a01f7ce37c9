// A run's results on disk: metrics.json (everything), metrics.csv (one row per epoch),
// loss.svg and accuracy.svg, and report.html showing them together.
import { join } from 'node:path';
import type { EpochMetrics, TrainConfig } from './checkpoint.js';
import { type ConfusionMatrix, formatConfusion } from './confusion.js';
import { writeFileAtomic } from './files.js';
import { htmlPage, linePlot, type Section, type Series, toCsv } from './plot.js';

/** What a run has produced so far. */
export interface RunReport {
  config: TrainConfig;
  history: EpochMetrics[];
  test: { loss: number; accuracy: number; confusion: ConfusionMatrix; n: number } | null;
  classes: readonly string[];
}

const CSV_COLUMNS = [
  'epoch',
  'train_loss',
  'train_accuracy',
  'val_loss',
  'val_accuracy',
  'lr',
  'seconds',
  'samples_per_second',
];

/** metrics.csv: one row per epoch; empty cells where there is no validation split. */
export function metricsCsv(history: readonly EpochMetrics[]): string {
  const rows = history.map((m) => [
    m.epoch,
    m.trainLoss,
    m.trainAccuracy,
    m.valLoss ?? '',
    m.valAccuracy ?? '',
    m.lr,
    Number(m.seconds.toFixed(3)),
    Math.round(m.samplesPerSecond),
  ]);
  return toCsv(CSV_COLUMNS, rows);
}

function curves(history: readonly EpochMetrics[], pick: 'Loss' | 'Accuracy'): Series[] {
  const train = history.map((m) => [m.epoch, m[`train${pick}`]] as [number, number]);
  const val = history
    .filter((m) => m[`val${pick}`] !== null)
    .map((m) => [m.epoch, m[`val${pick}`] as number] as [number, number]);
  return val.length
    ? [
        { name: 'train', points: train },
        { name: 'validation', points: val },
      ]
    : [{ name: 'train', points: train }];
}

/** The loss and accuracy plots of a run (per epoch, train and validation). */
export function runPlots(r: RunReport): { loss: string; accuracy: string } {
  const title = `${r.config.model} + ${r.config.optimizer} (lr ${r.config.lr}, batch ${r.config.batchSize})`;
  return {
    loss: linePlot({
      title: `loss: ${title}`,
      xLabel: 'epoch',
      yLabel: 'cross-entropy',
      series: curves(r.history, 'Loss'),
    }),
    accuracy: linePlot({
      title: `accuracy: ${title}`,
      xLabel: 'epoch',
      yLabel: 'accuracy',
      series: curves(r.history, 'Accuracy'),
    }),
  };
}

const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(2)}%`);

/** The epochs as a readable table (the CSV keeps full precision). */
function epochTable(history: readonly EpochMetrics[]): Section['table'] {
  return {
    columns: ['epoch', 'train loss', 'train acc', 'val loss', 'val acc', 'lr', 'seconds', 'samples/s'],
    rows: history.map((m) => [
      m.epoch,
      m.trainLoss.toFixed(4),
      pct(m.trainAccuracy),
      m.valLoss === null ? '-' : m.valLoss.toFixed(4),
      pct(m.valAccuracy),
      m.lr,
      m.seconds.toFixed(1),
      Math.round(m.samplesPerSecond),
    ]),
  };
}

/** Writes metrics.json, metrics.csv, loss.svg, accuracy.svg and report.html into `dir` (each atomically). */
export function writeRunReport(dir: string, r: RunReport): void {
  const plots = runPlots(r);
  writeFileAtomic(join(dir, 'metrics.json'), `${JSON.stringify(r, null, 2)}\n`);
  writeFileAtomic(join(dir, 'metrics.csv'), metricsCsv(r.history));
  writeFileAtomic(join(dir, 'loss.svg'), plots.loss);
  writeFileAtomic(join(dir, 'accuracy.svg'), plots.accuracy);
  const sections: Section[] = [
    {
      heading: 'Configuration',
      table: {
        columns: Object.keys(r.config),
        rows: [Object.values(r.config).map((v) => String(v ?? 'all'))],
      },
    },
    { heading: 'Loss', svg: plots.loss },
    { heading: 'Accuracy', svg: plots.accuracy },
    { heading: 'Epochs', table: epochTable(r.history) },
  ];
  if (r.test) {
    sections.push({
      heading: `Test: accuracy ${(r.test.accuracy * 100).toFixed(2)}%, loss ${r.test.loss.toFixed(4)} (${r.test.n} images)`,
      pre: formatConfusion(r.test.confusion, r.classes),
    });
  }
  writeFileAtomic(
    join(dir, 'report.html'),
    htmlPage(`asgrad-mnist run: ${r.config.model} + ${r.config.optimizer}`, sections),
  );
}
