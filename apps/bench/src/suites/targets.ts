// `targets`: the issue's matmul speed targets, paired. asgrad's A·B, A·Bᵀ and Aᵀ·B at 512³ and on
// the MNIST training shapes on one thread against TF.js wasm's A·B on the same shape (target
// ≥ 1.25x), and on n threads against one (≥ 1.8x at n = 2). The matmul suite times them in
// 150 ms rounds of a rotation, and in six full runs of one session its ratios missed the targets
// by up to 0.22 where a slow stretch of this VM fell on one side's rounds. Here each ratio comes
// from a pair of neighbouring ~20 ms slices (../paired.ts), which a slow stretch slows alike.
import { setThreads } from '@asgrad/kernels';
import { pairedCell as cell, type PairedEnter, ratioCells, timePaired } from '../paired.js';
import { asgradThreads } from '../peer-names.js';
import type { MatmulSpec, Peer, Prepared } from '../peers/types.js';
import { relativeError, SEED, uniform } from '../random.js';
import type { CaseResult } from '../report.js';
import { needPeer } from './common.js';
import { FORMS, MNIST, type Shape, square } from './matmul.js';
import type { BenchContext, Suite } from './types.js';

export const TARGET_SHAPES: Shape[] = [square(512), ...MNIST.slice(0, 3)];
const QUICK_TARGET_SHAPES: Shape[] = [square(64)];

/** The asgrad peer with the most threads (asgrad-2t on this 2-core machine), if any. */
function manyThreads(peers: Peer[]): { peer: Peer; threads: number } | undefined {
  let best: { peer: Peer; threads: number } | undefined;
  for (const peer of peers) {
    const threads = asgradThreads(peer.name) ?? 0;
    if (threads > 1 && !peer.loadError && threads > (best?.threads ?? 0)) best = { peer, threads };
  }
  return best;
}

export const targetsSuite: Suite = {
  name: 'targets',
  title:
    'the matmul targets, paired: asgrad against TF.js wasm A·B on one thread, and n threads against one (GFLOP/s)',
  async run(ctx: BenchContext) {
    const peers = await ctx.peers();
    const asgrad = needPeer('targets', peers, 'asgrad');
    const tfjs = needPeer('targets', peers, 'tfjs-wasm');
    const many = manyThreads(peers);
    const pairs = ctx.quick ? 4 : 30;
    const sliceMs = ctx.quick ? 2 : 20;
    const threads: PairedEnter = many
      ? { own: () => void setThreads(1), other: () => void setThreads(many.threads) }
      : {};
    const cases: CaseResult[] = [];
    const rows: string[][] = [];
    let seed = SEED + 7000;
    for (const shape of ctx.quick ? QUICK_TARGET_SHAPES : TARGET_SHAPES) {
      const { m, k, n } = shape;
      const [a, b] = [uniform(m * k, seed++), uniform(k * n, seed++)];
      const spec = (transA: boolean, transB: boolean): MatmulSpec => ({ m, n, k, transA, transB, a, b });
      const tf: Prepared = await tfjs.matmul!(spec(false, false));
      try {
        await tf.enter?.();
        const tfOut = await tf.output();
        for (const form of FORMS) {
          ctx.log(`targets ${shape.label} ${form.label}`);
          const mine = await asgrad.matmul!(spec(form.transA, form.transB));
          try {
            // Bits must not depend on the thread count; A·B must agree with TF.js's.
            await setThreads(1);
            const one = await mine.output();
            let gapThreads = 0;
            if (many) {
              await setThreads(many.threads);
              gapThreads = relativeError(await mine.output(), one);
              await setThreads(1);
            }
            const gapTf = form.transA || form.transB ? 0 : relativeError(one, tfOut);
            const vsTf = timePaired(tf.run, mine.run, pairs, sliceMs, ctx.timing.warmupMs, {
              other: threads.own,
            });
            const cells = [
              cell(
                'asgrad',
                vsTf.other,
                pairs,
                gapTf > 1e-4 ? `differs from TF.js by ${gapTf.toExponential(1)}` : undefined,
              ),
              cell('tfjs-wasm', vsTf.own, pairs),
            ];
            const row = [`${shape.label} ${form.label}`, ...ratioCells(vsTf.ratios)];
            if (many) {
              const vsOne = timePaired(mine.run, mine.run, pairs, sliceMs, ctx.timing.warmupMs, threads);
              const mismatch =
                gapThreads > 0 ? `differs from one thread by ${gapThreads.toExponential(1)}` : undefined;
              cells.splice(1, 0, cell(many.peer.name, vsOne.other, pairs, mismatch));
              row.push(...ratioCells(vsOne.ratios));
            }
            cases.push({
              name: `${shape.label} ${form.label}`,
              params: { m, n, k, transA: form.transA, transB: form.transB },
              flops: 2 * m * n * k,
              cells,
            });
            rows.push(row);
          } finally {
            await setThreads(1);
            mine.dispose();
          }
        }
      } finally {
        tf.dispose();
      }
    }
    const nt = many ? `${many.threads}t` : undefined;
    return {
      suite: 'targets',
      title: this.title,
      unit: 'GFLOP/s',
      peers: ['asgrad', ...(many ? [many.peer.name] : []), 'tfjs-wasm'],
      baseline: 'asgrad',
      notes: [
        "The tfjs-wasm cells are TF.js's plain A·B on the row's shape in every form's row: the issue sets asgrad's three forms against it.",
        `asgrad on one thread against TF.js in ${pairs} pairs of ~${sliceMs} ms slices, alternating which goes first; ${
          many
            ? `then asgrad on ${many.threads} threads against one thread in the same way (setThreads before each slice; bits checked equal).`
            : 'one thread only: no pool on this machine.'
        } The GFLOP/s cells are medians (min–max) over the slices; the table gives the per-pair ratios.`,
        `Targets (SIMD128 build): one thread ≥ 1.25× TF.js's A·B${nt ? `; ${nt} ≥ 1.8× one thread at 2 threads` : ''}.`,
      ],
      cases,
      tables: [
        {
          title: `asgrad 1t speed / TF.js A·B speed${nt ? `, and asgrad ${nt} / 1t` : ''}, per pair of neighbouring slices`,
          header: [
            'case',
            '1t / TF.js median',
            'quartiles',
            'range',
            ...(nt ? [`${nt} / 1t median`, 'quartiles', 'range'] : []),
          ],
          rows,
        },
      ],
    };
  },
};
