// Losses and metrics. The fused / composite losses live in autograd; nn adds the with-logits
// binary cross-entropy and accuracy.
import { noGrad, scope, type Tensor } from '@asgrad/autograd';

export type { CrossEntropyOptions } from '@asgrad/autograd';
export { binaryCrossEntropy, crossEntropy, mseLoss } from '@asgrad/autograd';

/**
 * Binary cross-entropy on logits, computed stably as mean(max(x, 0) - x·t + log(1 + e^-|x|))
 * (PyTorch's binary_cross_entropy_with_logits).
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor): Tensor {
  if (logits.shape.join() !== target.shape.join()) {
    throw new Error(
      `binaryCrossEntropyWithLogits: input [${logits.shape}] and target [${target.shape}] must have the same shape`,
    );
  }
  return scope(() => logits.relu().sub(logits.mul(target)).add(logits.abs().neg().exp().add(1).log()).mean());
}

/** Fraction of rows whose argmax matches the integer label (a number in [0, 1]). */
export function accuracy(logits: Tensor, labels: Tensor | Int32Array | readonly number[]): number {
  if (logits.rank !== 2) throw new Error(`accuracy: logits must be [batch, classes], got [${logits.shape}]`);
  const n = logits.shape[0];
  const want = 'dataSync' in labels ? labels.dataSync() : labels;
  if (want.length !== n) throw new Error(`accuracy: ${want.length} labels for ${n} rows`);
  if (n === 0) return 0;
  const got = scope(() => noGrad(() => logits.argmax(1).dataSync()));
  let hits = 0;
  for (let i = 0; i < n; i++) if (got[i] === want[i]) hits++;
  return hits / n;
}
