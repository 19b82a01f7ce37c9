// `builds`: asgrad's two kernel builds against each other, paired. The matmul and conv suites time
// each peer in rounds of 150 ms in a rotation, so a build's median can fall in a slow stretch of
// this VM (seconds long) that the other build's rounds missed: single cases then read 0.70x
// between builds that run the same code. Here both builds run in this process on one thread
// (the other through @asgrad/kernels' loadBuild), in alternating slices of ~10 ms, and each pair
// of neighbouring slices gives one ratio: a slow stretch slows both halves of a pair alike.
import { buildPeerName, otherBuild } from '../builds.js';
import { pairedCell, ratioCells, timePaired } from '../paired.js';
import { sameProcessBuildPeer } from '../peers/same-process-build.js';
import type { ConvSpec, MatmulSpec, Peer, Prepared } from '../peers/types.js';
import { relativeError, SEED, uniform } from '../random.js';
import type { CaseResult } from '../report.js';
import { needPeer } from './common.js';
import { cnnShapes, convFlops, convInputs, PASSES } from './conv.js';
import { FORMS, FULL_SHAPES, QUICK_SHAPES } from './matmul.js';
import type { BenchContext, Suite } from './types.js';

const CONTROL = 'asgrad-copy';

interface Paired {
  name: string;
  params: Record<string, number | string | boolean>;
  flops: number;
  prepare: (peer: Peer) => Promise<Prepared>;
}

function cases(quick: boolean): Paired[] {
  const out: Paired[] = [];
  let seed = SEED + 5000;
  for (const shape of quick ? QUICK_SHAPES : FULL_SHAPES) {
    const { m, k, n } = shape;
    const a = uniform(m * k, seed++);
    const b = uniform(k * n, seed++);
    for (const form of FORMS) {
      const spec: MatmulSpec = { m, n, k, transA: form.transA, transB: form.transB, a, b };
      out.push({
        name: `matmul ${shape.label} ${form.label}`,
        params: { m, n, k, transA: form.transA, transB: form.transB },
        flops: 2 * m * n * k,
        prepare: (p) => p.matmul!(spec),
      });
    }
  }
  for (const shape of quick ? cnnShapes(2).slice(0, 1) : cnnShapes(128)) {
    const inputs = convInputs(shape, seed);
    seed += 3;
    for (const { pass, label } of PASSES) {
      const spec: ConvSpec = { pass, ...shape, ...inputs };
      out.push({
        name: `conv ${shape.label} ${label}`,
        params: { pass, n: shape.n, cIn: shape.cIn, h: shape.h, w: shape.w, cOut: shape.cOut, k: shape.k },
        flops: convFlops(shape),
        prepare: (p) => p.conv2d!(spec),
      });
    }
  }
  return out;
}

export const buildsSuite: Suite = {
  name: 'builds',
  title: "asgrad's relaxed-SIMD and SIMD128 builds, paired on one thread (GFLOP/s)",
  async run(ctx: BenchContext) {
    const all = await ctx.peers();
    const otherName = buildPeerName(otherBuild(), 1);
    const own = needPeer('builds', all, 'asgrad');
    const other = needPeer('builds', all, otherName);
    // The control: the loaded build again, in a second instance beside it, run as the other build
    // is. What it reads against asgrad is what identical code reads: the resolution of the ratios.
    const control = {
      ...(await sameProcessBuildPeer(otherBuild() === 'relaxed' ? 'simd128' : 'relaxed')),
      name: CONTROL,
    };
    const pairs = ctx.quick ? 6 : 40;
    const sliceMs = ctx.quick ? 2 : 10;
    const results: CaseResult[] = [];
    const rows: string[][] = [];
    for (const c of cases(ctx.quick)) {
      ctx.log(`builds ${c.name}`);
      const [a, b, copy] = [await c.prepare(own), await c.prepare(other), await c.prepare(control)];
      try {
        const want = await a.output();
        const [gap, copyGap] = [
          relativeError(want, await b.output()),
          relativeError(want, await copy.output()),
        ];
        for (const p of [a, b, copy]) await p.enter?.();
        const t = timePaired(a.run, b.run, pairs, sliceMs, ctx.timing.warmupMs);
        const tc = timePaired(a.run, copy.run, pairs, sliceMs, ctx.timing.warmupMs);
        const cell = (peer: string, seconds: number[], mismatch?: string) =>
          pairedCell(peer, seconds, pairs, mismatch);
        results.push({
          name: c.name,
          params: c.params,
          flops: c.flops,
          cells: [
            cell('asgrad', t.own),
            // Both builds compute the same sums: FMA's single rounding differs by far less than 1e-4.
            cell(otherName, t.other, gap > 1e-4 ? `differs by ${gap.toExponential(1)}` : undefined),
            // The same binary: the same bits.
            cell(CONTROL, tc.other, copyGap > 0 ? `differs by ${copyGap.toExponential(1)}` : undefined),
          ],
        });
        rows.push([c.name, ...ratioCells(t.ratios), ...ratioCells(tc.ratios).slice(0, 2)]);
      } finally {
        for (const p of [a, b, copy]) p.dispose();
      }
    }
    return {
      suite: 'builds',
      title: this.title,
      unit: 'GFLOP/s',
      peers: ['asgrad', otherName, CONTROL],
      baseline: 'asgrad',
      notes: [
        `asgrad (the build this process loaded) and ${otherName} (the other build, loaded beside it by @asgrad/kernels' \`loadBuild\` and run through \`withBuild\`), both on this thread, the same wrappers and cases as the matmul and conv suites.`,
        `${pairs} pairs of slices of about ${sliceMs} ms each, alternating which build goes first. The GFLOP/s cells are the median (min–max) over the slices; the table below gives, per pair, ${otherName} speed / asgrad speed, which a slow stretch of the machine moves far less than separate rounds.`,
        `${CONTROL}: the control, asgrad's own build loaded a second time by \`loadBuild\` and run as ${otherName} is, paired with asgrad the same way. It runs the same binary, so its ratios show what identical code reads here: a ${otherName} ratio inside them is no evidence of a difference.`,
      ],
      cases: results,
      tables: [
        {
          title: `${otherName} speed / asgrad speed, and the control's (${CONTROL}), per pair of neighbouring slices`,
          header: ['case', 'median', 'quartiles', 'range', `control (${CONTROL}) median`, 'quartiles'],
          rows,
        },
      ],
    };
  },
};
