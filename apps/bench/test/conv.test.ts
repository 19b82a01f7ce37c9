import { describe, expect, it } from 'vitest';
import { cnnShapes, convFlops } from '../src/suites/conv.js';

describe('conv suite shapes', () => {
  it("are the CNN's two convolutions at the batch asked for", () => {
    const [c1, c2] = cnnShapes(128);
    expect([c1.n, c1.cIn, c1.h, c1.w, c1.cOut, c1.k]).toEqual([128, 1, 28, 28, 32, 3]);
    expect([c2.n, c2.cIn, c2.h, c2.w, c2.cOut, c2.k]).toEqual([128, 32, 13, 13, 64, 3]);
  });

  it('count 2 · n · cOut · oh · ow · cIn · k² flops per pass', () => {
    const [c1, c2] = cnnShapes(128);
    expect(convFlops(c1)).toBe(2 * 128 * 32 * 26 * 26 * 9);
    expect(convFlops(c2)).toBe(2 * 128 * 64 * 11 * 11 * 32 * 9);
  });
});
