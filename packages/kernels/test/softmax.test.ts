import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { heap, logSoftmax, logSoftmaxBackward, ready, softmax, softmaxBackward } from '../src/index.js';

beforeAll(() => ready());

const SIZES = [1, 3, 4, 5, 17, 33, 1000];

const blocks: number[] = [];
afterEach(() => {
  for (const p of blocks.splice(0)) heap().free(p);
});

function alloc(n: number): number {
  const p = heap().alloc(Math.max(1, n) * 4);
  blocks.push(p);
  return p;
}

function put(values: ArrayLike<number>): number {
  const p = alloc(values.length);
  heap()
    .f32()
    .set(values, p >>> 2);
  return p;
}

function get(p: number, n: number): Float32Array {
  return heap()
    .f32()
    .slice(p >>> 2, (p >>> 2) + n);
}

function randomData(n: number, seed: number, scale = 5): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 2 * scale;
  });
}

/** Float64 softmax and logSoftmax of each row. */
function refSoftmax(x: ArrayLike<number>, rows: number, cols: number) {
  const p = new Float64Array(rows * cols);
  const lp = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(x[r * cols + j] - m);
    for (let j = 0; j < cols; j++) {
      lp[r * cols + j] = x[r * cols + j] - m - Math.log(s);
      p[r * cols + j] = Math.exp(lp[r * cols + j]);
    }
  }
  return { p, lp };
}

/** Distance in units in the last place of the f32 nearest to `want` (subnormal spacing included). */
function ulps(got: number, want: number): number {
  const w = Math.abs(Math.fround(want));
  if (got === want || got === Math.fround(want)) return 0;
  if (!Number.isFinite(w)) return Number.POSITIVE_INFINITY;
  const ulp = w < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(w)) - 23);
  return Math.abs(got - want) / ulp;
}

function check(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: (i: number) => number) {
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol(i))) throw new Error(`${name}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

describe('softmax / logSoftmax', () => {
  for (const cols of SIZES) {
    it(`match the float64 reference for rows of ${cols}`, () => {
      const rows = 3;
      const x = randomData(rows * cols, cols);
      const ref = refSoftmax(x, rows, cols);
      const px = put(x);
      const out = alloc(rows * cols);
      softmax(px, out, rows, cols);
      const p = get(out, rows * cols);
      check('softmax', p, ref.p, (i) => 2e-6 * ref.p[i] + 1e-45);
      for (let r = 0; r < rows; r++) {
        const s = p.slice(r * cols, (r + 1) * cols).reduce((a, b) => a + b, 0);
        expect(Math.abs(s - 1)).toBeLessThan(1e-5);
      }
      logSoftmax(px, out, rows, cols);
      check('logSoftmax', get(out, rows * cols), ref.lp, (i) => 1e-6 * (Math.abs(ref.lp[i]) + 1));
    });
  }

  it('work in place', () => {
    const x = randomData(2 * 33, 5);
    const ref = refSoftmax(x, 2, 33);
    const p = put(x);
    softmax(p, p, 2, 33);
    check('softmax', get(p, 66), ref.p, (i) => 2e-6 * ref.p[i] + 1e-45);
    const q = put(x);
    logSoftmax(q, q, 2, 33);
    check('logSoftmax', get(q, 66), ref.lp, (i) => 1e-6 * (Math.abs(ref.lp[i]) + 1));
  });

  it('stay finite and exact for logits of magnitude 1e4', () => {
    const cols = 17;
    const x = Float32Array.from({ length: 2 * cols }, (_, i) => (i % 3 === 0 ? 1e4 : -1e4) + (i % 5));
    const ref = refSoftmax(x, 2, cols);
    const out = alloc(2 * cols);
    softmax(put(x), out, 2, cols);
    const p = get(out, 2 * cols);
    expect(p.every(Number.isFinite)).toBe(true);
    check('softmax', p, ref.p, (i) => 2e-6 * ref.p[i] + 1e-45);
    logSoftmax(put(x), out, 2, cols);
    const lp = get(out, 2 * cols);
    expect(lp.every(Number.isFinite)).toBe(true);
    check('logSoftmax', lp, ref.lp, (i) => 1e-6 * (Math.abs(ref.lp[i]) + 1));
  });

  it('give 0 for -Infinity logits and NaN for a row holding NaN (as PyTorch)', () => {
    const x = [0, -Infinity, 1, -Infinity, 2, Number.NaN, 0, 0];
    const out = alloc(8);
    softmax(put(x), out, 2, 4);
    const p = get(out, 8);
    expect(p[1]).toBe(0);
    expect(p[3]).toBe(0);
    expect(Math.abs(p[0] + p[2] - 1)).toBeLessThan(1e-6);
    expect(Array.from(p.slice(4)).every(Number.isNaN)).toBe(true);
  });

  it('exp inside is within 1 ulp of e^y from -104 to 89, subnormals included', () => {
    // logSoftmaxBackward with dy = [-1, 0, ...] gives dx_j = exp(y_j) exactly for j > 0.
    const cols = 4000;
    const y = Float32Array.from({ length: cols }, (_, j) => -104 + (193 * j) / cols);
    y[0] = 0;
    y[cols - 1] = Number.NEGATIVE_INFINITY;
    y[cols - 2] = 89;
    const dy = new Float32Array(cols);
    dy[0] = -1;
    const dx = alloc(cols);
    logSoftmaxBackward(put(y), put(dy), dx, 1, cols);
    const e = get(dx, cols);
    let worst = 0;
    for (let j = 1; j < cols - 2; j++) worst = Math.max(worst, ulps(e[j], Math.exp(y[j])));
    expect(worst).toBeLessThanOrEqual(1);
    expect(e[cols - 1]).toBe(0);
    expect(e[cols - 2]).toBe(Infinity);
  });
});

describe('softmaxBackward / logSoftmaxBackward', () => {
  for (const cols of SIZES) {
    it(`match the float64 reference for rows of ${cols}`, () => {
      const rows = 4;
      const n = rows * cols;
      const x = randomData(n, cols + 11);
      const dy = randomData(n, cols + 12, 1);
      const { p, lp } = refSoftmax(x, rows, cols);
      const y = Float32Array.from(p);
      const ly = Float32Array.from(lp);
      const want = new Float64Array(n);
      const wantLog = new Float64Array(n);
      const bound = new Float64Array(n);
      for (let r = 0; r < rows; r++) {
        let dot = 0;
        let dotAbs = 0;
        let sum = 0;
        let sumAbs = 0;
        for (let j = r * cols; j < (r + 1) * cols; j++) {
          dot += dy[j] * y[j];
          dotAbs += Math.abs(dy[j] * y[j]);
          sum += dy[j];
          sumAbs += Math.abs(dy[j]);
        }
        for (let j = r * cols; j < (r + 1) * cols; j++) {
          want[j] = y[j] * (dy[j] - dot);
          wantLog[j] = dy[j] - Math.exp(ly[j]) * sum;
          bound[j] = 1e-6 * (Math.abs(y[j]) * (Math.abs(dy[j]) + dotAbs) + Math.abs(dy[j]) + sumAbs);
        }
      }
      const dx = alloc(n);
      softmaxBackward(put(y), put(dy), dx, rows, cols);
      check('softmaxBackward', get(dx, n), want, (i) => bound[i]);
      logSoftmaxBackward(put(ly), put(dy), dx, rows, cols);
      check('logSoftmaxBackward', get(dx, n), wantLog, (i) => bound[i]);
    });
  }
});

describe('softmax argument checks', () => {
  it('reject bad sizes and too-small blocks before running', () => {
    const x = put(new Float32Array(12));
    const small = alloc(4);
    expect(() => softmax(x, small, 3, 4)).toThrow(/softmax: out needs 48 bytes but its block holds 16/);
    expect(() => logSoftmax(x, x, -1, 4)).toThrow(/logSoftmax: rows must be a non-negative integer/);
    expect(() => softmax(x, x, 3, 2.5)).toThrow(/softmax: cols must be a non-negative integer/);
    expect(() => softmaxBackward(x, small, x, 3, 4)).toThrow(/softmaxBackward: dy needs 48 bytes/);
    expect(() => logSoftmaxBackward(small, x, x, 3, 4)).toThrow(/logSoftmaxBackward: y needs 48 bytes/);
    heap().free(blocks.pop()!);
    expect(() => softmax(x, small, 1, 1)).toThrow(/softmax: out \(pointer \d+\) is not a live block/);
  });
});
