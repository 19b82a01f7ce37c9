// Matrix products. One primitive, mm(a, b, transA, transB), whose backward is again mm with
// the transpose flags moved around, so the backward never materialises a transpose and
// second derivatives work.
import * as k from '@asgrad/kernels';
import { record } from '../graph.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { sumTo } from './reduce.js';
import { reshape } from './shape.js';
import { checkTensor, empty } from './util.js';

function dims(t: Tensor, trans: boolean) {
  const r = t.shape[t.rank - 2];
  const c = t.shape[t.rank - 1];
  return { batch: t.rank === 3 ? t.shape[0] : 1, rows: trans ? c : r, cols: trans ? r : c };
}

/** op(a)·op(b) for 2-D or 3-D (batched, batch 1 broadcasts) operands. */
export function mm(a: Tensor, b: Tensor, transA = false, transB = false, bias?: Tensor): Tensor {
  const A = dims(a, transA);
  const B = dims(b, transB);
  if (A.cols !== B.rows) {
    throw new Error(
      `matmul: inner dimensions differ: ${fmt(a.shape)}${transA ? 'ᵀ' : ''} @ ${fmt(b.shape)}${transB ? 'ᵀ' : ''}`,
    );
  }
  if (A.batch !== B.batch && A.batch !== 1 && B.batch !== 1) {
    throw new Error(`matmul: batch sizes differ: ${fmt(a.shape)} @ ${fmt(b.shape)}`);
  }
  const m = A.rows;
  const n = B.cols;
  const kk = A.cols;
  const batch = Math.max(A.batch, B.batch);
  const batched = a.rank === 3 || b.rank === 3;
  const out = empty(batched ? [batch, m, n] : [m, n]);
  k.matmul({
    a: a.ptr,
    b: b.ptr,
    out: out.ptr,
    m,
    n,
    k: kk,
    transA,
    transB,
    bias: bias?.ptr,
    batch,
    strideA: A.batch === 1 ? 0 : m * kk,
    strideB: B.batch === 1 ? 0 : kk * n,
    strideOut: m * n,
  });
  const as = a.shape;
  const bs = b.shape;
  const inputs = bias ? [a, b, bias] : [a, b];
  return record(
    'matmul',
    inputs,
    out,
    (g, [sa, sb]) => [
      a.requiresGrad ? sumTo(transA ? mm(sb, g, transB, true) : mm(g, sb, false, !transB), as) : null,
      b.requiresGrad ? sumTo(transB ? mm(g, sa, true, transA) : mm(sa, g, !transA, false), bs) : null,
      bias?.requiresGrad ? sumTo(g, bias.shape) : null,
    ],
    [a, b],
  );
}

function checkMatmul(op: string, a: Tensor, b: Tensor): void {
  checkTensor(op, a, 'float32', 'first operand');
  checkTensor(op, b, 'float32', 'second operand');
  for (const t of [a, b]) {
    if (t.rank !== 2 && t.rank !== 3) {
      throw new Error(
        `${op}: operands must be 2-D or 3-D (batched), got shapes ${fmt(a.shape)} and ${fmt(b.shape)}`,
      );
    }
  }
}

/** Matrix product of 2-D or batched 3-D tensors (a 3-D · 2-D product folds the batch into rows). */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkMatmul('matmul', a, b);
  if (a.rank === 3 && b.rank === 2) {
    const [bt, m, kk] = a.shape;
    if (kk !== b.shape[0])
      throw new Error(`matmul: inner dimensions differ: ${fmt(a.shape)} @ ${fmt(b.shape)}`);
    const a2 = reshape(a, [bt * m, kk]);
    const y = mm(a2, b);
    const out = reshape(y, [bt, m, b.shape[1]]);
    a2.dispose();
    y.dispose();
    return out;
  }
  return mm(a, b);
}

/**
 * x·wᵀ + b with the bias fused into the product (PyTorch's F.linear; weight is [out, in]).
 * @example
 * ```ts
 * const y = linear(x, weight, bias); // x [batch, in] -> y [batch, out]
 * ```
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkMatmul('linear', x, weight);
  if (x.rank !== 2 || weight.rank !== 2) {
    throw new Error(
      `linear: expected x [batch, in] and weight [out, in], got ${fmt(x.shape)} and ${fmt(weight.shape)}`,
    );
  }
  if (x.shape[1] !== weight.shape[1]) {
    throw new Error(
      `linear: x has ${x.shape[1]} features but weight ${fmt(weight.shape)} expects ${weight.shape[1]}`,
    );
  }
  if (bias) {
    checkTensor('linear', bias, 'float32', 'bias');
    if (bias.rank !== 1 || bias.shape[0] !== weight.shape[0]) {
      throw new Error(`linear: bias of shape ${fmt(bias.shape)} does not match weight ${fmt(weight.shape)}`);
    }
  }
  return mm(x, weight, false, true, bias ?? undefined);
}
