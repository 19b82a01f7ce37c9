// `pytorch` (optional): the distance to native code. The train cases and the MNIST / square
// matmuls in PyTorch CPU on 1 and all threads, in a Python child (python/bench.py), beside
// asgrad in the same run. Runs only where Debian's /usr/bin/python3 can import torch.
import os from 'node:os';
import { errorText } from '../harness.js';
import { torchMatmulPeers } from '../peers/torch.js';
import type { MatmulSpec, Peer } from '../peers/types.js';
import { SEED, uniform } from '../random.js';
import type { CaseResult, SuiteResult } from '../report.js';
import { type Child, PYTHON, spawnPythonChild } from '../train/child.js';
import { type Plan, runCase } from './common.js';
import { FORMS, MNIST, type Shape, square } from './matmul.js';
import { asgradPeers, trainCases } from './train.js';
import type { TrainPeer } from './train-runner.js';
import type { BenchContext, Suite } from './types.js';

const TITLE_TRAIN = 'PyTorch CPU: MNIST training throughput (samples/s)';
const TITLE_MATMUL = 'PyTorch CPU: matrix multiply (GFLOP/s)';

type TorchLibrary = { name: string; version: string; build: string };

async function matmulSection(
  ctx: BenchContext,
  child: Child,
  library: TorchLibrary,
  threads: number[],
): Promise<SuiteResult> {
  const asgrad = (await ctx.peers()).find((p) => p.name === 'asgrad')!;
  const torch = torchMatmulPeers(child, library, threads);
  const peers: Peer[] = [asgrad, ...torch.peers];
  const notes = [
    `PyTorch: ${library.name} ${library.version} (${library.build}), \`torch.matmul(a, b, out=c)\` on transposed views for the Aᵀ / Bᵀ forms; it times itself in its own process (batches of calls, median over a round as long as asgrad's), inputs from the same seed through a file; its result is checked against asgrad's.`,
  ];
  const shapes: Shape[] = ctx.quick ? [MNIST[0]] : [...[128, 512, 1024].map(square), ...MNIST];
  const cases: CaseResult[] = [];
  let seed = SEED + 5000;
  try {
    for (const shape of shapes) {
      for (const form of ctx.quick ? FORMS.slice(0, 1) : FORMS) {
        // Square sizes only in the forward form; the MNIST shapes in all three.
        if (shape.label.endsWith('³') && form.label !== 'A·B') continue;
        const { m, k, n } = shape;
        const spec: MatmulSpec = {
          m,
          n,
          k,
          transA: form.transA,
          transB: form.transB,
          a: uniform(m * k, seed++),
          b: uniform(k * n, seed++),
        };
        const name = `${shape.label} ${form.label}`;
        ctx.log(`pytorch matmul ${name}`);
        const plan = (p: Peer): Plan => {
          const f = p.matmul;
          return f ? { prepare: () => f(spec) } : { skip: 'no matmul' };
        };
        cases.push({
          name,
          params: { m, n, k, transA: form.transA, transB: form.transB },
          flops: 2 * m * n * k,
          cells: await runCase(ctx, peers, plan, 'asgrad', 1e-4),
        });
      }
    }
  } finally {
    torch.cleanup();
  }
  notes.push('asgrad: `matmul(args)` from @asgrad/kernels on 1 thread, as in the matmul suite.');
  return {
    suite: 'pytorch-matmul',
    title: TITLE_MATMUL,
    unit: 'GFLOP/s',
    peers: peers.map((p) => p.name),
    baseline: 'asgrad',
    notes,
    cases,
  };
}

export const pytorchSuite: Suite = {
  name: 'pytorch',
  title: TITLE_TRAIN,
  async run(ctx) {
    // The matmul child doubles as the probe: it imports torch first thing.
    const child = spawnPythonChild();
    let library: TorchLibrary;
    try {
      library = (await child.request<{ library: TorchLibrary }>({ cmd: 'hello' })).library;
    } catch (e) {
      child.kill();
      const reason = `${PYTHON} could not run python/bench.py with PyTorch (${errorText(e)})`;
      ctx.log(`pytorch: skipped: ${reason}`);
      return {
        suite: 'pytorch',
        title: TITLE_TRAIN,
        unit: 'samples/s',
        peers: [],
        notes: [
          `Skipped: ${reason}. On Debian, \`apt-get install python3-torch libopenblas0-pthread\` provides it (with OpenBLAS rather than the reference BLAS).`,
        ],
        cases: [],
      };
    }
    const n = os.availableParallelism();
    // Quick mode: one thread count and the MLP only (a smoke test of the Python child).
    const threads = n > 1 && !ctx.quick ? [1, n] : [1];
    const peers: TrainPeer[] = [
      ...asgradPeers(ctx.quick ? 1 : n),
      ...threads.map(
        (t): TrainPeer => ({ name: `torch-${t}t`, library: 'torch', threads: t, spawn: spawnPythonChild }),
      ),
    ];
    let matmul: SuiteResult;
    try {
      matmul = await matmulSection(ctx, child, library, threads);
    } finally {
      await child.finish();
    }
    const { cases, table } = await trainCases(ctx, peers, ctx.quick ? ['mlp'] : undefined);
    const train: SuiteResult = {
      suite: 'pytorch-train',
      title: TITLE_TRAIN,
      unit: 'samples/s',
      peers: peers.map((p) => p.name),
      baseline: 'asgrad',
      notes: [
        "The train suite's cases, method and asgrad columns, beside PyTorch (Debian's /usr/bin/python3) in its own child process: the same layers as `nn.Sequential`, the same initial weights and images, `torch.optim.Adam(lr=1e-3, eps=1e-8)`, `F.cross_entropy`, `loss.item()` each step; `torch.set_num_threads(t)` per column. Compare asgrad with torch-1t for the same thread count.",
        'torch-2t uses OpenMP threads that wait on each other at every parallel region: on a machine with other load (see the load average above) they lose far more than one thread does, and the 2-thread figure can fall below the 1-thread one.',
        `OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'} in this environment (PyTorch's matmuls go to OpenBLAS, which uses the kernels it names).`,
      ],
      cases,
      tables: [table],
    };
    return [train, matmul];
  },
};
