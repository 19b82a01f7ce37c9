// softmax / logSoftmax along an axis (the kernels work on the last axis; another axis is
// moved last and back).
import * as k from '@asgrad/kernels';
import { isGradEnabled, record } from '../graph.js';
import { normAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { exp, mul, sub } from './elementwise.js';
import { sum } from './reduce.js';
import { transpose } from './shape.js';
import { checkTensor, empty } from './util.js';

function alongAxis(op: string, x: Tensor, axis: number, fn: (t: Tensor) => Tensor): Tensor {
  checkTensor(op, x, 'float32');
  if (x.rank === 0) throw new Error(`${op}: needs a tensor of rank >= 1, got a scalar`);
  const a = normAxis(op, axis, x.rank);
  if (a === x.rank - 1) return fn(x);
  const moved = transpose(x, a, -1);
  const y = fn(moved);
  const out = transpose(y, a, -1);
  moved.dispose();
  y.dispose();
  return out;
}

function lastAxis(x: Tensor) {
  const cols = x.shape[x.rank - 1];
  return { cols, rows: cols === 0 ? 0 : x.size / cols };
}

/** exp(x) / Σ exp(x) along `axis` (default last), computed stably. */
export function softmax(x: Tensor, axis = -1): Tensor {
  return alongAxis('softmax', x, axis, (t) => {
    const { rows, cols } = lastAxis(t);
    const y = empty(t.shape);
    k.softmax(t.ptr, y.ptr, rows, cols);
    return record(
      'softmax',
      [t],
      y,
      (g, [sy]) => {
        if (isGradEnabled()) return [mul(sy, sub(g, sum(mul(g, sy), -1, true)))];
        const dx = empty(g.shape);
        k.softmaxBackward(sy.ptr, g.ptr, dx.ptr, rows, cols);
        return [dx];
      },
      [y],
    );
  });
}

/** x - log Σ exp(x) along `axis` (default last), computed stably. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return alongAxis('logSoftmax', x, axis, (t) => {
    const { rows, cols } = lastAxis(t);
    const y = empty(t.shape);
    k.logSoftmax(t.ptr, y.ptr, rows, cols);
    return record(
      'logSoftmax',
      [t],
      y,
      (g, [sy]) => {
        if (isGradEnabled()) return [sub(g, mul(exp(sy), sum(g, -1, true)))];
        const dx = empty(g.shape);
        k.logSoftmaxBackward(sy.ptr, g.ptr, dx.ptr, rows, cols);
        return [dx];
      },
      [y],
    );
  });
}
