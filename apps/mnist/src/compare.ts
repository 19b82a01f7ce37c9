// The `compare` command: the same model, initial weights and data order trained with several
// optimizers, so the only difference between the curves is the update rule.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { manualSeed } from '@asgrad/autograd';
import { DataLoader } from '@asgrad/data';
import type { TrainConfig } from './checkpoint.js';
import { loadData } from './data.js';
import { evaluate } from './evaluate.js';
import { writeFileAtomic } from './files.js';
import { buildModel, disposeModel } from './models.js';
import {
  DEFAULT_LR,
  disposeOptimizer,
  makeOptimizer,
  makeScheduler,
  type OptimizerName,
} from './optimizers.js';
import { htmlPage, linePlot, toCsv } from './plot.js';
import { epochProgress, formatSeconds } from './progress.js';
import { trainEpoch } from './train.js';

/** One optimizer to compare, with its learning rate. */
export interface Contender {
  optimizer: OptimizerName;
  lr: number;
}

/** Options of {@link runCompare}. */
export interface CompareOptions extends Omit<TrainConfig, 'optimizer' | 'lr'> {
  contenders: Contender[];
  out: string;
  quiet?: boolean;
  log: (line: string) => void;
}

/** One optimizer's outcome. */
export interface CompareRow extends Contender {
  finalLoss: number;
  valAccuracy: number | null;
  testAccuracy: number;
  seconds: number;
  /** Training loss, averaged over windows of batches: [epoch (fractional), loss]. */
  curve: [number, number][];
}

/** Loss averaged over consecutive windows of `window` batches, at the window's end (in epochs). */
export function smoothCurve(
  losses: readonly number[],
  window: number,
  batchesPerEpoch: number,
): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < losses.length; i += window) {
    const chunk = losses.slice(i, i + window);
    out.push([(i + chunk.length) / batchesPerEpoch, chunk.reduce((a, b) => a + b, 0) / chunk.length]);
  }
  return out;
}

/** The printed table (also the CSV's rows). */
export function compareTable(rows: readonly CompareRow[]): {
  columns: string[];
  rows: (string | number)[][];
} {
  return {
    columns: ['optimizer', 'lr', 'final loss', 'val acc', 'test acc', 'time'],
    rows: rows.map((r) => [
      r.optimizer,
      r.lr,
      r.finalLoss.toFixed(4),
      r.valAccuracy === null ? '-' : `${(r.valAccuracy * 100).toFixed(2)}%`,
      `${(r.testAccuracy * 100).toFixed(2)}%`,
      formatSeconds(r.seconds),
    ]),
  };
}

function formatTable(t: { columns: string[]; rows: (string | number)[][] }): string {
  const all = [t.columns, ...t.rows].map((r) => r.map(String));
  const widths = t.columns.map((_, j) => Math.max(...all.map((r) => r[j].length)));
  return all
    .map((r) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  '))
    .join('\n');
}

/** Trains one model per contender from the same seed and writes the table and the overlaid loss curves. */
export async function runCompare(o: CompareOptions): Promise<CompareRow[]> {
  const data = loadData(o);
  mkdirSync(o.out, { recursive: true });
  o.log(
    `comparing ${o.contenders.map((c) => c.optimizer).join(', ')} on ${o.model}, ${data.train.n} ${o.dataset} images, ` +
      `${o.epochs} epoch(s), batch ${o.batchSize}, seed ${o.seed}`,
  );
  const rows: CompareRow[] = [];
  for (const c of o.contenders) {
    manualSeed(o.seed);
    const model = buildModel(o.model);
    const optimizer = makeOptimizer(c.optimizer, model.parameters(), c.lr);
    const loader = new DataLoader(data.train, { batchSize: o.batchSize, shuffle: true, seed: o.seed });
    const scheduler = makeScheduler(o.schedule, optimizer, o.epochs * loader.length);
    const losses: number[] = [];
    let finalLoss = Number.NaN;
    let seconds = 0;
    for (let e = 1; e <= o.epochs; e++) {
      const progress = epochProgress(`${c.optimizer} ${e}/${o.epochs}`, loader.length, undefined, o.quiet);
      const r = await trainEpoch(model, optimizer, loader, {
        progress,
        scheduler,
        onBatch: (l) => losses.push(l),
      });
      finalLoss = r.loss;
      seconds += r.seconds;
    }
    const val = data.validation ? evaluate(model, data.validation).accuracy : null;
    const test = evaluate(model, data.test).accuracy;
    const window = Math.max(1, Math.round(losses.length / 100));
    rows.push({
      ...c,
      finalLoss,
      valAccuracy: val,
      testAccuracy: test,
      seconds,
      curve: smoothCurve(losses, window, loader.length),
    });
    o.log(
      `${c.optimizer.padEnd(9)} lr ${c.lr}: loss ${finalLoss.toFixed(4)}, test ${(test * 100).toFixed(2)}%, ${formatSeconds(seconds)}`,
    );
    disposeOptimizer(optimizer);
    disposeModel(model);
  }
  const table = compareTable(rows);
  const svg = linePlot({
    title: `training loss: ${o.model}, batch ${o.batchSize}, seed ${o.seed}`,
    xLabel: 'epoch',
    yLabel: 'cross-entropy',
    logY: true,
    series: rows.map((r) => ({ name: `${r.optimizer} ${r.lr}`, points: r.curve })),
  });
  writeFileAtomic(
    join(o.out, 'compare.json'),
    `${JSON.stringify({ options: { ...o, log: undefined }, rows }, null, 2)}\n`,
  );
  writeFileAtomic(join(o.out, 'compare.csv'), toCsv(table.columns, table.rows));
  writeFileAtomic(join(o.out, 'compare-loss.svg'), svg);
  writeFileAtomic(
    join(o.out, 'compare.html'),
    htmlPage('asgrad-mnist: optimizers compared', [
      { heading: 'Training loss', svg },
      { heading: 'Results', table },
    ]),
  );
  o.log(formatTable(table));
  o.log(`wrote ${o.out}: compare.csv, compare.json, compare-loss.svg, compare.html`);
  return rows;
}

/** Parses `sgd,adam:0.002,...` (a rate after a colon overrides the optimizer's default). */
export function parseContenders(list: string, isName: (s: string) => s is OptimizerName): Contender[] {
  const items = list.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new Error(`--optimizers: empty entry in '${list}'`);
  return items.map((item) => {
    const [name, rate, ...rest] = item.split(':');
    if (!isName(name)) throw new Error(`--optimizers: unknown optimizer '${name}'`);
    if (rest.length > 0) throw new Error(`--optimizers: '${item}' is not NAME or NAME:LR`);
    const lr = rate === undefined ? DEFAULT_LR[name] : Number(rate);
    if (!(lr > 0) || !Number.isFinite(lr)) throw new Error(`--optimizers: bad learning rate in '${item}'`);
    return { optimizer: name, lr };
  });
}
