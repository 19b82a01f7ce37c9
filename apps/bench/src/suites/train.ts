// `train`: MNIST training throughput (samples/s) of the MLP and the CNN, asgrad (1 and n
// threads) vs TF.js `model.fit` (wasm, cpu) and jax-js's jitted step, one child process per
// peer and model so that each peer's peak RSS is its own.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadMnist } from '@asgrad/data';
import { type Build, buildPeerName, otherBuild } from '../builds.js';
import type { ExtraTable } from '../report.js';
import { findSetThreads } from '../train/asgrad.js';
import { spawnNodeChild } from '../train/child.js';
import { encodeTrainData, type ModelName } from '../train/spec.js';
import { DETAIL_HEADER, detailRows, runTraining, type TrainPeer, type TrainPlan } from './train-runner.js';
import type { BenchContext, Suite } from './types.js';

/** Training cases for a full or a quick run. */
export function trainPlans(quick: boolean): TrainPlan[] {
  if (quick)
    return [
      {
        model: 'mlp',
        batch: 128,
        warmupSteps: 2,
        maxSteps: 3,
        roundSeconds: 0.3,
        reps: 2,
        budgetSeconds: 2,
        maxStepSeconds: 10,
        lossTolerance: 5e-3,
      },
      {
        model: 'cnn',
        batch: 32,
        warmupSteps: 1,
        maxSteps: 2,
        roundSeconds: 0.3,
        reps: 2,
        budgetSeconds: 2,
        maxStepSeconds: 10,
      },
    ];
  return [
    {
      model: 'mlp',
      batch: 128,
      // Enough steps for every JIT (V8's, jax-js's) to settle before the timed rounds.
      warmupSteps: 20,
      // 20 steps were not enough: asgrad on 2 threads kept speeding up over its first ~1,000
      // steps (65-80k samples/s in its first three rounds of 200, 100k after, in one process
      // here, with V8's wasm tiering on or off), which left medians of 5 rounds in between.
      settleSeconds: 3,
      // The same after every pause: the other children's rounds leave this one idle for seconds,
      // and asgrad's first 200 steps after a 1.5 s sleep ran at 98-112k samples/s on 2 threads
      // (65k on 1) against 140k (94k) after 200 untimed steps, in one process here. So every
      // timed round follows an untimed one, for every peer (its own state, from its own pause).
      rewarmSeconds: 0.5,
      maxSteps: 200,
      roundSeconds: 3,
      reps: 5,
      budgetSeconds: 30,
      maxStepSeconds: 100,
      lossTolerance: 5e-3,
    },
    {
      model: 'cnn',
      batch: 128,
      warmupSteps: 2,
      settleSeconds: 3,
      rewarmSeconds: 0.5,
      maxSteps: 40,
      roundSeconds: 4,
      reps: 5,
      budgetSeconds: 40,
      maxStepSeconds: 100,
    },
  ];
}

/**
 * asgrad on n threads where @asgrad/kernels has `setThreads`; otherwise a skipped column that
 * says so. With `build`, the same peers with that kernel build (`asgrad-relaxed`, …).
 */
export function asgradPeers(threads: number, build?: Build): TrainPeer[] {
  const spawn = () => spawnNodeChild(build);
  const name = (t: number) => (build ? buildPeerName(build, t) : t === 1 ? 'asgrad' : `asgrad-${t}t`);
  const one: TrainPeer = { name: name(1), library: 'asgrad', threads: 1, spawn };
  const many: TrainPeer = {
    name: name(threads),
    library: 'asgrad',
    threads,
    spawn,
    skip: () =>
      findSetThreads()
        ? undefined
        : '@asgrad/kernels has no setThreads yet (its thread pool is not merged); asgrad runs 1 thread',
  };
  return threads > 1 ? [one, many] : [one];
}

export function trainPeers(quick: boolean, threads: number): TrainPeer[] {
  // Quick mode keeps every code path but the slowest children: tfjs-cpu runs the same
  // trainer as tfjs-wasm, and jax-js's CNN step takes tens of seconds (with its compile).
  const cpuSkip = () =>
    quick ? 'in --quick (the same trainer as tfjs-wasm, on a slower backend)' : undefined;
  const jaxSkip = (model: ModelName) =>
    quick && model === 'cnn'
      ? 'in --quick: its first CNN step (jit compile) takes tens of seconds'
      : undefined;
  return [
    ...asgradPeers(threads),
    // The kernel build this process does not load, compared with asgrad on the same threads.
    ...asgradPeers(threads, otherBuild()),
    { name: 'tfjs-wasm', library: 'tfjs-wasm', threads: 1, spawn: spawnNodeChild },
    { name: 'tfjs-cpu', library: 'tfjs-cpu', threads: 1, spawn: spawnNodeChild, skip: cpuSkip },
    { name: 'jax-js', library: 'jax-js', threads: 1, spawn: spawnNodeChild, skip: jaxSkip },
  ];
}

let dataFile: string | undefined;

/**
 * The training images every plan (quick or full) may use, written once per run to a temporary
 * file the children read (removed when the process exits). MNIST is loaded here, once.
 */
function trainDataFile(quick: boolean): string {
  if (dataFile) return dataFile;
  const { train } = loadMnist();
  const n = Math.min(train.n, Math.max(...trainPlans(quick).map((p) => p.maxSteps * p.batch)));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'asgrad-bench-'));
  const file = path.join(dir, 'mnist-train.bin');
  writeFileSync(file, encodeTrainData(train.x, train.y, n));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  dataFile = file;
  return file;
}

/** Runs the plans' cases (all of them unless `models` says which) with these peers; also returns the detail table. */
export async function trainCases(ctx: BenchContext, peers: TrainPeer[], models?: ModelName[]) {
  const plans = trainPlans(ctx.quick).filter((p) => !models || models.includes(p.model));
  const file = trainDataFile(ctx.quick);
  const cases = [];
  const rows: string[][] = [];
  for (const plan of plans) {
    const { result, details } = await runTraining(ctx, plan, peers, 'asgrad', file);
    cases.push(result);
    rows.push(...detailRows(plan.model, details));
  }
  const table: ExtraTable = { title: 'Steps, losses and memory per peer', header: DETAIL_HEADER, rows };
  return { cases, table };
}

export const trainSuite: Suite = {
  name: 'train',
  title: 'MNIST training throughput (samples/s)',
  async run(ctx) {
    const threads = os.availableParallelism();
    const peers = trainPeers(ctx.quick, threads);
    const { cases, table } = await trainCases(ctx, peers);
    return {
      suite: 'train',
      title: this.title,
      unit: 'samples/s',
      peers: peers.map((p) => p.name),
      baseline: 'asgrad',
      notes: [
        "Every peer trains the same model from the same initial weights (Glorot-uniform, zero biases, drawn once from the seed and converted to each library's layout) on the same MNIST training images (`loadMnist()` from @asgrad/data, pixels in [0, 1], in order, no shuffling; the suite loads them once and hands the children the images they use through a temporary file), with Adam (lr 1e-3, β 0.9/0.999, ε 1e-8) and softmax cross-entropy. CNN: conv 3×3 32 → ReLU → maxpool 2 → conv 3×3 64 → ReLU → maxpool 2 → flatten → dropout 0.5 → dense 10.",
        `Each peer runs in its own child process (set-up, then warm-up steps and, in a full run, untimed steps until the warm-up has lasted ${trainPlans(false)[0].settleSeconds} s, then timed rounds interleaved across the processes, order rotated each round, each after untimed steps of up to ${trainPlans(false)[0].rewarmSeconds} s (none where one step takes longer), since a process left idle while the others ran needs a moment to come back up to speed). A figure is batch / (median seconds per step over the rounds); a round has as many steps as fit in a few seconds at the warm-up speed, so slow peers run fewer steps and rounds: the table below says how many. Peak RSS is the child's high-water mark (VmHWM in /proc/self/status on Linux): Node itself, the library and the same training images in every child.`,
        `asgrad: an @asgrad/nn \`Sequential\` of the same layers, \`crossEntropy\` on its logits, \`Adam\` from @asgrad/optim, each step (\`zeroGrad\`, forward, \`backward\`, \`step\`, \`loss.item()\`) inside \`scope\`; one child per thread count, and the same again with the kernel build the others do not load (${buildPeerName(otherBuild(), 1)}…: ASGRAD_SIMD in the child's environment), whose ratio columns are against asgrad on the same thread count.`,
        "TF.js: a tfjs-layers `sequential` model (softmax output, `sparseCategoricalCrossentropy`), `model.fit(x, y, { batchSize, epochs: 1, shuffle: false })` over the round's images, `tf.train.adam(1e-3, 0.9, 0.999, 1e-8)`. The wasm backend registers no Conv2DBackpropFilter kernel, so it cannot train the CNN (its cell shows the error).",
        'jax-js: one `jit`-compiled step doing `valueAndGrad` of the loss and the Adam update (parameters and moments in and out), dropout from `random.bernoulli` with a key per step; `lax.conv`, max-pooling by `lax.reduceWindow`. The loss is read after every step (as every other peer does).',
        "The warm-up loss (mean over the warm-up steps, the same steps from the same weights for all) is compared with asgrad's for the MLP; ≠ marks a relative difference above 0.5%. The CNN's dropout masks differ between libraries, so its losses only agree roughly.",
      ],
      cases,
      tables: [table],
    };
  },
};
