// conv2d forward and both backward passes against a direct float64 nested-loop reference
// (conv-helpers.ts), through the public wrappers; conv-paths.test.ts covers each kernel path
// and every build.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CONV_SCRATCH_BYTES,
  type Conv2dShape,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  conv2dOutSize,
  heap,
  ready,
} from '../src/index.js';
import { expectClose, outSize, randoms, reference, shape } from './conv-helpers.js';

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
  heap()
    .f32()
    .slice(p / 4, p / 4 + n);

/** Runs all three passes for one shape and checks them against the reference. */
function checkShape(s: Conv2dShape, seed: number, withBias = true): void {
  const { oh, ow } = conv2dOutSize(s);
  expect({ oh, ow }).toEqual(outSize(s));
  const x = randoms(s.n * s.cIn * s.h * s.w, seed);
  const w = randoms(s.cOut * s.cIn * s.kh * s.kw, seed + 1);
  const b = withBias ? randoms(s.cOut, seed + 2) : null;
  const dy = randoms(s.n * s.cOut * oh * ow, seed + 3);
  const px = block(x);
  const pw = block(w);
  const pb = b ? block(b) : 0;
  const pdy = block(dy);
  const nOut = s.n * s.cOut * oh * ow;
  const pout = block(new Float32Array(nOut).fill(Number.NaN));
  const pdx = block(new Float32Array(x.length).fill(Number.NaN));
  const pdw = block(new Float32Array(w.length).fill(Number.NaN));
  const pdb = block(new Float32Array(s.cOut).fill(Number.NaN));

  conv2d(px, pw, pb, pout, s);
  conv2dBackwardInput(pdy, pw, pdx, s);
  conv2dBackwardWeight(px, pdy, pdw, withBias ? pdb : 0, s);

  const k = s.cIn * s.kh * s.kw;
  const ref = reference(s, x, w, b, dy);
  expectClose(read(pout, nOut), ref.out, k + 1, 'out');
  expectClose(read(pdx, x.length), ref.dx, s.cOut * s.kh * s.kw, 'dx');
  expectClose(read(pdw, w.length), ref.dw, s.n * oh * ow, 'dw');
  if (withBias) expectClose(read(pdb, s.cOut), ref.db, s.n * oh * ow, 'dbias');
  else expect(read(pdb, s.cOut).every(Number.isNaN)).toBe(true); // dbias 0: untouched
}

describe('conv2d, conv2dBackwardInput, conv2dBackwardWeight vs float64 reference', () => {
  let seed = 1;
  for (const k of [1, 2, 3, 5])
    for (const stride of [1, 2])
      for (const pad of [0, 1, 2])
        for (const n of [1, 3])
          for (const cIn of [1, 3]) {
            const s = shape({ n, cIn, kh: k, kw: k, strideH: stride, strideW: stride, padH: pad, padW: pad });
            const name = `k${k} s${stride} p${pad} n${n} cIn${cIn} on 7x9`;
            seed += 10;
            const caseSeed = seed;
            it(name, () => checkShape(s, caseSeed));
          }

  const odd: [string, Partial<Conv2dShape>][] = [
    [
      'non-square kernel 2x5, stride (2,1), padding (1,2)',
      { kh: 2, kw: 5, strideH: 2, strideW: 1, padH: 1, padW: 2 },
    ],
    ['stride 3 (general gather path), 11x13', { h: 11, w: 13, strideH: 3, strideW: 3, padH: 1, padW: 1 }],
    ['1x1 pointwise, 5 channels in, 7 out', { n: 2, cIn: 5, cOut: 7, kh: 1, kw: 1 }],
    [
      'input narrower than a SIMD group (w = 2), kernel covers the padding',
      { h: 3, w: 2, padH: 2, padW: 2, kh: 5, kw: 5 },
    ],
    ['kernel exactly the padded input size', { h: 3, w: 4, kh: 5, kw: 6, padH: 1, padW: 1 }],
    ['wide rows with stride 2 (SIMD and tail)', { h: 5, w: 40, strideW: 2, padW: 1 }],
    ['one output channel, 1x1 input padded to 3x3', { h: 1, w: 1, cOut: 1, padH: 1, padW: 1 }],
  ];
  for (const [name, o] of odd) it(name, () => checkShape(shape(o), name.length));

  it('without bias', () => checkShape(shape({ n: 2, cIn: 2, padH: 1, padW: 1 }), 99, false));

  it('batch of 0 does nothing but zero dw and dbias', () => {
    const s = shape({ n: 0, cIn: 2 });
    const pw = block(randoms(4 * 2 * 9, 5));
    const px = block([0]);
    const pdw = block(new Float32Array(4 * 2 * 9).fill(1));
    const pdb = block([1, 1, 1, 1]);
    conv2dBackwardWeight(px, px, pdw, pdb, s);
    expect(Array.from(read(pdw, 72)).every((v) => v === 0)).toBe(true);
    expect(Array.from(read(pdb, 4))).toEqual([0, 0, 0, 0]);
    const pout = block([5]);
    conv2d(px, pw, 0, pout, s);
    expect(read(pout, 1)[0]).toBe(5);
  });
});

describe('scratch memory', () => {
  // A padded image is 3 * 102 * 102 * 4 = 125 kB, so the padded chunks of at most half the budget
  // hold 4 images and the batch of 9 goes as 4 + 4 + 1, with 8-pixel panels across image borders.
  const s = shape({ n: 9, cIn: 3, h: 100, w: 100, padH: 1, padW: 1 });
  const paddedImage = 3 * 102 * 102 * 4;

  it('a batch split into chunks gives the reference results', () => checkShape(s, 4242));

  it('each pass stays within the budget and frees its scratch', () => {
    const x = block(randoms(9 * 3 * 100 * 100, 1));
    const w = block(randoms(4 * 27, 2));
    const out = block(new Float32Array(9 * 4 * 100 * 100));
    const dx = block(new Float32Array(9 * 3 * 100 * 100));
    const dw = block(new Float32Array(4 * 27));
    const db = block(new Float32Array(4));
    const passes = [
      () => conv2d(x, w, db, out, s),
      () => conv2dBackwardInput(out, w, dx, s),
      () => conv2dBackwardWeight(x, out, dw, db, s),
    ];
    for (const pass of passes) {
      const before = heap().stats();
      heap().resetPeak();
      pass();
      const after = heap().stats();
      expect(after.blocks).toBe(before.blocks);
      expect(after.bytesLive).toBe(before.bytesLive);
      expect(after.peak - before.bytesLive).toBeLessThanOrEqual(CONV_SCRATCH_BYTES);
      expect(after.peak - before.bytesLive).toBeGreaterThan(3 * paddedImage); // chunks of several images
    }
  });

  it('without padding, no copy of the batch is made', () => {
    const s0 = { ...s, padH: 0, padW: 0 };
    const x = block(randoms(9 * 3 * 100 * 100, 1));
    const w = block(randoms(4 * 27, 2));
    const out = block(new Float32Array(9 * 4 * 98 * 98));
    const before = heap().stats();
    heap().resetPeak();
    conv2d(x, w, 0, out, s0);
    expect(heap().stats().peak - before.bytesLive).toBeLessThan(paddedImage);
  });
});

describe('argument checks', () => {
  const s = shape({ n: 2, cIn: 3 });
  function bufs() {
    const x = block(randoms(2 * 3 * 7 * 9, 1));
    const w = block(randoms(4 * 3 * 9, 2));
    const dy = block(randoms(2 * 4 * 5 * 7, 3));
    return { x, w, dy };
  }

  it('kernel larger than the padded input', () => {
    const { x, w } = bufs();
    const out = block(new Float32Array(64));
    expect(() => conv2d(x, w, 0, out, shape({ h: 3, w: 3, kh: 5, kw: 5 }))).toThrow(
      'conv2d: kernel 5x5 is larger than the padded input 3x3 (input 3x3, padding [0, 0])',
    );
    expect(() => conv2dOutSize(shape({ h: 3, w: 3, kh: 4, kw: 3, padH: 0 }))).toThrow(/kernel 4x3 is larger/);
  });

  it('channel mismatch: a weight block for 2 input channels used as 3', () => {
    const { x, dy } = bufs();
    const w2 = block(randoms(4 * 2 * 9, 2));
    const out = block(new Float32Array(2 * 4 * 5 * 7));
    expect(() => conv2d(x, w2, 0, out, s)).toThrow(
      'conv2d: w [4,3,3,3] needs 432 bytes but its block holds 288',
    );
    expect(() => conv2dBackwardInput(dy, w2, x, s)).toThrow(/conv2dBackwardInput: w \[4,3,3,3\] needs 432/);
    expect(() => conv2dBackwardWeight(x, dy, w2, 0, s)).toThrow(/conv2dBackwardWeight: dw \[4,3,3,3\] needs/);
  });

  it('zero stride, negative or fractional padding, zero channels', () => {
    const { x, w } = bufs();
    const out = block(new Float32Array(2 * 4 * 5 * 7));
    expect(() => conv2d(x, w, 0, out, { ...s, strideH: 0 })).toThrow(
      'conv2d: stride must be positive, got [0, 1]',
    );
    expect(() => conv2dBackwardInput(x, w, out, { ...s, strideW: 0 })).toThrow(
      'conv2dBackwardInput: stride must be positive, got [1, 0]',
    );
    expect(() => conv2d(x, w, 0, out, { ...s, padW: -1 })).toThrow(
      /conv2d: padW must be a non-negative integer/,
    );
    expect(() => conv2d(x, w, 0, out, { ...s, padH: 0.5 })).toThrow(
      /conv2d: padH must be a non-negative integer/,
    );
    expect(() => conv2d(x, w, 0, out, { ...s, cIn: 0 })).toThrow('conv2d: cIn must be at least 1, got 0');
  });

  it('an output aliasing an input, a too-small output, a freed block', () => {
    const { x, w, dy } = bufs();
    const small = block(new Float32Array(10));
    expect(() => conv2d(x, w, 0, x, s)).toThrow('conv2d: out must not be the same block as x');
    expect(() => conv2d(x, w, 0, small, s)).toThrow(/conv2d: out \[2,4,5,7\] needs 1120 bytes/);
    expect(() => conv2dBackwardWeight(x, dy, w, w, s)).toThrow(
      /conv2dBackwardWeight: dw must not be the same block as dbias/,
    );
    const gone = heap().alloc(2 * 4 * 5 * 7 * 4);
    heap().free(gone);
    expect(() => conv2d(x, w, 0, gone, s)).toThrow(
      /conv2d: out \[2,4,5,7\] \(pointer \d+\) is not a live block/,
    );
  });

  it('nothing is written when a check fails', () => {
    const { x, w } = bufs();
    const out = block(new Float32Array(2 * 4 * 5 * 7).fill(7));
    expect(() => conv2d(x, w, 0, out, { ...s, padH: -1 })).toThrow(/padH/);
    expect(() => conv2dBackwardInput(x, w, out, { ...s, n: 3 })).toThrow(/dy \[3,4,5,7\] needs/);
    expect(read(out, 280).every((v) => v === 7)).toBe(true);
  });
});
