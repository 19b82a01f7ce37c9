import { addF32, heap } from '@asgrad/kernels';
import { describe, expect, it } from 'vitest';
import { kernelInfo, ready } from '../src/index.js';

describe('autograd reaches the kernels package', () => {
  it('loads the wasm through the workspace dependency and runs a SIMD add', async () => {
    await ready();
    expect(['relaxed', 'simd128']).toContain(kernelInfo().simd);
    const p = heap().alloc(20);
    heap()
      .f32()
      .set([1, 2, 3, 4, 5], p / 4);
    addF32(p, p, p, 5);
    expect(
      Array.from(
        heap()
          .f32()
          .subarray(p / 4, p / 4 + 5),
      ),
    ).toEqual([2, 4, 6, 8, 10]);
    heap().free(p);
  });
});
