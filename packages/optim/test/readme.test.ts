// The README's example runs as written and does what it says; a training loop keeps memory flat.
import { readFileSync } from 'node:fs';
import * as ag from '@asgrad/autograd';
import { describe, expect, it } from 'vitest';
import * as optim from '../src/index.js';

describe('README example', () => {
  it('fits the regression and writes a checkpoint a fresh optimizer loads', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)![1];
    const modules: Record<string, unknown> = { '@asgrad/autograd': ag, '@asgrad/optim': optim };
    const js = code.replace(
      /import \{([^}]*)\} from '([^']+)';/g,
      (_m, names: string, mod: string) => `const {${names}} = modules['${mod}'];`,
    );
    const logged: unknown[][] = [];
    const run = new Function('modules', 'console', `${js}\nreturn { w, b, checkpoint };`);
    const { w, b, checkpoint } = run(modules, { log: (...a: unknown[]) => logged.push(a) });
    expect(logged.length).toBe(1);
    const [wv, bv] = [w.dataSync(), b.dataSync()];
    expect(wv[0]).toBeCloseTo(2, 2);
    expect(wv[1]).toBeCloseTo(-3, 2);
    expect(bv[0]).toBeCloseTo(1, 2);
    const saved = JSON.parse(checkpoint);
    const fresh = new optim.AdamW([
      ag.zeros([2, 1], { requiresGrad: true }),
      ag.zeros([1], { requiresGrad: true }),
    ]);
    fresh.loadStateDict(saved.opt);
    expect(fresh.paramGroups[0].lr).toBe(saved.opt.paramGroups[0].lr);
    expect(fresh.state.size).toBe(2);
  });
});

describe('a training loop on autograd', () => {
  it('keeps tensors and heap bytes flat from the second step on', () => {
    const x = ag.randn([64, 8]);
    const y = ag.randn([64, 1]);
    const w = ag.randn([8, 1], { requiresGrad: true });
    const opt = new optim.Adam([w], { lr: 0.01, amsgrad: true });
    const sched = new optim.StepLR(opt, { stepSize: 5 });
    const step = () =>
      ag.scope(() => {
        opt.zeroGrad();
        const loss = ag.mseLoss(x.matmul(w), y);
        loss.backward();
        optim.clipGradNorm([w], 1);
        opt.step();
        sched.step();
        return loss.item();
      });
    const first = step();
    const after = ag.memoryInfo();
    let last = first;
    for (let i = 0; i < 20; i++) last = step();
    const now = ag.memoryInfo();
    expect(now.tensors).toBe(after.tensors);
    expect(now.heapBytesLive).toBe(after.heapBytesLive);
    expect(last).toBeLessThan(first);
  });
});
