// The matmul wrapper: argument checks before any kernel runs, and the packing scratch it
// keeps between calls.
import { beforeAll, describe, expect, it } from 'vitest';
import { heap, matmul, ready, releaseMatmulScratch } from '../src/index.js';

beforeAll(() => ready());

function block(values: number[]): number {
  const p = heap().alloc(values.length * 4);
  heap()
    .f32()
    .set(values, p / 4);
  return p;
}

const read = (p: number, n: number) =>
  Array.from(
    heap()
      .f32()
      .subarray(p / 4, p / 4 + n),
  );

describe('matmul wrapper', () => {
  it('rejects bad arguments, naming them, before touching out', () => {
    const a = block([1, 2, 3, 4, 5, 6]); // [2, 3]
    const b = block([1, 0, 0, 1, 1, 1]); // [3, 2]
    const out = block([7, 7, 7, 7]);
    const bias = block([1, 1]);
    const ok = { a, b, out, m: 2, n: 2, k: 3 };
    expect(() => matmul({ ...ok, m: -1 })).toThrow(/^matmul: m must be a non-negative integer, got -1$/);
    expect(() => matmul({ ...ok, k: 1.5 })).toThrow(/^matmul: k must be a non-negative integer/);
    expect(() => matmul({ ...ok, batch: Number.NaN })).toThrow(/^matmul: batch must be/);
    expect(() => matmul({ ...ok, strideB: -6 })).toThrow(/^matmul: strideB must be a non-negative integer/);
    expect(() => matmul({ ...ok, k: 5 })).toThrow(/^matmul: a needs 40 bytes but its block holds 32$/);
    expect(() => matmul({ ...ok, n: 3 })).toThrow(/^matmul: b needs 36 bytes but its block holds 32$/);
    expect(() => matmul({ ...ok, strideOut: 5, batch: 2, strideA: 0, strideB: 0 })).toThrow(
      /^matmul: out needs 36 bytes but its block holds 16$/,
    );
    expect(() => matmul({ ...ok, m: 3 })).toThrow(/^matmul: a needs 36 bytes but its block holds 32$/);
    expect(() => matmul({ ...ok, batch: 2 })).toThrow(/^matmul: a needs 48 bytes/);
    const wide = heap().alloc(5 * 4 * 2);
    expect(() => matmul({ a, b: wide, out: wide, m: 1, n: 5, k: 1, bias })).toThrow(
      /^matmul: bias needs 20 bytes but its block holds 16$/,
    );
    heap().free(wide);
    heap().free(bias);
    expect(() => matmul({ ...ok, bias })).toThrow(/^matmul: bias \(pointer \d+\) is not a live block/);
    expect(read(out, 4)).toEqual([7, 7, 7, 7]);
    matmul(ok);
    expect(read(out, 4)).toEqual([4, 5, 10, 11]);
    for (const p of [a, b, out]) heap().free(p);
  });

  it('keeps its packing scratch for reuse, grows it, and releases it on request', () => {
    const small = (n: number) => {
      const a = block(Array.from({ length: n * n }, (_, i) => i % 7));
      const eye = block(Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)));
      const out = heap().alloc(n * n * 4);
      matmul({ a, b: eye, out, m: n, n, k: n });
      expect(read(out, n * n)).toEqual(read(a, n * n));
      for (const p of [a, eye, out]) heap().free(p);
    };
    releaseMatmulScratch();
    const empty = heap().stats().bytesLive;
    small(3);
    const afterSmall = heap().stats().bytesLive;
    expect(afterSmall).toBeGreaterThan(empty); // the scratch stays
    small(3);
    expect(heap().stats().bytesLive).toBe(afterSmall); // and is reused
    small(200);
    expect(heap().stats().bytesLive).toBeGreaterThan(afterSmall); // grown for a bigger product
    small(3);
    releaseMatmulScratch();
    expect(heap().stats().bytesLive).toBe(empty);
    small(5); // allocated again on demand
  });

  it('returns at once for empty products and leaves out alone', () => {
    const out = block([9]);
    matmul({ a: out, b: out, out, m: 0, n: 1, k: 1 });
    matmul({ a: out, b: out, out, m: 1, n: 1, k: 1, batch: 0 });
    expect(read(out, 1)).toEqual([9]);
    heap().free(out);
  });
});
