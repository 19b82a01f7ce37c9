// asgrad's training step, written from @asgrad/autograd's functional ops with parameters
// created here (what a user without @asgrad/nn writes), Adam from @asgrad/optim, each step
// in `scope` so its intermediates are freed when it returns.
import * as ag from '@asgrad/autograd';
import * as kernels from '@asgrad/kernels';
import { Adam } from '@asgrad/optim';
import { packageVersion } from '../machine.js';
import { ADAM, DROPOUT, MODEL_PARAMS, type TrainInit } from './spec.js';
import { type TrainData, type Trainer, weightArrays } from './trainer.js';

type SetThreads = (n: number) => Promise<void>;

/** `setThreads` of @asgrad/kernels once its thread pool exists; undefined before. */
export function findSetThreads(): SetThreads | undefined {
  const f = (kernels as unknown as { setThreads?: SetThreads }).setThreads;
  return typeof f === 'function' ? f : undefined;
}

export async function asgradTrainer(init: TrainInit, data: TrainData): Promise<Trainer> {
  if (init.threads > 1) {
    const setThreads = findSetThreads();
    if (!setThreads) throw new Error('@asgrad/kernels has no setThreads yet (no thread pool)');
    await setThreads(init.threads);
  }
  ag.manualSeed(init.seed);
  const w = weightArrays(init);
  const p: Record<string, ag.Tensor> = {};
  for (const s of MODEL_PARAMS[init.model])
    p[s.name] = ag.tensor(w[s.name], { shape: s.shape, requiresGrad: true });
  const opt = new Adam(Object.values(p), { lr: ADAM.lr, betas: [ADAM.beta1, ADAM.beta2], eps: ADAM.eps });
  const b = init.batch;
  const forward =
    init.model === 'mlp'
      ? (x: ag.Tensor) =>
          ag.linear(ag.relu(ag.linear(x, p['fc1.weight'], p['fc1.bias'])), p['fc2.weight'], p['fc2.bias'])
      : (x: ag.Tensor) => {
          let h = ag.maxPool2d(ag.relu(ag.conv2d(x, p['conv1.weight'], p['conv1.bias'])), { kernelSize: 2 });
          h = ag.maxPool2d(ag.relu(ag.conv2d(h, p['conv2.weight'], p['conv2.bias'])), { kernelSize: 2 });
          h = ag.dropout(ag.flatten(h, 1), DROPOUT, true);
          return ag.linear(h, p['fc.weight'], p['fc.bias']);
        };
  const shape = init.model === 'mlp' ? [b, 784] : [b, 1, 28, 28];
  const info = ag.kernelInfo();
  return {
    library: {
      name: '@asgrad/autograd + @asgrad/optim',
      version: packageVersion('@asgrad/autograd'),
      build: `${info.simd}, ${info.threads} thread${info.threads === 1 ? '' : 's'}`,
    },
    async round(steps) {
      let total = 0;
      const t0 = performance.now();
      for (let s = 0; s < steps; s++) {
        total += ag.scope(() => {
          const x = ag.tensor(data.x.subarray(s * b * 784, (s + 1) * b * 784), { shape });
          const loss = ag.crossEntropy(forward(x), data.y.subarray(s * b, (s + 1) * b));
          opt.zeroGrad();
          loss.backward();
          opt.step();
          return loss.item();
        });
      }
      return { seconds: (performance.now() - t0) / 1e3, loss: total / steps };
    },
  };
}
