// Optimizer paths on classic 2-D test functions, computed with asgrad's own autograd and
// optimizers and drawn over the functions' contour lines: a picture of what momentum and
// per-coordinate step sizes do, where an MNIST loss curve only shows that they help.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { noGrad, scope, type Tensor, tensor } from '@asgrad/autograd';
import { contourLevels, contourSegments } from './contour.js';
import { writeFileAtomic } from './files.js';
import { makeOptimizer, type OptimizerName } from './optimizers.js';
import { escapeXml, formatTick, PALETTE } from './plot.js';

/** A 2-D test function, its plotting window, starting point and per-optimizer rates. */
export interface TestFunction {
  name: string;
  title: string;
  /** The function on tensors (elementwise, so one definition serves paths and grids). */
  f: (x: Tensor, y: Tensor) => Tensor;
  xRange: [number, number];
  yRange: [number, number];
  start: [number, number];
  /** The global minimum, marked on the plot (none for the saddle). */
  minimum?: [number, number];
  logLevels: boolean;
  lr: Record<TrajectoryOptimizer, number>;
}

/** The optimizers drawn, in legend order. */
export const TRAJECTORY_OPTIMIZERS = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'] as const;
export type TrajectoryOptimizer = (typeof TRAJECTORY_OPTIMIZERS)[number] & OptimizerName;

const sq = (t: Tensor) => t.mul(t);

/** Beale, Rosenbrock and the saddle x² - y², with rates chosen so each optimizer's path is visible. */
export const TEST_FUNCTIONS: readonly TestFunction[] = [
  {
    name: 'beale',
    title: 'Beale: (1.5 - x + xy)² + (2.25 - x + xy²)² + (2.625 - x + xy³)²',
    f: (x, y) => {
      const xy = x.mul(y);
      const xy2 = xy.mul(y);
      const xy3 = xy2.mul(y);
      return sq(xy.sub(x).add(1.5))
        .add(sq(xy2.sub(x).add(2.25)))
        .add(sq(xy3.sub(x).add(2.625)));
    },
    xRange: [-1.5, 4.5],
    yRange: [-2, 2],
    start: [0.7, 1.4],
    minimum: [3, 0.5],
    logLevels: true,
    lr: { sgd: 0.005, momentum: 0.001, nesterov: 0.001, adagrad: 0.5, rmsprop: 0.01, adam: 0.05 },
  },
  {
    name: 'rosenbrock',
    title: 'Rosenbrock: (1 - x)² + 100 (y - x²)²',
    f: (x, y) => sq(x.neg().add(1)).add(sq(y.sub(x.mul(x))).mul(100)),
    xRange: [-2, 2],
    yRange: [-1, 3],
    start: [-1.2, 1],
    minimum: [1, 1],
    logLevels: true,
    lr: { sgd: 1e-3, momentum: 2e-4, nesterov: 2e-4, adagrad: 0.3, rmsprop: 0.01, adam: 0.05 },
  },
  {
    name: 'saddle',
    title: 'Saddle: x² - y²',
    f: (x, y) => sq(x).sub(sq(y)),
    xRange: [-1.5, 1.5],
    yRange: [-1.5, 1.5],
    start: [-1.4, 1e-3],
    logLevels: false,
    lr: { sgd: 0.02, momentum: 0.005, nesterov: 0.005, adagrad: 0.1, rmsprop: 0.01, adam: 0.02 },
  },
];

/** One optimizer's path: the points visited and the function value at the last one. */
export interface Path {
  optimizer: TrajectoryOptimizer;
  lr: number;
  points: [number, number][];
  final: number;
}

/**
 * Runs `steps` updates of `optimizer` from the function's start, through asgrad's autograd
 * (backward of f) and the optimizer's own step. A path that diverges stops at the first
 * non-finite value.
 */
export function optimizerPath(fn: TestFunction, optimizer: TrajectoryOptimizer, steps: number): Path {
  const lr = fn.lr[optimizer];
  const p = tensor(fn.start, { requiresGrad: true });
  const opt = makeOptimizer(optimizer, [p], lr);
  const points: [number, number][] = [[fn.start[0], fn.start[1]]];
  let final = Number.NaN;
  for (let s = 0; s <= steps; s++) {
    const value = scope(() => {
      opt.zeroGrad();
      const loss = fn.f(p.slice([[0, 1]]), p.slice([[1, 2]])).sum();
      loss.backward();
      const v = loss.item();
      if (s < steps && Number.isFinite(v)) opt.step();
      return v;
    });
    final = value;
    if (s === steps || !Number.isFinite(value)) break;
    const [x, y] = p.dataSync();
    if (!Number.isFinite(x) || !Number.isFinite(y)) break;
    points.push([x, y]);
  }
  opt.zeroGrad();
  p.dispose();
  return { optimizer, lr, points, final };
}

/** The function sampled on an `n` x `n` grid over its window (row j = y, column i = x). */
export function sampleGrid(fn: TestFunction, n: number): Float32Array {
  const xs = new Float32Array(n * n);
  const ys = new Float32Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      xs[j * n + i] = fn.xRange[0] + ((fn.xRange[1] - fn.xRange[0]) * i) / (n - 1);
      ys[j * n + i] = fn.yRange[0] + ((fn.yRange[1] - fn.yRange[0]) * j) / (n - 1);
    }
  }
  return noGrad(() => scope(() => fn.f(tensor(xs), tensor(ys)).dataSync() as Float32Array));
}

/** One panel: contours, paths, start and minimum markers, in a `size` x `size` box at (ox, oy). */
function panel(fn: TestFunction, paths: readonly Path[], ox: number, oy: number, size: number): string {
  const n = 121;
  const grid = sampleGrid(fn, n);
  const [x0, x1] = fn.xRange;
  const [y0, y1] = fn.yRange;
  const sx = (x: number) => ox + ((x - x0) / (x1 - x0)) * size;
  const sy = (y: number) => oy + size - ((y - y0) / (y1 - y0)) * size;
  const gx = (i: number) => ox + (i / (n - 1)) * size;
  const gy = (j: number) => oy + size - (j / (n - 1)) * size;
  const clip = `clip-${fn.name}`;
  const out = [
    `<clipPath id="${clip}"><rect x="${ox}" y="${oy}" width="${size}" height="${size}"/></clipPath>`,
    `<text x="${ox + size / 2}" y="${oy - 10}" text-anchor="middle" font-size="12">${escapeXml(fn.title)}</text>`,
    `<g clip-path="url(#${clip})">`,
  ];
  for (const level of contourLevels(grid, 14, fn.logLevels)) {
    const d = contourSegments(grid, n, n, level)
      .map(
        ([a, b, c, e]) => `M${gx(a).toFixed(1)} ${gy(b).toFixed(1)}L${gx(c).toFixed(1)} ${gy(e).toFixed(1)}`,
      )
      .join('');
    out.push(`<path d="${d}" fill="none" stroke="#bbb" stroke-width="0.8"/>`);
  }
  paths.forEach((path, k) => {
    const d = path.points
      .map(([x, y], i) => `${i ? 'L' : 'M'}${sx(x).toFixed(1)} ${sy(y).toFixed(1)}`)
      .join('');
    out.push(`<path d="${d}" fill="none" stroke="${PALETTE[k % PALETTE.length]}" stroke-width="1.8"/>`);
  });
  out.push('</g>');
  out.push(`<rect x="${ox}" y="${oy}" width="${size}" height="${size}" fill="none" stroke="#444"/>`);
  out.push(`<circle cx="${sx(fn.start[0])}" cy="${sy(fn.start[1])}" r="4" fill="black"/>`);
  if (fn.minimum) {
    const [mx, my] = [sx(fn.minimum[0]), sy(fn.minimum[1])];
    out.push(
      `<path d="M${mx - 6} ${my}L${mx + 6} ${my}M${mx} ${my - 6}L${mx} ${my + 6}" stroke="black" stroke-width="2"/>`,
    );
  }
  const rates = TRAJECTORY_OPTIMIZERS.map((o) => `${o} ${fn.lr[o]}`).join(', ');
  out.push(
    `<text x="${ox + size / 2}" y="${oy + size + 30}" text-anchor="middle" font-size="9">lr: ${rates}</text>`,
  );
  for (const [v, x] of [
    [x0, ox],
    [x1, ox + size],
  ])
    out.push(`<text x="${x}" y="${oy + size + 14}" text-anchor="middle">${formatTick(v)}</text>`);
  for (const [v, y] of [
    [y0, oy + size],
    [y1, oy],
  ])
    out.push(
      `<text x="${ox - 4}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(v)}</text>`,
    );
  return out.join('\n');
}

/** Paths of every optimizer on every function. */
export function allPaths(steps: number, functions: readonly TestFunction[] = TEST_FUNCTIONS): Path[][] {
  return functions.map((fn) => TRAJECTORY_OPTIMIZERS.map((o) => optimizerPath(fn, o, steps)));
}

/** The figure: one panel per function side by side, a shared legend below. */
export function trajectoriesSvg(functions: readonly TestFunction[], paths: readonly Path[][]): string {
  const size = 360;
  const gap = 60;
  const width = functions.length * (size + gap) + gap;
  const height = size + 120;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  functions.forEach((fn, i) => {
    out.push(panel(fn, paths[i], gap + i * (size + gap), 40, size));
  });
  TRAJECTORY_OPTIMIZERS.forEach((name, k) => {
    const x = gap + k * 120;
    const y = size + 90;
    out.push(
      `<line x1="${x}" y1="${y}" x2="${x + 24}" y2="${y}" stroke="${PALETTE[k]}" stroke-width="3"/>`,
      `<text x="${x + 30}" y="${y}" dominant-baseline="middle" font-size="12">${name}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}

/** Options of the `trajectories` command. */
export interface TrajectoriesOptions {
  steps: number;
  out: string;
  log: (line: string) => void;
}

/** Computes every path, writes `trajectories.svg` into `out` and prints where each optimizer ended. */
export function runTrajectories(o: TrajectoriesOptions): string {
  const paths = allPaths(o.steps);
  mkdirSync(o.out, { recursive: true });
  const file = join(o.out, 'trajectories.svg');
  writeFileAtomic(file, trajectoriesSvg(TEST_FUNCTIONS, paths));
  for (const [i, fn] of TEST_FUNCTIONS.entries()) {
    o.log(`${fn.name} from (${fn.start.join(', ')}), ${o.steps} steps:`);
    for (const p of paths[i]) {
      const [x, y] = p.points[p.points.length - 1];
      const where = Number.isFinite(p.final) ? `(${formatTick(x)}, ${formatTick(y)})` : 'diverged';
      o.log(
        `  ${p.optimizer.padEnd(9)} lr ${String(p.lr).padEnd(7)} ends at ${where.padEnd(18)} f = ${formatTick(p.final)}`,
      );
    }
  }
  o.log(`wrote ${file}`);
  return file;
}
