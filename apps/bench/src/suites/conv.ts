// `conv`: GFLOP/s of the MNIST CNN's two convolutions in each pass training needs: forward,
// the input gradient and the filter gradient, for asgrad, TF.js (wasm, cpu) and jax-js.
import type { ConvPass, ConvSpec, MatmulSpec, Peer } from '../peers/types.js';
import { SEED, uniform } from '../random.js';
import { type CaseResult, fmt } from '../report.js';
import { asgradPeak, buildNote, type Plan, runCases, threadNote } from './common.js';
import { MNIST } from './matmul.js';
import type { Suite } from './types.js';

export interface ConvShape {
  label: string;
  n: number;
  cIn: number;
  h: number;
  w: number;
  cOut: number;
  k: number;
}

/** The CNN (conv 3×3 32 → pool → conv 3×3 64) at batch `n`. */
export function cnnShapes(n: number): ConvShape[] {
  return [
    { label: `conv1 [${n},1,28,28]*[32,1,3,3]`, n, cIn: 1, h: 28, w: 28, cOut: 32, k: 3 },
    { label: `conv2 [${n},32,13,13]*[64,32,3,3]`, n, cIn: 32, h: 13, w: 13, cOut: 64, k: 3 },
  ];
}

export const PASSES: { pass: ConvPass; label: string }[] = [
  { pass: 'forward', label: 'forward' },
  { pass: 'backwardInput', label: 'dx' },
  { pass: 'backwardWeight', label: 'dw' },
];

/** The matmul each shape's passes are timed beside: the MNIST MLP's forward product. */
const REFERENCE = MNIST[0];

const gflops = (flops: number, seconds: number) => flops / seconds / 1e9;

/** A peer whose earlier rate predicts a longer call than this (seconds) sits the case out. */
const MAX_CALL_SECONDS = 20;

/** Multiply-adds ×2 of one pass; the three passes do the same arithmetic. */
export function convFlops(s: ConvShape): number {
  return 2 * s.n * s.cOut * (s.h - s.k + 1) * (s.w - s.k + 1) * s.cIn * s.k * s.k;
}

/** Seeded inputs of a shape's three passes: x, weight and the output gradient dy. */
export function convInputs(s: ConvShape, seed: number): Pick<ConvSpec, 'x' | 'weight' | 'dy'> {
  const [oh, ow] = [s.h - s.k + 1, s.w - s.k + 1];
  return {
    x: uniform(s.n * s.cIn * s.h * s.w, seed),
    weight: uniform(s.cOut * s.cIn * s.k * s.k, seed + 1),
    dy: uniform(s.n * s.cOut * oh * ow, seed + 2),
  };
}

export const convSuite: Suite = {
  name: 'conv',
  title: 'conv2d forward and backward on the CNN shapes (GFLOP/s)',
  async run(ctx) {
    const peers = (await ctx.peers()).filter((p) => p.name !== 'plain-js');
    const peak = await asgradPeak(ctx, peers);
    // jax-js and TF.js cpu need seconds per call at batch 128: quick mode keeps the first layer at batch 2.
    const shapes = ctx.quick ? cnnShapes(2).slice(0, 1) : cnnShapes(128);
    const cases: CaseResult[] = [];
    // GFLOP/s each peer showed on each pass so far, to skip calls that would take minutes.
    const rates = new Map<string, number>();
    const againstMatmul: string[][] = [];
    let seed = SEED + 3000;
    const { m, k, n } = REFERENCE;
    const refFlops = 2 * m * n * k;
    const product: MatmulSpec = {
      m,
      n,
      k,
      transA: false,
      transB: false,
      a: uniform(m * k, SEED + 4000),
      b: uniform(k * n, SEED + 4001),
    };
    for (const shape of shapes) {
      const inputs = convInputs(shape, seed);
      seed += 3;
      const flops = convFlops(shape);
      const plans = PASSES.map(({ pass }) => {
        const spec: ConvSpec = { pass, ...shape, ...inputs };
        return (p: Peer): Plan => {
          const f = p.conv2d;
          if (!f) return { skip: 'no conv2d' };
          const rate = rates.get(`${p.name} ${pass}`);
          const estimate = rate === undefined ? 0 : flops / rate / 1e9;
          if (estimate > MAX_CALL_SECONDS)
            return {
              skip: `at the ${fmt(rate!)} GFLOP/s it showed on this pass above, one call would take about ${Math.round(estimate)} s`,
            };
          return { prepare: () => f(spec) };
        };
      });
      // asgrad's matmul in the same rotation, so that conv against matmul (an issue target)
      // compares figures measured over the same stretch of time.
      plans.push((p: Peer): Plan => {
        const f = p.matmul;
        if (!f || !p.name.startsWith('asgrad')) return { skip: "asgrad's reference only" };
        return { prepare: () => f(product) };
      });
      ctx.log(`conv ${shape.label} ${PASSES.map((p) => p.label).join(', ')}, and the reference matmul`);
      const cells = await runCases(ctx, peers, plans, 'asgrad', 1e-4);
      for (const [i, { pass, label }] of PASSES.entries()) {
        const c: CaseResult = {
          name: `${shape.label} ${label}`,
          params: { n: shape.n, cIn: shape.cIn, h: shape.h, w: shape.w, cOut: shape.cOut, k: shape.k, pass },
          flops,
          cells: cells[i],
        };
        for (const cell of c.cells)
          if (cell.status === 'ok') rates.set(`${cell.peer} ${pass}`, gflops(flops, cell.seconds.median));
        cases.push(c);
      }
      // Each pass as a share of the reference on the same thread count.
      for (const [j, ref] of cells[PASSES.length].entries()) {
        if (ref.status !== 'ok') continue;
        const refRate = gflops(refFlops, ref.seconds.median);
        const shares = PASSES.map((_, i) => {
          const cell = cells[i][j];
          return cell.status === 'ok'
            ? `${Math.round((100 * gflops(flops, cell.seconds.median)) / refRate)}%`
            : '—';
        });
        const range = `${fmt(gflops(refFlops, ref.seconds.max))}–${fmt(gflops(refFlops, ref.seconds.min))}`;
        againstMatmul.push([shape.label, ref.peer, `${fmt(refRate)} (${range})`, ...shares]);
      }
    }
    return {
      suite: 'conv',
      title: this.title,
      unit: 'GFLOP/s',
      peers: peers.map((p) => p.name),
      baseline: 'asgrad',
      peakGflops: peak.gflops,
      notes: [
        'Stride 1, no padding, no bias. forward: y = conv(x, w); dx: the input gradient from dy; dw: the filter gradient from x and dy (the first layer needs no dx in training; it is timed anyway). GFLOP/s = 2·n·cOut·oh·ow·cIn·k² / time, the same for all three passes.',
        `asgrad: the kernels directly (\`conv2d\`, \`conv2dBackwardInput\`, \`conv2dBackwardWeight\` from @asgrad/kernels: im2col + the GEMM) on heap pointers, outputs preallocated; @asgrad/autograd's \`conv2d\` calls the same three. ${peak.info?.simd ?? 'unknown'} build; % of peak (1 thread) against ${peak.gflops.toFixed(1)} GFLOP/s.`,
        threadNote(peers),
        ...[buildNote(peers)].filter((n) => n !== undefined),
        'TF.js: its own layouts (NHWC input, HWIO filter; converted before timing). forward `tf.conv2d`; dx `tf.conv2dTranspose` (kernel Conv2DBackpropInput); dw the kernel `tf.grad` runs, Conv2DBackpropFilter, through `tf.engine().runKernel` (tfjs-core exports no op for it). The wasm backend does not register Conv2DBackpropFilter, which is why it cannot train a CNN.',
        'jax-js: NCHW/OIHW as asgrad, each pass under `jit`: forward `lax.conv`; dx `lax.convTranspose(dy, w, …, { transposeKernel: true })`; dw `grad` of Σ conv(x, w)·dy with respect to w (jax-js has no filter-gradient op).',
        'Outputs are compared in PyTorch layouts; ≠ marks a maximum error above 1e-4 of the largest value.',
        `A shape's three passes are timed in one rotation (order rotated each repetition) with asgrad's matmul ${REFERENCE.label} A·B, so the table below compares each pass with a matmul measured over the same stretch of time.`,
      ],
      tables: [
        {
          title: `asgrad's passes as a share of its matmul ${REFERENCE.label} A·B (GFLOP/s), timed in the same rotation`,
          header: ['shape', 'peer', 'matmul GFLOP/s', ...PASSES.map((p) => p.label)],
          rows: againstMatmul,
        },
      ],
      cases,
    };
  },
};
