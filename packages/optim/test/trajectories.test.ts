// Every optimizer and option set against PyTorch's trajectories (fixtures/optimizers.json):
// 6 steps of full-batch gradient descent on the fixture's linear regression.
import { describe, expect, it } from 'vitest';
import { backward, expectClose, fx, makeOptimizer, model } from './helpers.js';

describe('trajectories match PyTorch', () => {
  it('covers every optimizer', () => {
    expect(new Set(fx.cases.map((c) => c.optimizer))).toEqual(
      new Set(['SGD', 'Adagrad', 'RMSprop', 'Adam', 'AdamW', 'Adamax', 'NAdam', 'Adadelta', 'Lion']),
    );
  });

  for (const c of fx.cases) {
    it(c.name, () => {
      const { W, b } = model();
      const opt = makeOptimizer(c, W, b);
      c.steps.forEach((want, t) => {
        opt.zeroGrad();
        const loss = backward(W, b);
        opt.step();
        expectClose([loss], [want.loss], `step ${t + 1} loss`);
        expectClose(W.dataSync(), want.W, `step ${t + 1} W`);
        expectClose(b.dataSync(), want.b, `step ${t + 1} b`);
      });
      // The parameters moved: the comparison is not between two unchanged starts.
      expect(Array.from(W.dataSync())).not.toEqual(fx.W0.map(Math.fround));
      opt.zeroGrad();
      opt.dispose();
      W.dispose();
      b.dispose();
    });
  }
});
