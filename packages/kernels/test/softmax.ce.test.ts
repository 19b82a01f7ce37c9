import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { heap, ready, softmaxCrossEntropy, softmaxCrossEntropyBackward } from '../src/index.js';

beforeAll(() => ready());

/** Made by fixtures/make_softmax_ce.py: PyTorch F.cross_entropy (mean, label_smoothing) in float64. */
interface Case {
  rows: number;
  cols: number;
  smoothing: number;
  gradLoss: number;
  logits: number[];
  labels: number[];
  loss: number;
  probs: number[];
  grad: number[];
}
const fixture: { torch: string; cases: Case[] } = JSON.parse(
  readFileSync(new URL('./fixtures/softmax_ce.json', import.meta.url), 'utf8'),
);

const blocks: number[] = [];
afterEach(() => {
  for (const p of blocks.splice(0)) heap().free(p);
});

function alloc(n: number): number {
  const p = heap().alloc(Math.max(1, n) * 4);
  blocks.push(p);
  return p;
}

function putF32(values: ArrayLike<number>): number {
  const p = alloc(values.length);
  heap()
    .f32()
    .set(values, p >>> 2);
  return p;
}

function putI32(values: ArrayLike<number>): number {
  const p = alloc(values.length);
  heap()
    .i32()
    .set(values, p >>> 2);
  return p;
}

function get(p: number, n: number): Float32Array {
  return heap()
    .f32()
    .slice(p >>> 2, (p >>> 2) + n);
}

describe('softmaxCrossEntropy vs PyTorch', () => {
  it('has fixtures with and without label smoothing', () => {
    expect(fixture.torch).toMatch(/^1\.13/);
    expect(fixture.cases.some((c) => c.smoothing === 0)).toBe(true);
    expect(fixture.cases.some((c) => c.smoothing > 0)).toBe(true);
  });

  for (const c of fixture.cases) {
    const name = `[${c.rows}, ${c.cols}] smoothing ${c.smoothing}, logit scale ~${Math.round(
      Math.max(...c.logits.map(Math.abs)),
    )}`;
    it(`loss, probs and gradient match for ${name}`, () => {
      const n = c.rows * c.cols;
      const logits = putF32(c.logits);
      const labels = putI32(c.labels);
      const probs = alloc(n);
      const loss = softmaxCrossEntropy(logits, labels, c.rows, c.cols, probs, c.smoothing);
      expect(Math.abs(loss - c.loss)).toBeLessThanOrEqual(2e-6 * Math.abs(c.loss) + 1e-6);
      const p = get(probs, n);
      for (let i = 0; i < n; i++)
        expect(Math.abs(p[i] - c.probs[i])).toBeLessThanOrEqual(2e-6 * c.probs[i] + 1e-45);

      const dx = alloc(n);
      softmaxCrossEntropyBackward(probs, labels, c.rows, c.cols, c.gradLoss, dx, c.smoothing);
      const g = get(dx, n);
      const unit = Math.abs(c.gradLoss) / c.rows;
      for (let i = 0; i < n; i++) expect(Math.abs(g[i] - c.grad[i])).toBeLessThanOrEqual(1e-6 * unit);
    });
  }

  it('writes the same gradient into the probs block when asked to (in place)', () => {
    const c = fixture.cases[1];
    const n = c.rows * c.cols;
    const probs = alloc(n);
    const labels = putI32(c.labels);
    softmaxCrossEntropy(putF32(c.logits), labels, c.rows, c.cols, probs, c.smoothing);
    softmaxCrossEntropyBackward(probs, labels, c.rows, c.cols, c.gradLoss, probs, c.smoothing);
    const g = get(probs, n);
    for (let i = 0; i < n; i++) expect(Math.abs(g[i] - c.grad[i])).toBeLessThanOrEqual(1e-6 / c.rows);
  });
});

describe('softmaxCrossEntropy argument checks', () => {
  it('names the row and value of an out-of-range label, in forward and backward', () => {
    const logits = putF32(new Float32Array(12));
    const probs = alloc(12);
    const dx = alloc(12);
    const bad = putI32([0, 3, 4]);
    expect(() => softmaxCrossEntropy(logits, bad, 3, 4, probs)).toThrow(
      /softmaxCrossEntropy: label 4 at row 2 is outside \[0, 4\)/,
    );
    const negative = putI32([0, -1, 1]);
    expect(() => softmaxCrossEntropy(logits, negative, 3, 4, probs)).toThrow(/label -1 at row 1/);
    expect(() => softmaxCrossEntropyBackward(probs, bad, 3, 4, 1, dx)).toThrow(
      /softmaxCrossEntropyBackward: label 4 at row 2 is outside \[0, 4\)/,
    );
  });

  it('rejects bad smoothing, sizes and too-small blocks before running', () => {
    const logits = putF32(new Float32Array(12));
    const labels = putI32([0, 1, 2]);
    const probs = alloc(12);
    const small = alloc(4);
    const op = softmaxCrossEntropy;
    expect(() => op(logits, labels, 3, 4, probs, 1.5)).toThrow(/smoothing must be in \[0, 1\], got 1.5/);
    expect(() => op(logits, labels, 3, 4, probs, Number.NaN)).toThrow(/smoothing must be in \[0, 1\]/);
    expect(() => op(logits, labels, 3, 4, small)).toThrow(/softmaxCrossEntropy: probs needs 48 bytes/);
    expect(() => op(small, labels, 3, 4, probs)).toThrow(/softmaxCrossEntropy: logits needs 48 bytes/);
    expect(() => op(logits, labels, 5, 2, probs)).toThrow(/softmaxCrossEntropy: labels needs 20 bytes/);
    expect(() => op(logits, labels, -3, 4, probs)).toThrow(/rows must be a non-negative integer/);
    expect(() => softmaxCrossEntropyBackward(probs, labels, 3, 4, 1, small)).toThrow(
      /softmaxCrossEntropyBackward: dx needs 48 bytes/,
    );
  });
});
