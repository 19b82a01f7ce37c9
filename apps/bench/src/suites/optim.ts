// `optim`: the time of one optimizer step over 1M parameters (one flat parameter with a
// fixed gradient), asgrad's @asgrad/optim vs TF.js's optimizer of the same name.
import { OPTIMIZER_NAMES, OPTIMIZERS, type OptimizerName } from '../optimizers.js';
import type { OptimSpec, Peer } from '../peers/types.js';
import { SEED, uniform } from '../random.js';
import type { CaseResult } from '../report.js';
import { type Plan, runCase } from './common.js';
import type { Suite } from './types.js';

const FULL_PARAMS = 1 << 20;
const QUICK_PARAMS = 1 << 16;
const QUICK_OPTIMIZERS: OptimizerName[] = ['SGD', 'Adam', 'NAdam'];

export const optimSuite: Suite = {
  name: 'optim',
  title: 'one optimizer step (µs per step)',
  async run(ctx) {
    // jax-js has no optimizers of its own (they are in the separate @jax-js/optax).
    const peers = (await ctx.peers()).filter((p) => p.name === 'asgrad' || p.name.startsWith('tfjs'));
    const n = ctx.quick ? QUICK_PARAMS : FULL_PARAMS;
    const param = uniform(n, SEED + 4000);
    // Gradients of a few different magnitudes, as a real model has.
    const grad = uniform(n, SEED + 4001).map((g, i) => g * 10 ** ((i % 3) - 2));
    const cases: CaseResult[] = [];
    for (const name of ctx.quick ? QUICK_OPTIMIZERS : OPTIMIZER_NAMES) {
      const spec: OptimSpec = { name, param, grad };
      ctx.log(`optim ${name}`);
      const plan = (p: Peer): Plan => {
        const f = p.optimizer;
        if (!f) return { skip: 'no optimizers' };
        const tfjs = OPTIMIZERS[name].tfjs;
        if (p.name.startsWith('tfjs') && 'missing' in tfjs) return { skip: tfjs.missing };
        return { prepare: () => f(spec) };
      };
      cases.push({
        name: `${name}, ${n.toLocaleString('en-US')} parameters`,
        params: { optimizer: name, n },
        // Compared is the first step's change of the parameter (~lr), not the parameter itself.
        cells: await runCase(ctx, peers, plan, 'asgrad', 1e-3),
      });
    }
    const settings = OPTIMIZER_NAMES.map((name) => {
      const o = OPTIMIZERS[name];
      const tf = 'missing' in o.tfjs ? 'none' : `tf.train.${o.tfjs.factory}(${o.tfjs.args.join(', ')})`;
      return `${name}: asgrad \`${o.asgrad.cls}(${JSON.stringify(o.asgrad.options)})\`, TF.js \`${tf}\`${o.difference ? ` (${o.difference})` : ''}`;
    });
    return {
      suite: 'optim',
      title: this.title,
      unit: 'µs',
      peers: peers.map((p) => p.name),
      baseline: 'asgrad',
      notes: [
        `One parameter of ${n.toLocaleString('en-US')} floats with a fixed gradient; a call is one step (the optimizer state carries over between calls, as in training).`,
        'asgrad: `opt.step()` of @asgrad/optim (fused wasm update kernels) with `.grad` assigned once. TF.js: `optimizer.applyGradients({ [variable.name]: grad })` on a `tf.variable`. jax-js is not in this suite: its optimizers live in the separate @jax-js/optax package.',
        "Settings, chosen so both libraries run the same rule (TF.js's defaults differ from PyTorch's): " +
          settings.join('; '),
        'The check compares the first step’s change of the parameter; ≠ marks a difference above 1e-3 of the largest change.',
        'Lower µs is better; the ratio columns are asgrad speed / peer speed.',
      ],
      cases,
    };
  },
};
