// stridedStore32: contiguous src scattered into a strided view of dst, against a plain-JS
// reference; elements outside the view keep their values.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready, stridedCopy32, stridedStore32 } from '../src/index.js';
import { free, i32Block, readI32, SIZES } from './elementwise-helpers.js';

beforeAll(() => ready());

const KEEP = -7; // what dst holds before the store

/** The reference: dst (size words of KEEP) with src written at the view's elements. */
function scatter(src: number[], size: number, offset: number, shape: number[], strides: number[]): number[] {
  const out = new Array<number>(size).fill(KEEP);
  const idx = new Array<number>(shape.length).fill(0);
  for (const v of src) {
    out[offset + idx.reduce((p, i, d) => p + i * strides[d], 0)] = v;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

function store(size: number, offset: number, shape: number[], strides: number[]): number[] {
  const n = shape.reduce((p, s) => p * s, 1);
  const src = Array.from({ length: n }, (_, i) => 100 + i);
  const s = i32Block(src);
  const d = i32Block(new Array<number>(size).fill(KEEP));
  stridedStore32(s, d, offset, shape, strides);
  const got = Array.from(readI32(d, size));
  free(s, d);
  expect(got).toEqual(scatter(src, size, offset, shape, strides));
  return got;
}

describe('stridedStore32', () => {
  const cases: [string, number, number, number[], number[]][] = [
    ["a conv input's crop: [2,3,4,4] into [2,3,5,5]", 150, 0, [2, 3, 4, 4], [75, 25, 5, 1]],
    ['rows 1..3, cols 2..5 of [5,6]', 30, 8, [2, 3], [6, 1]],
    ['transposed into [3,2]', 6, 0, [2, 3], [1, 2]],
    ['every third element', 100, 1, [33], [3]],
    ['rank 6 with size-1 axes', 720, 3, [2, 1, 3, 2, 2, 5], [360, 0, 120, 60, 10, 2]],
    ['empty', 4, 0, [3, 0], [1, 1]],
  ];
  for (const [name, size, offset, shape, strides] of cases) {
    it(name, () => {
      store(size, offset, shape, strides);
    });
  }

  it('runs contiguous and strided rows at every size', () => {
    for (const n of SIZES) {
      for (const [offset, stride] of [
        [0, 1],
        [3, 1],
        [1, 2],
        [2, 3],
      ])
        store(stride * n + offset + 2, offset, [n], [stride]);
    }
  });

  it('undoes stridedCopy32 of a non-overlapping view (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 0, max: 3 }),
        (shape, extra, offset) => {
          // Row-major strides of a larger array: each axis padded by extra[d] elements.
          const strides = new Array<number>(shape.length);
          let s = 1;
          for (let d = shape.length - 1; d >= 0; d--) {
            strides[d] = s;
            s *= shape[d] + extra[d];
          }
          const size = offset + s;
          const got = store(size, offset, shape, strides);
          const n = shape.reduce((p, x) => p * x, 1);
          const back = i32Block(new Array<number>(n).fill(0));
          const d = i32Block(got);
          stridedCopy32(d, offset, back, shape, strides);
          const round = Array.from(readI32(back, n));
          free(back, d);
          expect(round).toEqual(Array.from({ length: n }, (_, i) => 100 + i));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects views that write an element twice, out of range or over src', () => {
    const src = i32Block(new Array<number>(8).fill(0));
    const dst = i32Block(new Array<number>(8).fill(KEEP));
    expect(() => stridedStore32(src, dst, 0, [2, 2], [1, 1])).toThrow(
      /stridedStore32: dstStrides \[1,1\] with shape \[2,2\] write some element more than once/,
    );
    expect(() => stridedStore32(src, dst, 0, [4], [0])).toThrow(/write some element more than once/);
    expect(() => stridedStore32(src, dst, 3, [3], [-1])).toThrow(/write some element more than once/);
    expect(() => stridedStore32(src, dst, 0, [3, 3], [3, 1])).toThrow(
      /stridedStore32: dst needs 36 bytes but its block holds 32/,
    );
    expect(() => stridedStore32(src, dst, -1, [2], [1])).toThrow(/dstOffset must be a non-negative integer/);
    expect(() => stridedStore32(src, src, 0, [2], [1])).toThrow(/dst must be a different block from src/);
    expect(Array.from(readI32(dst, 8)), 'nothing written by a rejected call').toEqual(
      new Array(8).fill(KEEP),
    );
    expect(() => stridedStore32(src, dst, 7, [4, 1], [0, 5])).toThrow(/write some element more than once/);
    stridedStore32(src, dst, 7, [1, 1], [0, 0]); // size-1 axes may have any stride
    free(src, dst);
  });
});
