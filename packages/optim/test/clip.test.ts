// Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_.
import * as ag from '@asgrad/autograd';
import { describe, expect, it } from 'vitest';
import { clipGradNorm, clipGradValue } from '../src/index.js';

function params(...grads: number[][]): ag.Tensor[] {
  return grads.map((g) => {
    const p = ag.tensor(new Float32Array(g.length), { shape: [g.length], requiresGrad: true });
    p.grad = ag.tensor(Float32Array.from(g), { shape: [g.length] });
    return p;
  });
}

const grads = (ps: ag.Tensor[]) => ps.map((p) => Array.from(p.grad!.dataSync()));

describe('clipGradNorm', () => {
  it('returns the total norm and scales the gradients to maxNorm when above it', () => {
    const ps = params([3, 4], [12]);
    const noGrad = ag.tensor([1, 1], { requiresGrad: true });
    expect(clipGradNorm([...ps, noGrad], 6.5)).toBeCloseTo(13, 6);
    const coef = 6.5 / (13 + 1e-6);
    grads(ps)
      .flat()
      .forEach((g, i) => {
        expect(g).toBeCloseTo([3, 4, 12][i] * coef, 6);
      });
    expect(clipGradNorm(ps, 100)).toBeCloseTo(6.5, 5);
    expect(noGrad.grad).toBeNull();
  });

  it('leaves gradients below maxNorm untouched', () => {
    const ps = params([0.3, -0.4]);
    expect(clipGradNorm(ps, 1)).toBeCloseTo(0.5, 7);
    expect(grads(ps)).toEqual([[Math.fround(0.3), Math.fround(-0.4)]]);
  });

  it('other norms: max and p = 1', () => {
    expect(clipGradNorm(params([3, -7], [5]), 100, { normType: Number.POSITIVE_INFINITY })).toBe(7);
    const ps = params([3, -7], [5]);
    expect(clipGradNorm(ps, 7.5, { normType: 1 })).toBe(15);
    expect(
      grads(ps)
        .flat()
        .reduce((s, g) => s + Math.abs(g), 0),
    ).toBeCloseTo(7.5, 5);
  });

  it('a non-finite norm: returned, or an error when asked', () => {
    expect(clipGradNorm(params([1, Number.NaN]), 1)).toBeNaN();
    const ps = params([1, Number.POSITIVE_INFINITY]);
    expect(() => clipGradNorm(ps, 1, { errorIfNonfinite: true })).toThrow(
      'clipGradNorm: the total norm of order 2 of the gradients is Infinity',
    );
    expect(grads(ps)).toEqual([[1, Number.POSITIVE_INFINITY]]);
  });

  it('bad arguments', () => {
    expect(() => clipGradNorm(params([1]), -1)).toThrow('clipGradNorm: invalid maxNorm -1');
    expect(() => clipGradNorm(params([1]), 1, { normType: 0 })).toThrow(
      'clipGradNorm: normType must be a number > 0',
    );
    expect(() => clipGradNorm([1 as unknown as ag.Tensor], 1)).toThrow(
      'clipGradNorm: params[0] is not a Tensor',
    );
  });
});

describe('clipGradValue', () => {
  it('clamps every element into [-v, v]', () => {
    const ps = params([3, -0.2, -7], [0.5]);
    clipGradValue(ps, 1);
    expect(grads(ps)).toEqual([[1, Math.fround(-0.2), -1], [0.5]]);
    expect(() => clipGradValue(ps, Number.NaN)).toThrow('clipGradValue: invalid clipValue NaN');
  });
});
