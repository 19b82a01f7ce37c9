// unary / unaryBackward against plain-JS references at every SIMD/tail size split.
import { beforeAll, describe, expect, it } from 'vitest';
import { ready, UNARY_OPS, type UnaryOp, unary, unaryBackward, wasm } from '../src/index.js';
import {
  f32Block,
  free,
  gelu64,
  geluGrad64,
  outBlock,
  readF32,
  SIZES,
  sigmoid64,
  ulpError,
  ulpF32,
  uniform,
} from './elementwise-helpers.js';

beforeAll(() => ready());

const ALPHA = 0.1;
const fr = Math.fround;

// The float64 reference of each op, the input range it is tested on, and the allowed error in
// f32 ulps (0: the kernel must return the correctly rounded value).
const FORWARD: Record<UnaryOp, { ref: (x: number) => number; lo: number; hi: number; ulp: number }> = {
  neg: { ref: (x) => -x, lo: -5, hi: 5, ulp: 0 },
  exp: { ref: Math.exp, lo: -20, hi: 20, ulp: 1.5 },
  log: { ref: Math.log, lo: 1e-3, hi: 1e3, ulp: 1.5 },
  sqrt: { ref: Math.sqrt, lo: 0, hi: 100, ulp: 0 },
  abs: { ref: Math.abs, lo: -5, hi: 5, ulp: 0 },
  relu: { ref: (x) => Math.max(x, 0), lo: -5, hi: 5, ulp: 0 },
  leakyRelu: { ref: (x) => (x > 0 ? x : x * fr(ALPHA)), lo: -5, hi: 5, ulp: 0 },
  sigmoid: { ref: sigmoid64, lo: -20, hi: 20, ulp: 2.5 },
  tanh: { ref: Math.tanh, lo: -6, hi: 6, ulp: 2 },
  gelu: { ref: gelu64, lo: -6, hi: 6, ulp: 8 },
  sign: { ref: Math.sign, lo: -5, hi: 5, ulp: 0 },
  step: { ref: (x) => (x > 0 ? 1 : 0), lo: -5, hi: 5, ulp: 0 },
};

// Backward rules in f32 arithmetic, step by step as the kernel rounds (gelu: float64 instead).
const BACKWARD: Record<UnaryOp, (x: number, y: number, dy: number) => number> = {
  neg: (_x, _y, dy) => -dy,
  exp: (_x, y, dy) => fr(dy * y),
  log: (x, _y, dy) => fr(dy / x),
  sqrt: (_x, y, dy) => fr(dy / (2 * y)),
  abs: (x, _y, dy) => dy * Math.sign(x),
  relu: (x, _y, dy) => (x > 0 ? dy : 0),
  leakyRelu: (x, _y, dy) => (x > 0 ? dy : fr(dy * fr(ALPHA))),
  sigmoid: (_x, y, dy) => fr(fr(dy * y) * fr(1 - y)),
  tanh: (_x, y, dy) => fr(dy * fr(1 - fr(y * y))),
  gelu: (x, _y, dy) => dy * geluGrad64(x),
  sign: () => 0,
  step: () => 0,
};

function forward(op: UnaryOp, xs: ArrayLike<number>): Float32Array {
  const x = f32Block(xs);
  const out = outBlock(xs.length);
  unary(op, x, out, xs.length, ALPHA);
  const got = readF32(out, xs.length);
  free(x, out);
  return got;
}

it('op codes match the kernel constants', () => {
  const exported = wasm() as unknown as Record<string, WebAssembly.Global | undefined>;
  UNARY_OPS.forEach((op, code) => {
    const name = `UNARY_${op.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
    expect(exported[name]?.value, name).toBe(code);
  });
});

describe('unary', () => {
  for (const op of UNARY_OPS) {
    const { ref, lo, hi, ulp } = FORWARD[op];
    it(`${op} matches the float64 reference within ${ulp} ulp at sizes ${SIZES.join(', ')}`, () => {
      for (const n of SIZES) {
        const xs = uniform(n, lo, hi, n);
        // Room past n, to see that the tail writes nothing beyond it.
        const x = f32Block(xs);
        const out = outBlock(n + 7);
        unary(op, x, out, n, ALPHA);
        const got = readF32(out, n + 7);
        free(x, out);
        for (let i = 0; i < n; i++) {
          const err = ulp === 0 ? (got[i] === fr(ref(xs[i])) ? 0 : 1) : ulpError(got[i], ref(xs[i]));
          expect(err, `${op}(${xs[i]}) = ${got[i]}, n = ${n}`).toBeLessThanOrEqual(ulp === 0 ? 0 : ulp);
        }
        expect(Array.from(got.subarray(n))).toEqual(new Array(7).fill(-12345));
      }
    });
  }

  it('gives an element the same result in the SIMD body and in the scalar tail', () => {
    for (const op of UNARY_OPS) {
      for (const v of [-3.7, -0.3, 0.8, 2.5, 11]) {
        const got = forward(op, new Float32Array(7).fill(v));
        expect(new Set(got).size, `${op}(${v})`).toBe(1);
      }
    }
  });

  it('runs in place', () => {
    const xs = uniform(33, -3, 3, 9);
    const want = forward('tanh', xs);
    const x = f32Block(xs);
    unary('tanh', x, x, 33);
    expect(readF32(x, 33)).toEqual(want);
    free(x);
  });

  it('relu and sign treat NaN as PyTorch does (relu NaN, sign 0), step(0) = 0', () => {
    const [relu] = forward('relu', [Number.NaN]);
    expect(relu).toBeNaN();
    expect(Array.from(forward('sign', [Number.NaN, -0, 0, -2, 3]))).toEqual([0, 0, 0, -1, 1]);
    expect(Array.from(forward('step', [0, -0, 1e-40, Number.NaN]))).toEqual([0, 0, 1, 0]);
  });

  it('leakyRelu uses alpha as the negative slope', () => {
    const x = f32Block([-2, 3]);
    const out = outBlock(2);
    unary('leakyRelu', x, out, 2, 0.25);
    expect(Array.from(readF32(out, 2))).toEqual([-0.5, 3]);
    free(x, out);
  });
});

describe('unaryBackward', () => {
  for (const op of UNARY_OPS) {
    it(`${op}: dx = dy · f'(x) at sizes ${SIZES.join(', ')}`, () => {
      for (const n of SIZES) {
        const { lo, hi } = FORWARD[op];
        const xs = uniform(n, lo, hi, 100 + n);
        const ys = forward(op, xs);
        const dys = uniform(n, -2, 2, 200 + n);
        const [x, y, dy] = [xs, ys, dys].map(f32Block);
        const dx = outBlock(n + 5);
        unaryBackward(op, x, y, dy, dx, n, ALPHA);
        const got = readF32(dx, n + 5);
        free(x, y, dy, dx);
        for (let i = 0; i < n; i++) {
          const want = BACKWARD[op](xs[i], ys[i], dys[i]);
          if (op === 'gelu') {
            const tol = Math.abs(dys[i]) * 2e-7 + 2 * ulpF32(want);
            expect(Math.abs(got[i] - want), `x = ${xs[i]}`).toBeLessThanOrEqual(tol);
          } else {
            expect(got[i], `${op}' at x = ${xs[i]}, y = ${ys[i]}, dy = ${dys[i]}`).toBe(want);
          }
        }
        expect(Array.from(got.subarray(n))).toEqual(new Array(5).fill(-12345));
      }
    });
  }

  it('reads only the inputs its rule needs (0 for the others)', () => {
    const n = 17;
    const ys = uniform(n, -0.9, 0.9, 3);
    const dys = uniform(n, -1, 1, 4);
    const y = f32Block(ys);
    const dy = f32Block(dys);
    const dx = outBlock(n);
    unaryBackward('tanh', 0, y, dy, dx, n);
    expect(readF32(dx, n)[5]).toBe(BACKWARD.tanh(0, ys[5], dys[5]));
    unaryBackward('neg', 0, 0, dy, dx, n);
    expect(readF32(dx, n)[6]).toBe(-dys[6]);
    unaryBackward('step', 0, 0, 0, dx, n);
    expect(Array.from(readF32(dx, n))).toEqual(new Array(n).fill(0));
    free(y, dy, dx);
  });

  it('abs and relu have gradient 0 at x = 0, leakyRelu alpha', () => {
    const x = f32Block([0, 0, 0]);
    const dy = f32Block([5, 5, 5]);
    const dx = outBlock(3);
    for (const [op, want] of [
      ['abs', 0],
      ['relu', 0],
      ['leakyRelu', fr(5 * fr(ALPHA))],
    ] as const) {
      unaryBackward(op, x, 0, dy, dx, 3, ALPHA);
      expect(Array.from(readF32(dx, 3)), op).toEqual([want, want, want]);
    }
    free(x, dy, dx);
  });
});
