// Accuracy of the SIMD approximations in assembly/math.ts against float64 references, over
// wide ranges and at the edges (inf, NaN, 0, subnormals), in f32 ulps at the true value.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { binary, ready, unary, unaryBackward, wasm } from '../src/index.js';
import {
  erf64,
  f32Block,
  free,
  gelu64,
  geluGrad64,
  normalCdf64,
  outBlock,
  readF32,
  sigmoid64,
  ulpError,
  ulpF32,
  uniform,
  worst,
} from './elementwise-helpers.js';

beforeAll(() => ready());

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/elementwise_gelu.json', import.meta.url), 'utf8'),
) as { x: number[]; gelu: number[]; geluGrad: number[]; erf: number[] };

type Op = 'exp' | 'log' | 'tanh' | 'sigmoid' | 'gelu' | 'erf';

function run(op: Op, xs: ArrayLike<number>): Float32Array {
  const x = f32Block(xs);
  const out = outBlock(xs.length);
  if (op === 'erf') wasm().erf_f32(x, out, xs.length);
  else unary(op, x, out, xs.length);
  const got = readF32(out, xs.length);
  free(x, out);
  return got;
}

function grid(lo: number, hi: number, n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

/** Positive f32 numbers log-uniform over [2^lo, 2^hi]. */
function logUniform(n: number, lo: number, hi: number, seed: number): Float32Array {
  return uniform(n, lo, hi, seed).map((e) => 2 ** e);
}

const inf = Number.POSITIVE_INFINITY;

describe('accuracy over wide ranges (max error in f32 ulps)', () => {
  const cases: [Op, string, Float32Array, (x: number) => number, number][] = [
    ['exp', 'normal results [-87.3, 88.7]', grid(-87.3, 88.7, 200001), Math.exp, 1.5],
    ['exp', 'subnormal results [-103.9, -87.4]', grid(-103.9, -87.4, 20001), Math.exp, 1.5],
    ['exp', 'small |x| (2^-40 .. 1)', logUniform(20000, -40, 0, 2), Math.exp, 1.5],
    ['log', 'all positive floats incl. subnormals', logUniform(200000, -149, 128, 3), Math.log, 1.5],
    ['log', 'near 1 [0.5, 2]', grid(0.5, 2, 200001), Math.log, 1.5],
    ['tanh', '[-10, 10]', grid(-10, 10, 200001), Math.tanh, 2],
    ['tanh', 'small |x| (2^-40 .. 0.7)', logUniform(20000, -40, -0.5, 4), Math.tanh, 2],
    ['sigmoid', '[-87, 100]', grid(-87, 100, 200001), sigmoid64, 2.5],
    ['sigmoid', 'subnormal results [-103, -87]', grid(-103, -87, 2001), sigmoid64, 2.5],
    ['gelu', '[-12, 12]', grid(-12, 12, 200001), gelu64, 8],
    ['gelu', 'small |x| (2^-40 .. 1)', logUniform(20000, -40, 0, 5), gelu64, 8],
    ['erf', '[-6, 6]', grid(-6, 6, 200001), erf64, 3],
    ['erf', 'small |x| (2^-40 .. 1)', logUniform(20000, -40, 0, 6), erf64, 3],
  ];
  for (const [op, range, xs, ref, bound] of cases) {
    it(`${op} on ${range} is within ${bound} ulp`, () => {
      const w = worst(xs, run(op, xs), ref);
      expect(w.ulp, `worst at x = ${w.x}`).toBeLessThanOrEqual(bound);
    });
  }

  it('negative inputs of odd functions mirror positive ones exactly', () => {
    const xs = logUniform(4000, -20, 3.5, 7);
    for (const op of ['tanh', 'erf'] as const) {
      const pos = run(op, xs);
      const neg = run(
        op,
        xs.map((v) => -v),
      );
      for (let i = 0; i < xs.length; i++) expect(neg[i]).toBe(-pos[i]);
    }
  });

  it('gelu derivative is within 2e-7 absolute over [-12, 12], and a few ulp of its terms Φ(x), x·φ(x)', () => {
    const xs = grid(-12, 12, 100001);
    const n = xs.length;
    const x = f32Block(xs);
    const dy = f32Block(new Float32Array(n).fill(1));
    const dx = outBlock(n);
    unaryBackward('gelu', x, 0, dy, dx, n);
    const got = readF32(dx, n);
    free(x, dy, dx);
    let maxAbs = 0;
    let maxUlp = 0;
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      const err = Math.abs(got[i] - geluGrad64(x));
      maxAbs = Math.max(maxAbs, err);
      // Φ(x) + x·φ(x) cancels near its zero at x ≈ -0.75: measure against the size of the terms.
      const terms = normalCdf64(x) + Math.abs((x * Math.exp((-x * x) / 2)) / Math.sqrt(2 * Math.PI));
      maxUlp = Math.max(maxUlp, err / ulpF32(terms));
    }
    expect(maxAbs).toBeLessThan(2e-7);
    expect(maxUlp).toBeLessThanOrEqual(8);
  });
});

describe('edge values behave like Math', () => {
  const nan = Number.NaN;
  const table: [Op, number, number][] = [
    ['exp', 0, 1],
    ['exp', -0, 1],
    ['exp', -inf, 0],
    ['exp', inf, inf],
    ['exp', nan, nan],
    ['exp', 88.8, inf],
    ['exp', -104, 0],
    ['exp', 1e-30, 1],
    ['log', 0, -inf],
    ['log', -0, -inf],
    ['log', -1, nan],
    ['log', -inf, nan],
    ['log', 1, 0],
    ['log', inf, inf],
    ['log', nan, nan],
    ['log', 1e-45, Math.log(1.401298464324817e-45)],
    ['tanh', 0, 0],
    ['tanh', inf, 1],
    ['tanh', -inf, -1],
    ['tanh', 50, 1],
    ['tanh', -50, -1],
    ['tanh', 1e-30, 1e-30],
    ['tanh', nan, nan],
    ['sigmoid', 0, 0.5],
    ['sigmoid', inf, 1],
    ['sigmoid', -inf, 0],
    ['sigmoid', 200, 1],
    ['sigmoid', nan, nan],
    ['gelu', 0, 0],
    ['gelu', inf, inf],
    ['gelu', -inf, 0],
    ['gelu', 30, 30],
    ['gelu', nan, nan],
    ['erf', 0, 0],
    ['erf', inf, 1],
    ['erf', -inf, -1],
    ['erf', 5, 1],
    ['erf', nan, nan],
  ];
  for (const [op, x, want] of table) {
    it(`${op}(${x}) = ${want}`, () => {
      const [got] = run(op, [x]);
      if (Number.isNaN(want)) expect(got).toBeNaN();
      else expect(ulpError(got, want), `got ${got}`).toBeLessThanOrEqual(1.5);
    });
  }

  it('gelu derivative has limits 0 and 1 at -inf and inf, and NaN stays NaN', () => {
    const x = f32Block([-inf, inf, nan, 0]);
    const dy = f32Block([1, 1, 1, 1]);
    const dx = outBlock(4);
    unaryBackward('gelu', x, 0, dy, dx, 4);
    const got = readF32(dx, 4);
    free(x, dy, dx);
    expect([got[0], got[1], got[3]]).toEqual([0, 1, 0.5]);
    expect(got[2]).toBeNaN();
  });
});

describe('float64 references agree with PyTorch (fixture from make_elementwise.py)', () => {
  it('erf, gelu and its derivative', () => {
    fixture.x.forEach((x, i) => {
      const tol = (r: number) => 1e-13 * Math.abs(r) + 1e-15 * Math.max(1, Math.abs(x));
      expect(Math.abs(erf64(x) - fixture.erf[i])).toBeLessThanOrEqual(tol(fixture.erf[i]));
      expect(Math.abs(gelu64(x) - fixture.gelu[i])).toBeLessThanOrEqual(tol(fixture.gelu[i]));
      expect(Math.abs(geluGrad64(x) - fixture.geluGrad[i])).toBeLessThanOrEqual(tol(fixture.geluGrad[i]));
    });
  });

  it("the gelu kernel matches PyTorch float64 to 8 ulp (or PyTorch's own 1e-16·|x|)", () => {
    const got = run('gelu', fixture.x);
    fixture.x.forEach((x, i) => {
      const r = fixture.gelu[i];
      // PyTorch forms 1 + erf(x/√2), which cancels for x << 0: its error there is ~1e-16·|x|.
      expect(Math.abs(got[i] - r), `x = ${x}`).toBeLessThanOrEqual(
        Math.max(8 * ulpF32(r), 1e-16 * Math.abs(x)),
      );
    });
  });
});

describe('pow (binary)', () => {
  function pow(as: ArrayLike<number>, bs: ArrayLike<number>): Float32Array {
    const n = as.length;
    const a = f32Block(as);
    const b = f32Block(bs);
    const out = outBlock(n);
    binary('pow', a, [1], b, [1], out, [n]);
    const got = readF32(out, n);
    free(a, b, out);
    return got;
  }

  it('is within 3 ulp of Math.pow for positive bases and |exponents| up to 20', () => {
    const n = 100000;
    const as = logUniform(n, -20, 20, 8);
    const bs = uniform(n, -20, 20, 9);
    const got = pow(as, bs);
    let maxUlp = 0;
    for (let i = 0; i < n; i++) {
      const r = as[i] ** bs[i];
      if (Math.abs(r) > 1e-37 && Math.abs(r) < 3e38) maxUlp = Math.max(maxUlp, ulpError(got[i], r));
    }
    expect(maxUlp).toBeLessThanOrEqual(3);
  });

  it('takes the sign from odd integer exponents of negative bases', () => {
    const as = [-2, -2, -3, -0.5, -1e10, -1.5];
    const bs = [3, 2, -1, -3, 3, 4];
    const got = pow(as, bs);
    as.forEach((a, i) => {
      const want = Math.fround(a) ** bs[i];
      expect(Math.sign(got[i])).toBe(Math.sign(want));
      expect(ulpError(got[i], want), `pow(${a}, ${bs[i]})`).toBeLessThanOrEqual(2);
    });
  });

  it("follows C99 powf's special cases", () => {
    const nan = Number.NaN;
    const cases: [number, number, number][] = [
      [nan, 0, 1],
      [1, nan, 1],
      [1, inf, 1],
      [-1, inf, 1],
      [-1, -inf, 1],
      [0, 2, 0],
      [0, -2, inf],
      [-0, -3, -inf],
      [-0, 3, -0],
      [0, 0, 1],
      [inf, 2, inf],
      [inf, -2, 0],
      [-inf, 3, -inf],
      [-inf, 0.5, inf],
      [-inf, -3, -0],
      [2, inf, inf],
      [0.5, inf, 0],
      [2, -inf, 0],
      [-8, 1 / 3, nan],
      [nan, 1, nan],
      [2, nan, nan],
      [-1, nan, nan],
      [2, 1e38, inf],
      [2, -1e38, 0],
      [10, 38, 1e38],
    ];
    const got = pow(
      cases.map((c) => c[0]),
      cases.map((c) => c[1]),
    );
    cases.forEach(([a, b, want], i) => {
      if (Number.isNaN(want)) expect(got[i], `pow(${a}, ${b})`).toBeNaN();
      else if (want === 0 || !Number.isFinite(want)) expect(got[i], `pow(${a}, ${b})`).toBe(want);
      else expect(ulpError(got[i], want), `pow(${a}, ${b}) = ${got[i]}`).toBeLessThanOrEqual(3);
    });
  });
});
