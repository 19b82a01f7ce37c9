// First-moment buffers are stored as 0 once they decay below the smallest normal float (wasm
// has no flush-to-zero mode, and subnormal arithmetic made an Adam step 2-3x slower). These
// tests pin that down per rule: a buffer decaying from the smallest normal becomes exactly 0,
// one that stays normal keeps the reference value, NaN still propagates, and buffers that are
// not first moments (Lion's m, second moments) keep their subnormals.
import { beforeAll, describe, expect, it } from 'vitest';
import { adamaxStep, adamStep, lionStep, nadamStep, ready, rmspropStep, sgdStep } from '../src/index.js';
import { f32Block as alloc, free, readF32 } from './elementwise-helpers.js';

beforeAll(() => ready());

const MIN_NORMAL = 2 ** -126;
// Five elements: four in the SIMD body and one in the scalar tail, which must agree.
const START = [MIN_NORMAL, -MIN_NORMAL, 4e-38, Number.NaN, MIN_NORMAL];
const N = START.length;

const read = (ptr: number) => Array.from(readF32(ptr, N));

/** Runs `step` once with a zero gradient over buffers named in `init`, and returns them. */
function stepWithZeroGrad(
  init: Record<string, number[]>,
  step: (b: Record<string, number>) => void,
): Record<string, number[]> {
  const b: Record<string, number> = { p: alloc(Array(N).fill(0.5)), g: alloc(Array(N).fill(0)) };
  for (const [k, v] of Object.entries(init)) b[k] = alloc(v);
  step(b);
  const out = Object.fromEntries(Object.keys(b).map((k) => [k, read(b[k])]));
  free(...Object.values(b));
  return out;
}

/** The buffer after one decay by `factor`: 0 where the f32 result is subnormal, NaN kept. */
function expectFlushed(got: number[], factor: number, what: string): void {
  START.forEach((s, i) => {
    const exact = Math.fround(s * factor);
    if (Number.isNaN(s)) expect(got[i], `${what}[${i}]`).toBeNaN();
    else if (Math.abs(exact) < MIN_NORMAL)
      expect(Object.is(Math.abs(got[i]), 0), `${what}[${i}] = ${got[i]}`).toBe(true);
    else
      expect(Math.abs(got[i] - exact), `${what}[${i}] = ${got[i]}`).toBeLessThanOrEqual(
        1e-6 * Math.abs(exact),
      );
  });
}

const pos = Array(N).fill(1e-4);

describe('first-moment buffers that decay below the smallest normal are stored as 0', () => {
  it('Adam and AdamW: m', () => {
    for (const decoupled of [false, true]) {
      const r = stepWithZeroGrad({ m: START, v: pos }, (b) =>
        adamStep(b.p, b.g, b.m, b.v, 0, N, {
          lr: 1e-3,
          beta1: 0.9,
          beta2: 0.999,
          eps: 1e-8,
          step: 5,
          decoupled,
        }),
      );
      expectFlushed(r.m, 0.9, `m (decoupled ${decoupled})`);
      expect(r.p.slice(0, 3)).toEqual([0.5, 0.5, 0.5].map(Math.fround));
    }
  });

  it('Adamax and NAdam: m', () => {
    const a = stepWithZeroGrad({ m: START, u: pos }, (b) =>
      adamaxStep(b.p, b.g, b.m, b.u, N, { lr: 2e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 5 }),
    );
    expectFlushed(a.m, 0.9, 'Adamax m');
    const n = stepWithZeroGrad({ m: START, v: pos }, (b) =>
      nadamStep(b.p, b.g, b.m, b.v, N, {
        lr: 2e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        momentumDecay: 4e-3,
        step: 5,
        muProduct: 0.5,
      }),
    );
    expectFlushed(n.m, 0.9, 'NAdam m');
  });

  it('SGD with momentum: the momentum buffer', () => {
    const r = stepWithZeroGrad({ buf: START }, (b) =>
      sgdStep(b.p, b.g, b.buf, N, { lr: 0.1, momentum: 0.5 }),
    );
    expectFlushed(r.buf, 0.5, 'buf');
  });

  it('RMSprop: the momentum buffer and the centered gradient average', () => {
    const r = stepWithZeroGrad({ sq: pos, buf: START, gAvg: START }, (b) =>
      rmspropStep(b.p, b.g, b.sq, b.buf, b.gAvg, N, {
        lr: 1e-2,
        alpha: 0.5,
        eps: 1e-8,
        momentum: 0.5,
        centered: true,
      }),
    );
    expectFlushed(r.buf, 0.5, 'buf');
    expectFlushed(r.gAvg, 0.5, 'gAvg');
  });
});

describe('other buffers keep their subnormals', () => {
  it("Lion's m (its update is the sign of m) and Adam's v", () => {
    const lion = stepWithZeroGrad({ m: START }, (b) =>
      lionStep(b.p, b.g, b.m, N, { lr: 1e-4, beta1: 0.9, beta2: 0.5 }),
    );
    expect(lion.m[0]).toBe(Math.fround(MIN_NORMAL * 0.5));
    expect(lion.m[0]).toBeGreaterThan(0);
    const adam = stepWithZeroGrad({ m: pos, v: START.map(Math.abs) }, (b) =>
      adamStep(b.p, b.g, b.m, b.v, 0, N, { lr: 1e-3, beta1: 0.9, beta2: 0.5, eps: 1e-8, step: 5 }),
    );
    expect(adam.v[0]).toBe(Math.fround(MIN_NORMAL * 0.5));
    expect(adam.v[4]).toBe(Math.fround(MIN_NORMAL * 0.5));
  });
});
