// The CNN kernels split over the thread pool give the same bits on 1, 2 and 3 threads: conv2d's
// forward pass (chunks of images), its input gradient in both forms (run as a forward pass, and
// scattering into windows, whose chunks must keep one call's column blocks) and its weight
// gradient (chunks of channels or taps), with and without padding and stride; and max / average
// pooling forward and backward (chunks of planes), with overlapping windows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  avgPool2d,
  avgPool2dBackward,
  type Conv2dShape,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  conv2dOutSize,
  heap,
  maxPool2d,
  maxPool2dBackward,
  type Pool2dShape,
  pool2dOutSize,
  ready,
  setThreads,
} from '../src/index.js';
import { poolStats } from '../src/threads.js';
import { bits, expectSameBits } from './bits.js';
import { randoms } from './conv-helpers.js';

beforeAll(() => ready());
afterAll(() => setThreads(2));

const shape = (
  n: number,
  cIn: number,
  h: number,
  cOut: number,
  k: number,
  stride = 1,
  pad = 0,
): Conv2dShape => ({
  n,
  cIn,
  h,
  w: h,
  cOut,
  kh: k,
  kw: k,
  strideH: stride,
  strideW: stride,
  padH: pad,
  padW: pad,
});

const CASES: { name: string; s: Conv2dShape }[] = [
  // The CNN's second layer, cOut not a multiple of 16: dx scatters (121 pixels per image).
  { name: 'deep layer, scattering dx, 40 channels out', s: shape(12, 32, 13, 40, 3) },
  // The CNN's first layer: the weight gradient's direct path.
  { name: 'first layer, one channel in', s: shape(10, 1, 28, 32, 3) },
  // Padded images larger than half the padded-chunk buffer: chunks of a few images.
  { name: 'padded chunks, scattering dx', s: shape(13, 5, 60, 20, 3, 1, 1) },
  { name: 'padded, dx as a forward pass', s: shape(9, 8, 12, 24, 3, 1, 1) },
  { name: 'stride 2, padding 1', s: shape(20, 3, 17, 16, 3, 2, 1) },
];

function upload(data: Float32Array): number {
  const p = heap().alloc(data.length * 4);
  heap()
    .f32()
    .set(data, p / 4);
  return p;
}

/** The three passes' outputs (y, dx, dw, db) on `threads` threads, and the split calls they made. */
async function passes(s: Conv2dShape, threads: number): Promise<{ out: Uint32Array[]; jobs: number }> {
  await setThreads(threads);
  const { oh, ow } = conv2dOutSize(s);
  const xLen = s.n * s.cIn * s.h * s.w;
  const wLen = s.cOut * s.cIn * s.kh * s.kw;
  const yLen = s.n * s.cOut * oh * ow;
  const x = upload(randoms(xLen, 1));
  const w = upload(randoms(wLen, 2));
  const b = upload(randoms(s.cOut, 3));
  const dy = upload(randoms(yLen, 4));
  const y = heap().alloc(yLen * 4);
  const dx = heap().alloc(xLen * 4);
  const dw = heap().alloc(wLen * 4);
  const db = heap().alloc(s.cOut * 4);
  const before = poolStats().jobs;
  conv2d(x, w, b, y, s);
  conv2dBackwardInput(dy, w, dx, s);
  conv2dBackwardWeight(x, dy, dw, db, s);
  const jobs = poolStats().jobs - before;
  const out = [bits(y, yLen), bits(dx, xLen), bits(dw, wLen), bits(db, s.cOut)];
  for (const p of [x, w, b, dy, y, dx, dw, db]) heap().free(p);
  return { out, jobs };
}

describe('conv2d on the thread pool', () => {
  for (const { name, s } of CASES) {
    it(`${name}: the same bits on 1, 2 and 3 threads`, async () => {
      const one = await passes(s, 1);
      expect(one.jobs).toBe(0);
      for (const threads of [2, 3]) {
        const many = await passes(s, threads);
        // Every pass is large enough to be split.
        expect(many.jobs).toBe(3);
        for (const [i, what] of ['y', 'dx', 'dw', 'db'].entries())
          expectSameBits(many.out[i], one.out[i], `${what} on ${threads} threads`);
      }
    });
  }
});

/** Max and average pooling, forward and backward, on `threads` threads. */
async function pools(s: Pool2dShape, threads: number): Promise<{ out: Uint32Array[]; jobs: number }> {
  await setThreads(threads);
  const { oh, ow } = pool2dOutSize(s);
  const xLen = s.n * s.c * s.h * s.w;
  const yLen = s.n * s.c * oh * ow;
  const x = upload(randoms(xLen, 5));
  const dy = upload(randoms(yLen, 6));
  const y = heap().alloc(yLen * 4);
  const arg = heap().alloc(yLen * 4);
  const dx = heap().alloc(xLen * 4);
  const before = poolStats().jobs;
  const out: Uint32Array[] = [];
  maxPool2d(x, y, arg, s);
  out.push(bits(y, yLen), bits(arg, yLen));
  maxPool2dBackward(dy, arg, dx, s);
  out.push(bits(dx, xLen));
  avgPool2d(x, y, s);
  out.push(bits(y, yLen));
  avgPool2dBackward(dy, dx, s);
  out.push(bits(dx, xLen));
  const jobs = poolStats().jobs - before;
  for (const p of [x, dy, y, arg, dx]) heap().free(p);
  return { out, jobs };
}

describe('pooling on the thread pool', () => {
  // Stride 1 with a 3x3 window: backward adds several outputs into each input pixel.
  const s: Pool2dShape = {
    n: 48,
    c: 7,
    h: 30,
    w: 30,
    kh: 3,
    kw: 3,
    strideH: 1,
    strideW: 1,
    padH: 1,
    padW: 1,
  };
  it('max and average pooling, forward and backward: the same bits on 1, 2 and 3 threads', async () => {
    const one = await pools(s, 1);
    expect(one.jobs).toBe(0);
    for (const threads of [2, 3]) {
      const many = await pools(s, threads);
      expect(many.jobs).toBe(4);
      for (const [i, what] of ['max', 'argmax', 'max dx', 'avg', 'avg dx'].entries())
        expectSameBits(many.out[i], one.out[i], `${what} on ${threads} threads`);
    }
  });
});
