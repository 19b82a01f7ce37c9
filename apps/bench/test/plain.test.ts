import { describe, expect, it } from 'vitest';
import { plainMatmul } from '../src/peers/plain.js';
import type { MatmulSpec } from '../src/peers/types.js';

// The plain loop is the fallback reference of the matmul check, so each layout is checked
// against an explicit transpose followed by the textbook product.
function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(x.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
  return t;
}

describe('plainMatmul', () => {
  const m = 3;
  const k = 4;
  const n = 5;
  const A = Float32Array.from({ length: m * k }, (_, i) => i - 5);
  const B = Float32Array.from({ length: k * n }, (_, i) => (i % 7) - 3);
  const want = new Float32Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) want[i * n + j] += A[i * k + p] * B[p * n + j];

  for (const [transA, transB] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ]) {
    it(`computes op(A)·op(B) with transA=${transA}, transB=${transB}`, () => {
      const spec: MatmulSpec = {
        m,
        n,
        k,
        transA,
        transB,
        a: transA ? transpose(A, m, k) : A,
        b: transB ? transpose(B, k, n) : B,
      };
      const c = new Float32Array(m * n).fill(Number.NaN);
      plainMatmul(spec, c);
      expect(Array.from(c)).toEqual(Array.from(want));
    });
  }
});
