// The fused optimizer updates on the thread pool: a large parameter is updated in chunks on
// several threads with exactly the bits one call gives, for every rule and its state buffers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adadeltaStep,
  adagradStep,
  adamaxStep,
  adamStep,
  heap,
  lionStep,
  nadamMu,
  nadamStep,
  ready,
  rmspropStep,
  setThreads,
  sgdStep,
} from '../src/index.js';
import { poolStats, UPDATE_MIN_PER_CHUNK } from '../src/threads.js';
import { bits, expectSameBits } from './bits.js';

beforeAll(() => ready());
afterAll(() => setThreads(2));

// Odd, so the last chunk ends in the scalar tail; large enough to split into several chunks.
const N = 4 * UPDATE_MIN_PER_CHUNK + 13;

/** One rule: how many buffers it keeps besides p and g, and two steps of it. */
interface Rule {
  name: string;
  state: number;
  step(p: number, g: number, s: number[], step: number): void;
}

const RULES: Rule[] = [
  {
    name: 'SGD, Nesterov momentum, weight decay',
    state: 1,
    step: (p, g, [buf], t) =>
      sgdStep(p, g, buf, N, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01, first: t === 1 }),
  },
  {
    name: 'Adagrad',
    state: 1,
    step: (p, g, [sum], t) => adagradStep(p, g, sum, N, { lr: 0.1, eps: 1e-10, step: t }),
  },
  {
    name: 'RMSprop, centered, momentum',
    state: 3,
    step: (p, g, [sq, buf, avg], _t) =>
      rmspropStep(p, g, sq, buf, avg, N, { lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0.9, centered: true }),
  },
  {
    name: 'AdamW, amsgrad',
    state: 3,
    step: (p, g, [m, v, vMax], t) =>
      adamStep(p, g, m, v, vMax, N, {
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0.01,
        decoupled: true,
        amsgrad: true,
        step: t,
      }),
  },
  {
    name: 'Adamax',
    state: 2,
    step: (p, g, [m, u], t) =>
      adamaxStep(p, g, m, u, N, { lr: 2e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: t }),
  },
  {
    name: 'NAdam',
    state: 2,
    step: (p, g, [m, v], t) => {
      let mu = 1;
      for (let i = 1; i <= t; i++) mu = Math.fround(mu * nadamMu(0.9, 4e-3, i));
      nadamStep(p, g, m, v, N, {
        lr: 2e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        momentumDecay: 4e-3,
        step: t,
        muProduct: mu,
      });
    },
  },
  {
    name: 'Adadelta',
    state: 2,
    step: (p, g, [sq, acc], _t) => adadeltaStep(p, g, sq, acc, N, { lr: 1, rho: 0.9, eps: 1e-6 }),
  },
  {
    name: 'Lion, weight decay',
    state: 1,
    step: (p, g, [m], _t) => lionStep(p, g, m, N, { lr: 1e-4, beta1: 0.9, beta2: 0.99, weightDecay: 0.1 }),
  },
];

/** A block of N seeded floats in [-1, 1) (non-negative for state, which some rules take a root of). */
function block(seed: number, positive: boolean): number {
  const p = heap().alloc(N * 4);
  const f = heap().f32();
  let s = seed >>> 0;
  for (let i = 0; i < N; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    f[p / 4 + i] = positive ? u : 2 * u - 1;
  }
  return p;
}

/** Two steps of `rule` from the same seeded data on `threads` threads: p's and the state's bits, and the split calls made. */
async function run(rule: Rule, threads: number): Promise<{ out: Uint32Array[]; jobs: number }> {
  await setThreads(threads);
  const p = block(1, false);
  const g = block(2, false);
  const state = Array.from({ length: rule.state }, (_, i) => block(3 + i, true));
  const before = poolStats().jobs;
  rule.step(p, g, state, 1);
  rule.step(p, g, state, 2);
  const jobs = poolStats().jobs - before;
  const out = [p, ...state].map((b) => bits(b, N));
  for (const b of [p, g, ...state]) heap().free(b);
  return { out, jobs };
}

describe('optimizer updates on threads', () => {
  for (const rule of RULES) {
    it(`${rule.name}: the same bits on 1, 2 and 3 threads, split on 2 and 3`, async () => {
      const one = await run(rule, 1);
      expect(one.jobs).toBe(0);
      for (const threads of [2, 3]) {
        const many = await run(rule, threads);
        expect(many.jobs).toBe(2);
        many.out.forEach((got, i) =>
          expectSameBits(
            got,
            one.out[i],
            `${rule.name}, ${threads} threads, ${i === 0 ? 'p' : `state ${i}`}`,
          ),
        );
      }
    });
  }

  it('a parameter below two chunks stays on the calling thread', async () => {
    await setThreads(2);
    const n = 2 * UPDATE_MIN_PER_CHUNK - 1;
    const p = heap().alloc(n * 4);
    const g = heap().alloc(n * 4);
    const buf = heap().alloc(n * 4);
    const before = poolStats().jobs;
    sgdStep(p, g, buf, n, { lr: 0.1, momentum: 0.9, first: true });
    expect(poolStats().jobs).toBe(before);
    for (const b of [p, g, buf]) heap().free(b);
  });
});
