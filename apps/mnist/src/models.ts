// The two networks the CLI trains, in PyTorch layouts (weights load into the same
// nn.Sequential in PyTorch through safetensors).
import { scope, type Tensor } from '@asgrad/autograd';
import { Conv2d, Dropout, Flatten, Linear, MaxPool2d, type Module, ReLU, Sequential } from '@asgrad/nn';

export const MODEL_NAMES = ['mlp', 'cnn'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/**
 * - `mlp`: 784-128-10 with ReLU (101,770 parameters).
 * - `cnn`: two 3x3 convolutions (32 and 64 channels, padding 1) each followed by ReLU and 2x2
 *   max-pooling, dropout 0.25, dense 10 (50,186 parameters). Padding and pooling after each
 *   convolution keep the second convolution on 14x14 maps, a third of the work of the
 *   unpadded 24x24 layout, at the same accuracy.
 *
 * Both take `[b, 1, 28, 28]` batches and return logits `[b, 10]`. Initialised from asgrad's
 * global generator, so `manualSeed` first for a reproducible model.
 */
export function buildModel(name: ModelName): Sequential {
  switch (name) {
    case 'mlp':
      return new Sequential(new Flatten(), new Linear(784, 128), new ReLU(), new Linear(128, 10));
    case 'cnn':
      return new Sequential(
        new Conv2d(1, 32, 3, { padding: 1 }),
        new ReLU(),
        new MaxPool2d(2),
        new Conv2d(32, 64, 3, { padding: 1 }),
        new ReLU(),
        new MaxPool2d(2),
        new Flatten(),
        new Dropout(0.25),
        new Linear(64 * 7 * 7, 10),
      );
  }
}

/** Whether `s` names a model. */
export function isModelName(s: string): s is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(s);
}

/**
 * Which model a set of weights belongs to (same names and shapes), or null. For checkpoints
 * that are a bare `model.safetensors` without metadata.
 */
export function modelOf(weights: Record<string, Tensor>): ModelName | null {
  const shapes = (sd: Record<string, { shape: readonly number[] }>) =>
    JSON.stringify(
      Object.entries(sd)
        .map(([k, t]) => [k, [...t.shape]])
        .sort(),
    );
  const given = shapes(weights);
  for (const name of MODEL_NAMES) {
    const expected = scope(() => {
      const m = buildModel(name);
      const s = shapes(m.stateDict());
      disposeModel(m);
      return s;
    });
    if (expected === given) return name;
  }
  return null;
}

/** Frees a model's parameters, gradients and buffers (kernel memory is not garbage-collected). */
export function disposeModel(model: Module): void {
  for (const p of model.parameters()) {
    p.grad?.dispose();
    p.grad = null;
    p.dispose();
  }
  for (const [, b] of model.namedBuffers()) b.dispose();
}
