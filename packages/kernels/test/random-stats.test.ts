// Statistical sanity on 1e5 draws. Bounds are about 5 standard errors, so a correct generator
// fails with probability ~1e-6 per check (and the seeds are fixed, so the outcome is too).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bernoulli, dropoutMask, heap, normal, Philox, ready, uniform } from '../src/index.js';

const N = 100_000;
let out = 0;

beforeAll(async () => {
  await ready();
  out = heap().alloc(N * 4);
});
afterAll(() => heap().free(out));

const sample = () =>
  heap()
    .f32()
    .subarray(out / 4, out / 4 + N);

function moments(xs: Float32Array): { mean: number; variance: number; min: number; max: number } {
  let s = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const x of xs) {
    s += x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = s / xs.length;
  let v = 0;
  for (const x of xs) v += (x - mean) ** 2;
  return { mean, variance: v / (xs.length - 1), min, max };
}

describe('uniform', () => {
  it('[0, 1): mean 1/2, variance 1/12, inside the bounds', () => {
    uniform(new Philox(1), out, N);
    const m = moments(sample());
    expect(Math.abs(m.mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / N));
    expect(Math.abs(m.variance - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / N));
    expect(m.min).toBeGreaterThanOrEqual(0);
    expect(m.max).toBeLessThan(1);
  });

  it('[-3, 5): shifted and scaled', () => {
    uniform(new Philox(2), out, N, -3, 5);
    const m = moments(sample());
    expect(Math.abs(m.mean - 1)).toBeLessThan(5 * Math.sqrt(64 / 12 / N));
    expect(Math.abs(m.variance / (64 / 12) - 1)).toBeLessThan(0.04);
    expect(m.min).toBeGreaterThanOrEqual(-3);
    expect(m.max).toBeLessThan(5);
  });

  it('every decile holds about a tenth of the draws', () => {
    uniform(new Philox(3), out, N);
    const bins = new Array(10).fill(0);
    for (const x of sample()) bins[Math.floor(x * 10)]++;
    for (const b of bins) expect(Math.abs(b - N / 10)).toBeLessThan(5 * Math.sqrt(N * 0.1 * 0.9));
  });

  it('never reaches high even when low + u * range would round up to it', () => {
    // With |low| much larger than the range, low + u*range rounds to high for u near 1.
    uniform(new Philox(4), out, N, 1000, 1000.001);
    const high = Math.fround(1000.001);
    const cap = high - 2 ** -14; // one float32 ulp below high (ulp is 2^-14 at 1000)
    const xs = sample();
    expect(xs.every((x) => x >= 1000 && x < high)).toBe(true);
    expect(xs.filter((x) => x === cap).length).toBeGreaterThan(0); // the cap was needed
  });
});

describe('normal', () => {
  it('N(0, 1): mean, variance, symmetric tails, no NaN or infinity', () => {
    normal(new Philox(5), out, N);
    const xs = sample();
    const m = moments(xs);
    expect(Math.abs(m.mean)).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(m.variance - 1)).toBeLessThan(5 * Math.sqrt(2 / N));
    expect(xs.every(Number.isFinite)).toBe(true);
    const above2 = xs.filter((x) => x > 2).length;
    const below2 = xs.filter((x) => x < -2).length;
    const p = 0.02275; // P(Z > 2)
    for (const c of [above2, below2])
      expect(Math.abs(c - N * p)).toBeLessThan(5 * Math.sqrt(N * p * (1 - p)));
  });

  it('N(3, 0.5^2): mean and std applied', () => {
    normal(new Philox(6), out, N, 3, 0.5);
    const m = moments(sample());
    expect(Math.abs(m.mean - 3)).toBeLessThan((5 * 0.5) / Math.sqrt(N));
    expect(Math.abs(m.variance - 0.25)).toBeLessThan(5 * 0.25 * Math.sqrt(2 / N));
  });

  it('the cosine and sine halves of each pair are uncorrelated', () => {
    normal(new Philox(7), out, N);
    const xs = sample();
    let c = 0;
    for (let i = 0; i < N; i += 2) c += xs[i] * xs[i + 1];
    expect(Math.abs(c / (N / 2))).toBeLessThan(5 / Math.sqrt(N / 2));
  });
});

describe('dropoutMask and bernoulli', () => {
  for (const p of [0.1, 0.5, 0.9]) {
    it(`dropoutMask p=${p}: zeros at rate p, the rest 1/(1-p), mean 1`, () => {
      dropoutMask(new Philox(8), out, N, p);
      const xs = sample();
      const zeros = xs.filter((x) => x === 0).length;
      expect(xs.every((x) => x === 0 || x === Math.fround(1 / (1 - p)))).toBe(true);
      expect(Math.abs(zeros - N * p)).toBeLessThan(5 * Math.sqrt(N * p * (1 - p)));
    });

    it(`bernoulli p=${p}: ones at rate p`, () => {
      bernoulli(new Philox(9), out, N, p);
      const xs = sample();
      expect(xs.every((x) => x === 0 || x === 1)).toBe(true);
      const ones = xs.filter((x) => x === 1).length;
      expect(Math.abs(ones - N * p)).toBeLessThan(5 * Math.sqrt(N * p * (1 - p)));
    });
  }

  it('p = 0 and p = 1 are exact', () => {
    dropoutMask(new Philox(10), out, N, 0);
    expect(sample().every((x) => x === 1)).toBe(true);
    dropoutMask(new Philox(10), out, N, 1);
    expect(sample().every((x) => x === 0)).toBe(true);
    bernoulli(new Philox(10), out, N, 1);
    expect(sample().every((x) => x === 1)).toBe(true);
    bernoulli(new Philox(10), out, N, 0);
    expect(sample().every((x) => x === 0)).toBe(true);
  });
});
