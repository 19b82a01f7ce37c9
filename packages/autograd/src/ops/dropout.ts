// Dropout: a seeded mask times the input (the mask is a constant, so the composite's
// backward is the mask too).
import * as k from '@asgrad/kernels';
import { noGrad } from '../graph.js';
import { globalGenerator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { clone, mul } from './elementwise.js';
import { checkTensor, empty } from './util.js';

/** Zeroes each element with probability p and scales the rest by 1/(1-p) when `training`. */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  checkTensor('dropout', x, 'float32');
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`dropout: p must be in [0, 1], got ${p}`);
  if (!training || p === 0) return clone(x);
  const mask = noGrad(() => empty(x.shape));
  k.dropoutMask(globalGenerator(), mask.ptr, mask.size, p);
  const y = mul(x, mask);
  mask.dispose();
  return y;
}
