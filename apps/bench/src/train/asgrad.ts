// asgrad's training step as a user writes it: an @asgrad/nn `Sequential`, `crossEntropy`,
// Adam from @asgrad/optim, each step in `scope` so its intermediates are freed when it returns.
import * as ag from '@asgrad/autograd';
import * as kernels from '@asgrad/kernels';
import { Conv2d, crossEntropy, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@asgrad/nn';
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

function buildModel(model: TrainInit['model']): Sequential {
  if (model === 'mlp') return new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
  return new Sequential(
    new Conv2d(1, 32, 3),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(32, 64, 3),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Dropout(DROPOUT),
    new Linear(1600, 10),
  );
}

export async function asgradTrainer(init: TrainInit, data: TrainData): Promise<Trainer> {
  // Always set the count: the kernels default to every core, so a 1-thread peer that left it
  // alone would run on all of them.
  const setThreads = findSetThreads();
  if (setThreads) await setThreads(init.threads);
  else if (init.threads > 1) throw new Error('@asgrad/kernels has no setThreads yet (no thread pool)');
  ag.manualSeed(init.seed);
  const model = buildModel(init.model);
  // The shared initial weights: the model's parameters are in the same order as MODEL_PARAMS.
  const w = weightArrays(init);
  const specs = MODEL_PARAMS[init.model];
  const sd = ag.scope(() =>
    Object.fromEntries(
      Object.keys(model.stateDict()).map((key, i) => [
        key,
        ag.tensor(w[specs[i].name], { shape: specs[i].shape }),
      ]),
    ),
  );
  model.loadStateDict(sd);
  for (const t of Object.values(sd)) t.dispose();
  model.train();
  const opt = new Adam(model.parameters(), { lr: ADAM.lr, betas: [ADAM.beta1, ADAM.beta2], eps: ADAM.eps });
  const b = init.batch;
  const shape = init.model === 'mlp' ? [b, 784] : [b, 1, 28, 28];
  const info = ag.kernelInfo();
  return {
    library: {
      name: '@asgrad/nn + @asgrad/optim',
      version: packageVersion('@asgrad/nn'),
      build: `${info.simd}, ${info.threads} thread${info.threads === 1 ? '' : 's'}`,
    },
    async round(steps) {
      let total = 0;
      const t0 = performance.now();
      for (let s = 0; s < steps; s++) {
        total += ag.scope(() => {
          const x = ag.tensor(data.x.subarray(s * b * 784, (s + 1) * b * 784), { shape });
          const loss = crossEntropy(model.forward(x), data.y.subarray(s * b, (s + 1) * b));
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
