// `peak`: the machine's measured wasm SIMD limit, so every other GFLOP/s figure can be read
// as a fraction of it. Each thread runs its own instance of a register-only loop (see
// assembly/peak.ts); threads start together and the slowest thread's time counts.
import os from 'node:os';
import { summarize } from '../harness.js';
import { PeakPool, relaxedSupported, VARIANTS, type Variant } from '../peak-probe.js';
import type { CaseResult, Cell } from '../report.js';
import type { PeakFigures, Suite } from './types.js';

const COLUMN = 'measured';
const RELAXED_SKIP =
  'this runtime rejects relaxed-SIMD; Node 20 needs `node --experimental-wasm-relaxed-simd apps/bench/dist/cli.js`';

const threadsLabel = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;

interface Config {
  variant: Variant;
  threads: number;
}

/**
 * Rounds of the peak probe. Many short rounds rather than a few long ones: on a shared machine
 * a round that another process preempts is simply lower, and the best round is the limit.
 */
export const PEAK_ROUNDS = { quick: { reps: 10, seconds: 0.02 }, full: { reps: 15, seconds: 0.1 } };

/**
 * Measures each build at each thread count, interleaved over `reps` rounds of about
 * `seconds` each. Returns a case per (build, threads).
 */
export async function measurePeak(
  threadCounts: number[],
  reps: number,
  seconds: number,
  log: (m: string) => void,
): Promise<{ cases: CaseResult[]; figures: PeakFigures }> {
  const variants: Variant[] = relaxedSupported() ? ['simd128', 'relaxed'] : ['simd128'];
  const maxThreads = Math.max(...threadCounts);
  const pools = new Map<Variant, PeakPool>();
  try {
    for (const v of variants) pools.set(v, await PeakPool.start(v, maxThreads));
    // Calibrate once per build on one thread so a round lasts about `seconds`.
    const iters = new Map<Variant, number>();
    for (const v of variants) {
      const probe = 200_000;
      const t = await pools.get(v)!.run(probe, 1);
      iters.set(v, Math.max(probe, Math.round((probe * seconds) / t)));
    }
    const configs: Config[] = variants.flatMap((variant) =>
      threadCounts.map((threads) => ({ variant, threads })),
    );
    const rounds = configs.map(() => [] as number[]);
    for (let r = 0; r < reps; r++) {
      for (let i = 0; i < configs.length; i++) {
        const j = (i + r) % configs.length;
        const { variant, threads } = configs[j];
        rounds[j].push(await pools.get(variant)!.run(iters.get(variant)!, threads));
      }
    }
    const cases: CaseResult[] = [];
    const figures: PeakFigures = { simd128: 0 };
    configs.forEach(({ variant, threads }, j) => {
      const flops = iters.get(variant)! * pools.get(variant)!.flopsPerIter * threads;
      const seconds = summarize(rounds[j]);
      // The reference for "% of peak" is the best round: noise only ever lowers a limit.
      if (threads === 1) figures[variant] = flops / seconds.min / 1e9;
      cases.push({
        name: `${VARIANTS[variant].label}, ${threadsLabel(threads)}`,
        params: { variant, threads, itersPerThread: iters.get(variant)! },
        flops,
        cells: [{ peer: COLUMN, status: 'ok', seconds, reps: rounds[j].length }],
      });
      log(`peak ${variant} x${threads}: ${(flops / seconds.median / 1e9).toFixed(1)} GFLOP/s`);
    });
    if (!variants.includes('relaxed')) {
      for (const threads of threadCounts) {
        const cell: Cell = { peer: COLUMN, status: 'skipped', reason: RELAXED_SKIP };
        cases.push({
          name: `${VARIANTS.relaxed.label}, ${threadsLabel(threads)}`,
          params: { variant: 'relaxed', threads },
          cells: [cell],
        });
      }
    }
    return { cases, figures };
  } finally {
    await Promise.all([...pools.values()].map((p) => p.close()));
  }
}

export const peakSuite: Suite = {
  name: 'peak',
  title: 'wasm SIMD peak (register-only loop, GFLOP/s)',
  async run(ctx) {
    const all = os.availableParallelism();
    const threadCounts = all > 1 ? [1, all] : [1];
    const { reps, seconds } = ctx.quick ? PEAK_ROUNDS.quick : PEAK_ROUNDS.full;
    const { cases, figures } = await measurePeak(threadCounts, reps, seconds, ctx.log);
    ctx.setPeak(figures);
    return {
      suite: 'peak',
      title: this.title,
      unit: 'GFLOP/s',
      peers: [COLUMN],
      notes: [
        'SIMD128 loop: 8 independent f32x4.mul chains (x ← x·c) summed pairwise into 4 f32x4 accumulators — 8 mul + 8 add per iteration, 13 live vectors (V8 gives wasm at most 15 xmm registers; more spills). Relaxed loop: 10 f32x4.relaxed_madd accumulators.',
        `Each thread runs its own module instance on worker_threads; threads start together and the slowest thread's time counts. ${all} logical cores here.`,
      ],
      cases,
    };
  },
};
