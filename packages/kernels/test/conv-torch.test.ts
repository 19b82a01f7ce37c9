// conv2d and its gradients against PyTorch 1.13 (fixtures/conv_torch.json, made by
// fixtures/conv_torch.py in float64 from the same float32 inputs).
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Conv2dShape,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  heap,
  ready,
} from '../src/index.js';

interface ConvCase {
  name: string;
  shape: Conv2dShape;
  outShape: number[];
  x: number[];
  w: number[];
  bias: number[] | null;
  dy: number[];
  out: number[];
  dx: number[];
  dw: number[];
  dbias: number[] | null;
}

const fixtures = JSON.parse(readFileSync(new URL('./fixtures/conv_torch.json', import.meta.url), 'utf8')) as {
  conv: ConvCase[];
};

beforeAll(() => ready());

const live: number[] = [];
afterEach(() => {
  for (const p of live.splice(0)) heap().free(p);
});

function block(values: ArrayLike<number>): number {
  const p = heap().alloc(values.length * 4);
  heap()
    .f32()
    .set(values, p / 4);
  live.push(p);
  return p;
}
const read = (p: number, n: number) =>
  Array.from(
    heap()
      .f32()
      .subarray(p / 4, p / 4 + n),
  );

/** float32 accumulation of at most a few hundred terms of size ~1: within 2e-5 relative to the scale. */
function expectNear(got: number[], want: number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  const scale = Math.max(1, ...want.map(Math.abs));
  for (let i = 0; i < got.length; i++)
    expect(Math.abs(got[i] - want[i]), `${what}[${i}]`).toBeLessThanOrEqual(2e-5 * scale);
}

describe('conv2d vs PyTorch', () => {
  it('the fixtures are there', () => expect(fixtures.conv.length).toBeGreaterThanOrEqual(2));

  for (const c of fixtures.conv) {
    it(c.name, () => {
      const s = c.shape;
      const nOut = c.out.length;
      expect(c.outShape).toEqual([s.n, s.cOut, c.outShape[2], c.outShape[3]]);
      const x = block(c.x);
      const w = block(c.w);
      const b = c.bias ? block(c.bias) : 0;
      const dy = block(c.dy);
      const out = block(new Float32Array(nOut));
      const dx = block(new Float32Array(c.x.length));
      const dw = block(new Float32Array(c.w.length));
      const db = block(new Float32Array(s.cOut));
      conv2d(x, w, b, out, s);
      conv2dBackwardInput(dy, w, dx, s);
      conv2dBackwardWeight(x, dy, dw, c.dbias ? db : 0, s);
      expectNear(read(out, nOut), c.out, 'out');
      expectNear(read(dx, c.x.length), c.dx, 'dx');
      expectNear(read(dw, c.w.length), c.dw, 'dw');
      if (c.dbias) expectNear(read(db, s.cOut), c.dbias, 'dbias');
    });
  }
});
