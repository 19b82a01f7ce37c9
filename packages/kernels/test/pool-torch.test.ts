// Pooling against PyTorch 1.13 (fixtures/conv_torch.json, made by fixtures/conv_torch.py).
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  avgPool2d,
  avgPool2dBackward,
  heap,
  maxPool2d,
  maxPool2dBackward,
  type Pool2dShape,
  ready,
} from '../src/index.js';

interface PoolCase {
  name: string;
  kind: 'max' | 'avg';
  shape: Pool2dShape;
  x: number[];
  dy: number[];
  out: number[];
  dx: number[];
  argmax: number[] | null;
}

const fixtures = JSON.parse(readFileSync(new URL('./fixtures/conv_torch.json', import.meta.url), 'utf8')) as {
  pool: PoolCase[];
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

function expectNear(got: number[], want: number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < got.length; i++)
    expect(Math.abs(got[i] - want[i]), `${what}[${i}]`).toBeLessThanOrEqual(
      1e-6 * Math.max(1, Math.abs(want[i])),
    );
}

describe('pooling vs PyTorch', () => {
  it('both kinds are covered', () => {
    expect(fixtures.pool.some((c) => c.kind === 'max')).toBe(true);
    expect(fixtures.pool.some((c) => c.kind === 'avg')).toBe(true);
  });

  for (const c of fixtures.pool) {
    it(c.name, () => {
      const s = c.shape;
      const n = c.out.length;
      const x = block(c.x);
      const dy = block(c.dy);
      const out = block(new Float32Array(n));
      const dx = block(new Float32Array(c.x.length));
      if (c.kind === 'max') {
        const arg = block(new Float32Array(n));
        maxPool2d(x, out, arg, s);
        // The max is one of the inputs, so it is exact; so is the index.
        expect(read(out, n)).toEqual(c.out);
        expect(
          Array.from(
            heap()
              .i32()
              .subarray(arg / 4, arg / 4 + n),
          ),
        ).toEqual(c.argmax);
        maxPool2dBackward(dy, arg, dx, s);
      } else {
        avgPool2d(x, out, s);
        expectNear(read(out, n), c.out, 'out');
        avgPool2dBackward(dy, dx, s);
      }
      expectNear(read(dx, c.x.length), c.dx, 'dx');
    });
  }
});
