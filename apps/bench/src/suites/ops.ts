// `ops`: per-op overhead, i.e. the time of one elementwise add at 1, 1,000 and 100,000
// elements, where the first is nearly all dispatch cost and the last nearly all memory traffic.
import type { AddSpec, Peer } from '../peers/types.js';
import { SEED, uniform } from '../random.js';
import type { CaseResult } from '../report.js';
import { type Plan, runCase } from './common.js';
import type { Suite } from './types.js';

const SIZES = [1, 1000, 100_000];

export const opsSuite: Suite = {
  name: 'ops',
  title: 'per-op overhead of an elementwise add (µs per call)',
  async run(ctx) {
    const peers = (await ctx.peers()).filter((p) => p.name !== 'plain-js' && !p.name.startsWith('asgrad-'));
    const cases: CaseResult[] = [];
    for (const [i, n] of SIZES.entries()) {
      const spec: AddSpec = { n, a: uniform(n, SEED + 1000 + 2 * i), b: uniform(n, SEED + 1001 + 2 * i) };
      const name = `add, ${n.toLocaleString('en-US')} element${n === 1 ? '' : 's'}`;
      ctx.log(`ops ${name}`);
      const plan = (p: Peer): Plan => {
        const add = p.add;
        return add ? { prepare: () => add(spec) } : { skip: 'no add' };
      };
      // f32 addition is exact-rounded everywhere, so every peer must agree bit for bit.
      cases.push({ name, params: { n }, cells: await runCase(ctx, peers, plan, 'asgrad', 0) });
    }
    return {
      suite: 'ops',
      title: this.title,
      unit: 'µs',
      peers: peers.map((p) => p.name),
      baseline: 'asgrad',
      notes: [
        'asgrad: `a.add(b)` through the public Tensor API of @asgrad/autograd, on 1 thread, result disposed each call.',
        'TF.js: `tf.add(a, b)` with prod mode on, result disposed each call. jax-js: eager `np.add(a.ref, b.ref)`, `await blockUntilReady()` (its ops are lazy) and dispose each call.',
        'Lower µs is better; the ratio columns are still asgrad speed / peer speed (peer µs / asgrad µs).',
      ],
      cases,
    };
  },
};
