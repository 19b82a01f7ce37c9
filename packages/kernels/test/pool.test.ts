// Max and average pooling, forward and backward, against a direct float64 reference.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  avgPool2d,
  avgPool2dBackward,
  heap,
  maxPool2d,
  maxPool2dBackward,
  type Pool2dShape,
  pool2dOutSize,
  ready,
} from '../src/index.js';
import { bits, expectSameBits } from './bits.js';

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
const readI32 = (p: number, n: number) =>
  heap()
    .i32()
    .slice(p / 4, p / 4 + n);

function randoms(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function outSize(s: Pool2dShape) {
  return {
    oh: Math.floor((s.h + 2 * s.padH - s.kh) / s.strideH) + 1,
    ow: Math.floor((s.w + 2 * s.padW - s.kw) / s.strideW) + 1,
  };
}

/** Calls f(plane, outIndex, inIndexInPlane) for every in-plane pixel of every window, row-major. */
function eachWindow(s: Pool2dShape, f: (plane: number, o: number, i: number) => void) {
  const { oh, ow } = outSize(s);
  for (let pl = 0; pl < s.n * s.c; pl++)
    for (let y = 0; y < oh; y++)
      for (let x = 0; x < ow; x++) {
        const o = (pl * oh + y) * ow + x;
        for (let i = 0; i < s.kh; i++)
          for (let j = 0; j < s.kw; j++) {
            const iy = y * s.strideH - s.padH + i;
            const ix = x * s.strideW - s.padW + j;
            if (iy >= 0 && iy < s.h && ix >= 0 && ix < s.w) f(pl, o, iy * s.w + ix);
          }
      }
}

function refMax(x: Float32Array, s: Pool2dShape) {
  const { oh, ow } = outSize(s);
  const out = new Float32Array(s.n * s.c * oh * ow).fill(Number.NEGATIVE_INFINITY);
  const arg = new Int32Array(out.length).fill(-1);
  eachWindow(s, (pl, o, i) => {
    const v = x[pl * s.h * s.w + i];
    if (arg[o] < 0) arg[o] = i; // the first in-plane element, kept if nothing beats -Infinity
    if (v > out[o] || Number.isNaN(v)) {
      out[o] = v;
      arg[o] = i;
    }
  });
  return { out, arg };
}

function refAvg(x: Float32Array, s: Pool2dShape) {
  const { oh, ow } = outSize(s);
  const sum = new Float64Array(s.n * s.c * oh * ow);
  const abs = new Float64Array(sum.length);
  eachWindow(s, (pl, o, i) => {
    sum[o] += x[pl * s.h * s.w + i];
    abs[o] += Math.abs(x[pl * s.h * s.w + i]);
  });
  const k = s.kh * s.kw;
  return { value: sum.map((v) => v / k), abs: abs.map((v) => v / k) };
}

function refAvgBackward(dy: Float32Array, s: Pool2dShape) {
  const value = new Float64Array(s.n * s.c * s.h * s.w);
  const abs = new Float64Array(value.length);
  const k = s.kh * s.kw;
  eachWindow(s, (pl, o, i) => {
    value[pl * s.h * s.w + i] += dy[o] / k;
    abs[pl * s.h * s.w + i] += Math.abs(dy[o] / k);
  });
  return { value, abs };
}

function expectClose(got: Float32Array, value: Float64Array, abs: Float64Array, terms: number, what: string) {
  expect(got.length).toBe(value.length);
  const eps = (terms + 2) * 2 ** -24;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - value[i]);
    if (!(err <= eps * abs[i] + 1e-30)) throw new Error(`${what}[${i}]: got ${got[i]}, want ${value[i]}`);
  }
}

function checkShape(s: Pool2dShape, seed: number, x = randoms(s.n * s.c * s.h * s.w, seed)): void {
  const { oh, ow } = pool2dOutSize(s);
  expect({ oh, ow }).toEqual(outSize(s));
  const nOut = s.n * s.c * oh * ow;
  const dy = randoms(nOut, seed + 1);
  const px = block(x);
  const pdy = block(dy);
  const pout = block(new Float32Array(nOut).fill(Number.NaN));
  const parg = block(new Float32Array(nOut));
  const pdx = block(new Float32Array(x.length).fill(Number.NaN));

  maxPool2d(px, pout, parg, s);
  const ref = refMax(x, s);
  expect(Array.from(read(pout, nOut))).toEqual(Array.from(ref.out));
  expect(Array.from(readI32(parg, nOut))).toEqual(Array.from(ref.arg));

  maxPool2dBackward(pdy, parg, pdx, s);
  const dxMax = new Float64Array(x.length);
  const dxAbs = new Float64Array(x.length);
  for (let o = 0; o < nOut; o++) {
    const at = Math.floor(o / (oh * ow)) * s.h * s.w + ref.arg[o];
    dxMax[at] += dy[o];
    dxAbs[at] += Math.abs(dy[o]);
  }
  const overlap = Math.ceil(s.kh / s.strideH) * Math.ceil(s.kw / s.strideW);
  expectClose(read(pdx, x.length), dxMax, dxAbs, overlap, 'max dx');

  avgPool2d(px, pout, s);
  const avg = refAvg(x, s);
  expectClose(read(pout, nOut), avg.value, avg.abs, s.kh * s.kw + 1, 'avg out');

  avgPool2dBackward(pdy, pdx, s);
  const back = refAvgBackward(dy, s);
  expectClose(read(pdx, x.length), back.value, back.abs, overlap + 1, 'avg dx');
}

const shape = (o: Partial<Pool2dShape>): Pool2dShape => ({
  n: 1,
  c: 1,
  h: 7,
  w: 9,
  kh: 2,
  kw: 2,
  strideH: 2,
  strideW: 2,
  padH: 0,
  padW: 0,
  ...o,
});

describe('maxPool2d / avgPool2d and their backward passes vs float64 reference', () => {
  let seed = 1;
  for (const k of [1, 2, 3, 5])
    for (const stride of [1, 2])
      for (const pad of [0, 1, 2])
        for (const n of [1, 3])
          for (const c of [1, 3]) {
            if (2 * pad > k) continue;
            const s = shape({ n, c, kh: k, kw: k, strideH: stride, strideW: stride, padH: pad, padW: pad });
            seed += 10;
            const caseSeed = seed;
            it(`k${k} s${stride} p${pad} n${n} c${c} on 7x9`, () => checkShape(s, caseSeed));
          }

  const odd: [string, Partial<Pool2dShape>][] = [
    [
      'wide rows, stride 1 (SIMD body and tails)',
      { h: 4, w: 37, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 },
    ],
    ['wide rows, stride 2', { h: 6, w: 41, kh: 3, kw: 3, padW: 1 }],
    ['stride 3 (general lane gather)', { h: 9, w: 40, kh: 3, kw: 4, strideH: 3, strideW: 3, padW: 2 }],
    [
      'non-square window 2x5, stride (1,2), padding (1,2)',
      { kh: 2, kw: 5, strideH: 1, strideW: 2, padH: 1, padW: 2 },
    ],
    ['window as large as the padded input', { h: 3, w: 3, kh: 5, kw: 5, padH: 1, padW: 1 }],
    ['1x1 input', { h: 1, w: 1, kh: 1, kw: 1, strideH: 1, strideW: 1 }],
  ];
  for (const [name, o] of odd) it(name, () => checkShape(shape({ n: 2, c: 2, ...o }), name.length));
});

describe('maxPool2d semantics', () => {
  const s = shape({ h: 2, w: 18, kh: 2, kw: 2, padH: 0, padW: 0 }); // 9 outputs: SIMD and scalar
  const run = (x: number[]) => {
    const px = block(x);
    const pout = block(new Float32Array(9));
    const parg = block(new Float32Array(9));
    maxPool2d(px, pout, parg, s);
    return { out: Array.from(read(pout, 9)), arg: Array.from(readI32(parg, 9)) };
  };

  it('ties go to the first element in row-major window order', () => {
    const { out, arg } = run(new Array(36).fill(3));
    expect(out).toEqual(new Array(9).fill(3));
    expect(arg).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16]);
  });

  it('a NaN wins (the last NaN of the window), as in PyTorch', () => {
    const x = randoms(36, 3);
    x[1] = Number.NaN; // window 0, row 0
    x[19] = Number.NaN; // window 0, row 1 (later, so it is the index kept)
    x[18 + 16] = Number.NaN; // window 8 (scalar tail)
    const { out, arg } = run(Array.from(x));
    expect(Number.isNaN(out[0])).toBe(true);
    expect(arg[0]).toBe(19);
    expect(Number.isNaN(out[8])).toBe(true);
    expect(arg[8]).toBe(34);
    expect(out.slice(1, 8).every(Number.isFinite)).toBe(true);
  });

  it('-Infinity everywhere gives -Infinity at the first in-plane element', () => {
    const { out, arg } = run(new Array(36).fill(Number.NEGATIVE_INFINITY));
    expect(out).toEqual(new Array(9).fill(Number.NEGATIVE_INFINITY));
    expect(arg).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16]);
  });

  it('backward skips argmax indices outside the plane instead of writing out of bounds', () => {
    const t = shape({ h: 2, w: 2, kh: 2, kw: 2 });
    const dy = block([5]);
    const dx = block([9, 9, 9, 9, 9, 9, 9, 9]); // [2 planes' worth]; only the first 4 belong to dx
    for (const bad of [-1, 4, 1 << 30]) {
      const arg = block([0]);
      heap().i32()[arg / 4] = bad;
      maxPool2dBackward(dy, arg, dx, t);
      expect(Array.from(read(dx, 8))).toEqual([0, 0, 0, 0, 9, 9, 9, 9]);
    }
  });
});

// 2x2 windows at stride 2 without padding run their own kernels (a pairwise max, a backward
// that stores each window rather than clearing dx and adding): checked as bits against the
// row-major scan and its scatter, on planes whose rows take 1 to 7 vector blocks.
describe('maxPool2d 2x2 / stride 2 paths', () => {
  /** Values drawn from a few, so that ties are common, with NaN, -0, +0 and -Infinity among them. */
  function tricky(n: number, seed: number): Float32Array {
    const pool = [0.5, -0.5, 0, -0, 1, Number.NaN, Number.NEGATIVE_INFINITY, 2];
    return randoms(n, seed).map((v) => pool[Math.floor((v + 1) * 4) & 7]);
  }

  /** dx as scatterPlane makes it: +0, then 0 + dy at each argmax in the plane (in output order). */
  function scatterRef(dy: Float32Array, arg: Int32Array, s: Pool2dShape, per: number): Float32Array {
    const dx = new Float32Array(s.n * s.c * s.h * s.w);
    for (let o = 0; o < dy.length; o++) {
      const a = arg[o];
      if (a < 0 || a >= s.h * s.w) continue;
      const at = Math.floor(o / per) * s.h * s.w + a;
      dx[at] = Math.fround(dx[at] + dy[o]);
    }
    return dx;
  }

  function run(s: Pool2dShape, x: Float32Array, dy: Float32Array, edit?: (arg: Int32Array) => void) {
    const { oh, ow } = pool2dOutSize(s);
    const nOut = s.n * s.c * oh * ow;
    const pout = block(new Float32Array(nOut).fill(Number.NaN));
    const parg = block(new Float32Array(nOut));
    const pdx = block(new Float32Array(x.length).fill(Number.NaN));
    maxPool2d(block(x), pout, parg, s);
    if (edit) edit(new Int32Array(heap().i32().buffer, parg, nOut));
    const arg = readI32(parg, nOut);
    maxPool2dBackward(block(dy), parg, pdx, s);
    return { out: bits(pout, nOut), arg, dx: bits(pdx, x.length), per: oh * ow };
  }

  const planes: [number, number][] = [
    [26, 26],
    [11, 11],
    [8, 8],
    [9, 9],
    [5, 17],
    [12, 58],
  ];
  for (const [h, w] of planes)
    it(`${h}x${w} planes: values, argmax and dx as the scan and scatter`, () => {
      const s = shape({ n: 2, c: 3, h, w });
      const x = tricky(s.n * s.c * h * w, h * w);
      const { oh, ow } = pool2dOutSize(s);
      const dy = tricky(s.n * s.c * oh * ow, h + w).map((v) => (Number.isNaN(v) ? -0 : v));
      const got = run(s, x, dy);
      const ref = refMax(x, s);
      expectSameBits(got.out, new Uint32Array(ref.out.buffer), 'out');
      expect(Array.from(got.arg)).toEqual(Array.from(ref.arg));
      const want = scatterRef(dy, ref.arg, s, got.per);
      expectSameBits(got.dx, new Uint32Array(want.buffer), 'dx');
    });

  it('dx of -0 is +0, as 0 + dy gives', () => {
    const s = shape({ h: 4, w: 8 });
    const got = run(s, randoms(32, 9), new Float32Array(8).fill(-0));
    expectSameBits(got.dx, new Uint32Array(32), 'dx');
  });

  it('an argmax outside its own 2x2 window sends that plane through the scatter', () => {
    const s = shape({ n: 1, c: 3, h: 8, w: 10 });
    const dy = randoms(3 * 4 * 5, 4);
    // Plane 1: output 0 names the input of output 6 (in the plane, another window), which then
    // receives both gradients; planes 0 and 2 stay on the 2x2 path.
    const got = run(s, randoms(3 * 80, 5), dy, (arg) => {
      arg[20] = arg[26];
    });
    const want = scatterRef(dy, got.arg, s, got.per);
    expectSameBits(got.dx, new Uint32Array(want.buffer), 'dx');
    const plane1 = Array.from(want.slice(80, 160));
    expect(plane1.filter((v) => v !== 0).length).toBe(19);
  });

  it('the gradient of an overlapping 3x3 / stride 2 pool with the same output size', () => {
    // oh = h/2 and ow = w/2, as for a 2x2 pool: the backward sees the same geometry and must
    // find that the argmax values are not those of disjoint 2x2 windows.
    checkShape(shape({ n: 1, c: 2, h: 8, w: 16, kh: 3, kw: 3, padH: 1, padW: 1 }), 77);
  });
});

describe('argument checks', () => {
  const s = shape({ n: 2, c: 3 });
  const bufs = () => ({
    x: block(randoms(2 * 3 * 7 * 9, 1)),
    out: block(new Float32Array(2 * 3 * 3 * 4).fill(7)),
    arg: block(new Float32Array(2 * 3 * 3 * 4)),
  });

  it('padding more than half the window, window larger than the padded input, zero stride', () => {
    const { x, out, arg } = bufs();
    expect(() => maxPool2d(x, out, arg, { ...s, kh: 3, padH: 2 })).toThrow(
      'maxPool2d: padding [2, 0] must be at most half the kernel 3x2',
    );
    expect(() => avgPool2d(x, out, shape({ h: 2, w: 9, kh: 3, kw: 3 }))).toThrow(
      'avgPool2d: kernel 3x3 is larger than the padded input 2x9 (input 2x9, padding [0, 0])',
    );
    expect(() => avgPool2dBackward(x, out, { ...s, strideW: 0 })).toThrow(
      'avgPool2dBackward: stride must be positive, got [2, 0]',
    );
    expect(() => maxPool2dBackward(x, arg, out, { ...s, c: 0 })).toThrow(
      'maxPool2dBackward: c must be at least 1',
    );
    expect(read(out, 72).every((v) => v === 7)).toBe(true);
  });

  it('blocks too small for the shape, aliasing', () => {
    const { x, out, arg } = bufs();
    expect(() => maxPool2d(x, out, arg, { ...s, c: 4 })).toThrow(/maxPool2d: x \[2,4,7,9\] needs 2016 bytes/);
    expect(() => avgPool2d(x, x, s)).toThrow('avgPool2d: out must not be the same block as x');
    expect(() => maxPool2d(x, out, out, s)).toThrow('maxPool2d: argmaxOut must not be the same block as out');
    expect(() => maxPool2dBackward(out, arg, arg, s)).toThrow(/maxPool2dBackward: dx \[2,3,7,9\] needs/);
  });
});
