// `matmul`: GFLOP/s of C = op(A)·op(B) in the three forms backprop needs (A·B, A·Bᵀ, Aᵀ·B)
// on square sizes and on the MNIST MLP's training shapes, for every peer, with asgrad also
// shown as a fraction of the measured single-thread SIMD peak.
import type { MatmulSpec } from '../peers/types.js';
import { SEED, uniform } from '../random.js';
import type { CaseResult } from '../report.js';
import { asgradPeak, buildNote, type Plan, runCases, threadNote } from './common.js';
import type { Suite } from './types.js';

export interface Shape {
  label: string;
  m: number;
  k: number;
  n: number;
}

export const square = (n: number): Shape => ({ label: `${n}³`, m: n, k: n, n });

/** The MNIST MLP (784-128-10, batch 128, y = x·W): forward, both backward products, layer 2. */
export const MNIST: Shape[] = [
  { label: 'MNIST X·W 128×784·784×128', m: 128, k: 784, n: 128 },
  { label: 'MNIST dX 128×128·128×784', m: 128, k: 128, n: 784 },
  { label: 'MNIST dW 784×128·128×128', m: 784, k: 128, n: 128 },
  { label: 'MNIST layer 2 128×128·128×10', m: 128, k: 128, n: 10 },
];

export const FULL_SHAPES = [...[64, 128, 256, 512, 1024].map(square), ...MNIST];
export const QUICK_SHAPES = [square(64), MNIST[0]];

export const FORMS = [
  { label: 'A·B', transA: false, transB: false },
  { label: 'A·Bᵀ', transA: false, transB: true },
  { label: 'Aᵀ·B', transA: true, transB: false },
] as const;

/** The plain loop runs only up to 256³ multiply-adds (as long as ~0.1 s a call), to save time. */
const PLAIN_MAX_MACS = 256 ** 3;

export const matmulSuite: Suite = {
  name: 'matmul',
  title: 'matrix multiply (GFLOP/s)',
  async run(ctx) {
    const peers = await ctx.peers();
    const { info, gflops: peakGflops, relaxed: relaxedPeak } = await asgradPeak(ctx, peers);
    const cases: CaseResult[] = [];
    const shapes = ctx.quick ? QUICK_SHAPES : FULL_SHAPES;
    let index = 0;
    for (const shape of shapes) {
      const { m, k, n } = shape;
      // A shape's three forms are timed in one rotation: the targets compare asgrad's
      // transposed forms with its own A·B and with TF.js's A·B on the same shape.
      const plans = FORMS.map((form) => {
        const spec: MatmulSpec = {
          m,
          n,
          k,
          transA: form.transA,
          transB: form.transB,
          a: uniform(m * k, SEED + 2 * index),
          b: uniform(k * n, SEED + 2 * index + 1),
        };
        index++;
        return (p: (typeof peers)[number]): Plan => {
          if (!p.matmul) return { skip: 'no matmul' };
          if (p.name === 'plain-js' && m * n * k > PLAIN_MAX_MACS) return { skip: 'only up to 256³' };
          const f = p.matmul;
          return { prepare: () => f(spec) };
        };
      });
      ctx.log(`matmul ${shape.label} ${FORMS.map((f) => f.label).join(', ')}`);
      // Different summation orders differ by far less than 1e-4; a wrong layout by ~1.
      const cells = await runCases(ctx, peers, plans, 'asgrad', 1e-4);
      for (const [i, form] of FORMS.entries())
        cases.push({
          name: `${shape.label} ${form.label}`,
          params: { m, n, k, transA: form.transA, transB: form.transB },
          flops: 2 * m * n * k,
          cells: cells[i],
        });
    }
    const notes = [
      'A is stored [m,k] (Aᵀ·B: [k,m]) and B [k,n] (A·Bᵀ: [n,k]); no peer gets a materialised transpose. GFLOP/s = 2·m·n·k / time.',
      "A shape's three forms are timed in one rotation (every peer on every form, order rotated each repetition), so figures of different forms of a shape are measured over the same stretch of time and compare as fairly as two peers on one form.",
      `asgrad: \`matmul(args)\` from @asgrad/kernels on heap pointers, output preallocated; ${info?.simd ?? 'unknown'} build. % of peak is against the ${relaxedPeak ? 'relaxed-SIMD FMA' : 'SIMD128 mul+add'} single-thread peak (its best round), ${peakGflops.toFixed(1)} GFLOP/s.`,
      threadNote(peers),
      ...[buildNote(peers)].filter((n) => n !== undefined),
      'TF.js: `tf.matMul(a, b, transposeA, transposeB)` with prod mode on, result disposed each call. jax-js: `jit` of `np.matmul` with the transposes inside, `await blockUntilReady()` each call.',
      'plain-js: a Float32Array triple loop, run only up to 256³ multiply-adds (the 512³ and 1024³ cases would take minutes).',
    ];
    const over = cases.filter((c) => {
      const b = c.cells.find((x) => x.peer === 'asgrad');
      return b?.status === 'ok' && c.flops! / b.seconds.median / 1e9 > peakGflops;
    });
    if (over.length > 0)
      notes.push(
        `${over.length} case(s) exceed the measured peak: the peak rounds were slowed by other load on the machine; rerun on an idle machine (or \`pnpm bench peak matmul\`) for a sound fraction.`,
      );
    return {
      suite: 'matmul',
      title: this.title,
      unit: 'GFLOP/s',
      peers: peers.map((p) => p.name),
      baseline: 'asgrad',
      peakGflops,
      notes,
      cases,
    };
  },
};
