// `conv`: GFLOP/s of the MNIST CNN's two convolutions in each pass training needs: forward,
// the input gradient and the filter gradient, for asgrad, TF.js (wasm, cpu) and jax-js.
import type { ConvPass, ConvSpec, Peer } from '../peers/types.js';
import { SEED, uniform } from '../random.js';
import { type CaseResult, fmt } from '../report.js';
import { asgradPeak, type Plan, runCase, threadNote } from './common.js';
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

const PASSES: { pass: ConvPass; label: string }[] = [
  { pass: 'forward', label: 'forward' },
  { pass: 'backwardInput', label: 'dx' },
  { pass: 'backwardWeight', label: 'dw' },
];

/** A peer whose earlier rate predicts a longer call than this (seconds) sits the case out. */
const MAX_CALL_SECONDS = 20;

/** Multiply-adds ×2 of one pass; the three passes do the same arithmetic. */
export function convFlops(s: ConvShape): number {
  return 2 * s.n * s.cOut * (s.h - s.k + 1) * (s.w - s.k + 1) * s.cIn * s.k * s.k;
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
    let seed = SEED + 3000;
    for (const shape of shapes) {
      const oh = shape.h - shape.k + 1;
      const ow = shape.w - shape.k + 1;
      const x = uniform(shape.n * shape.cIn * shape.h * shape.w, seed++);
      const weight = uniform(shape.cOut * shape.cIn * shape.k * shape.k, seed++);
      const dy = uniform(shape.n * shape.cOut * oh * ow, seed++);
      for (const { pass, label } of PASSES) {
        const spec: ConvSpec = { pass, ...shape, x, weight, dy };
        const name = `${shape.label} ${label}`;
        ctx.log(`conv ${name}`);
        const flops = convFlops(shape);
        const plan = (p: Peer): Plan => {
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
        const c: CaseResult = {
          name,
          params: { n: shape.n, cIn: shape.cIn, h: shape.h, w: shape.w, cOut: shape.cOut, k: shape.k, pass },
          flops,
          cells: await runCase(ctx, peers, plan, 'asgrad', 1e-4),
        };
        for (const cell of c.cells)
          if (cell.status === 'ok') rates.set(`${cell.peer} ${pass}`, flops / cell.seconds.median / 1e9);
        cases.push(c);
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
        'TF.js: its own layouts (NHWC input, HWIO filter; converted before timing). forward `tf.conv2d`; dx `tf.conv2dTranspose` (kernel Conv2DBackpropInput); dw the kernel `tf.grad` runs, Conv2DBackpropFilter, through `tf.engine().runKernel` (tfjs-core exports no op for it). The wasm backend does not register Conv2DBackpropFilter, which is why it cannot train a CNN.',
        'jax-js: NCHW/OIHW as asgrad, each pass under `jit`: forward `lax.conv`; dx `lax.convTranspose(dy, w, …, { transposeKernel: true })`; dw `grad` of Σ conv(x, w)·dy with respect to w (jax-js has no filter-gradient op).',
        'Outputs are compared in PyTorch layouts; ≠ marks a maximum error above 1e-4 of the largest value.',
      ],
      cases,
    };
  },
};
