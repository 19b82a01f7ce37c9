import { beforeAll, describe, expect, it } from 'vitest';
import { addF32, heap, kernelInfo, ready } from '../src/index.js';

beforeAll(() => ready());

function block(values: number[]): number {
  const p = heap().alloc(values.length * 4);
  heap()
    .f32()
    .set(values, p / 4);
  return p;
}

describe('add_f32', () => {
  for (const n of [1, 3, 4, 5, 17, 33, 1000]) {
    it(`adds ${n} elements (SIMD body and scalar tail)`, () => {
      const a = Array.from({ length: n }, (_, i) => i * 0.5 - 3);
      const b = Array.from({ length: n }, (_, i) => Math.sin(i));
      const pa = block(a);
      const pb = block(b);
      const pc = heap().alloc(n * 4);
      addF32(pa, pb, pc, n);
      const got = heap()
        .f32()
        .subarray(pc / 4, pc / 4 + n);
      for (let i = 0; i < n; i++) expect(got[i]).toBe(Math.fround(Math.fround(a[i]) + Math.fround(b[i])));
      for (const p of [pa, pb, pc]) heap().free(p);
    });
  }

  it('rejects a count larger than a block before running', () => {
    const pa = block([1, 2, 3]);
    expect(() => addF32(pa, pa, pa, 100)).toThrow(/add: a needs 400 bytes but its block holds 16/);
    expect(() => addF32(pa, pa, pa, -1)).toThrow(/non-negative integer/);
    heap().free(pa);
    expect(() => addF32(pa, pa, pa, 1)).toThrow(/not a live block/);
  });

  it('reports which build runs', () => {
    const info = kernelInfo();
    expect(['relaxed', 'simd128']).toContain(info.simd);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.wasmBytes).toBeGreaterThan(0);
  });
});
