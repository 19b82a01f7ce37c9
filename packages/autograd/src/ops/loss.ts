// Losses. crossEntropy is a fused primitive (softmax + NLL in one kernel, saved softmax reused
// by the backward); mseLoss and binaryCrossEntropy are composites with no backward of their own.
import * as k from '@asgrad/kernels';
import { isGradEnabled, record } from '../graph.js';
import { scope } from '../memory.js';
import { fmt } from '../shape.js';
import { Tensor } from '../tensor.js';
import { add, clamp, log, mul, neg, sub } from './elementwise.js';
import { mean } from './reduce.js';
import { softmax } from './softmax.js';
import { checkTensor, empty } from './util.js';

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions {
  /** PyTorch's label_smoothing: the target mixes one-hot with a uniform distribution (default 0). */
  labelSmoothing?: number;
}

function labelTensor(
  labels: Tensor | Int32Array | readonly number[],
  rows: number,
): { t: Tensor; owned: boolean } {
  if (labels instanceof Tensor || (labels as { isTensor?: boolean }).isTensor) {
    const t = labels as Tensor;
    checkTensor('crossEntropy', t, 'int32', 'labels');
    if (t.size !== rows || t.rank !== 1) {
      throw new Error(`crossEntropy: labels of shape ${fmt(t.shape)} do not match ${rows} rows of logits`);
    }
    return { t, owned: false };
  }
  const arr = labels as ArrayLike<number>;
  if (arr.length !== rows) throw new Error(`crossEntropy: ${arr.length} labels for ${rows} rows of logits`);
  const t = empty([rows], 'int32');
  const buf = k.heap().i32();
  const p = t.ptr >>> 2;
  for (let i = 0; i < rows; i++) {
    const v = arr[i];
    if (!Number.isInteger(v)) {
      t.dispose();
      throw new Error(`crossEntropy: label ${v} at row ${i} is not an integer`);
    }
    buf[p + i] = v;
  }
  return { t, owned: true };
}

/**
 * Mean cross-entropy between `logits` [batch, classes] and integer class `labels` (an int32
 * tensor, Int32Array or number[]), with the log-softmax fused in (PyTorch's F.cross_entropy).
 * @example
 * ```ts
 * const loss = crossEntropy(model.forward(x), y);
 * ```
 */
export function crossEntropy(
  logits: Tensor,
  labels: Tensor | Int32Array | readonly number[],
  options: CrossEntropyOptions = {},
): Tensor {
  checkTensor('crossEntropy', logits, 'float32', 'logits');
  if (logits.rank !== 2)
    throw new Error(`crossEntropy: logits must be [batch, classes], got ${fmt(logits.shape)}`);
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1))
    throw new Error(`crossEntropy: labelSmoothing must be in [0, 1], got ${smoothing}`);
  const [rows, cols] = logits.shape;
  if (rows === 0) throw new Error('crossEntropy: empty batch');
  const { t: lab, owned } = labelTensor(labels, rows);
  const probs = empty(logits.shape);
  let lossValue: number;
  try {
    lossValue = k.softmaxCrossEntropy(logits.ptr, lab.ptr, rows, cols, probs.ptr, smoothing);
  } catch (e) {
    probs.dispose();
    if (owned) lab.dispose();
    throw e;
  }
  const loss = empty([]);
  k.fillF32(loss.ptr, 1, lossValue);
  const out = record(
    'crossEntropy',
    [logits],
    loss,
    (g, [sp, sl, sx]) => {
      if (!isGradEnabled()) {
        const dx = empty(sp.shape);
        k.softmaxCrossEntropyBackward(sp.ptr, sl.ptr, rows, cols, g.item(), dx.ptr, smoothing);
        return [dx];
      }
      // Differentiable form for higher-order gradients: (softmax(x) - target) * g / rows.
      const target = empty([rows, cols]);
      const zeros = empty([rows, cols]);
      k.fillF32(zeros.ptr, zeros.size, 0);
      k.softmaxCrossEntropyBackward(zeros.ptr, sl.ptr, rows, cols, -rows, target.ptr, smoothing);
      zeros.dispose();
      const r = mul(sub(softmax(sx), target), mul(g, 1 / rows));
      target.dispose();
      return [r];
    },
    [probs, lab, logits],
  );
  probs.dispose();
  if (owned) lab.dispose();
  return out;
}

function checkPair(op: string, input: Tensor, target: Tensor): void {
  checkTensor(op, input, 'float32', 'input');
  checkTensor(op, target, 'float32', 'target');
  if (input.shape.join() !== target.shape.join()) {
    throw new Error(
      `${op}: input ${fmt(input.shape)} and target ${fmt(target.shape)} must have the same shape`,
    );
  }
}

/** Mean squared error, mean((input - target)²). */
export function mseLoss(input: Tensor, target: Tensor): Tensor {
  checkPair('mseLoss', input, target);
  return scope(() => {
    const d = sub(input, target);
    return mean(mul(d, d));
  });
}

/**
 * Binary cross-entropy between probabilities `input` in [0, 1] and `target`, mean reduction;
 * the logs are clamped at -100 as in PyTorch so a saturated prediction gives a finite loss.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor): Tensor {
  checkPair('binaryCrossEntropy', input, target);
  return scope(() => {
    const logP = clamp(log(input), -100);
    const log1mP = clamp(log(add(neg(input), 1)), -100);
    return neg(mean(add(mul(target, logP), mul(add(neg(target), 1), log1mP))));
  });
}
