import { describe, expect, it } from 'vitest';
import { batchSize, SAMPLE_SECONDS, selfTimedRound, summarize, timeInterleaved } from '../src/harness.js';
import { relativeError, uniform } from '../src/random.js';

describe('summarize', () => {
  it('gives the median, min and max of odd and even counts', () => {
    expect(summarize([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(summarize([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
    expect(() => summarize([])).toThrow('summarize: no values');
  });
});

describe('batchSize', () => {
  it('batches short calls in multiples of 4 up to a sample length, and leaves long ones alone', () => {
    expect(batchSize(SAMPLE_SECONDS * 2)).toBe(1);
    const b = batchSize(SAMPLE_SECONDS / 10);
    expect(b % 4).toBe(0);
    expect(b).toBeGreaterThanOrEqual(10);
    expect(b).toBeLessThan(16);
  });
});

describe('timeInterleaved', () => {
  it('reports a throwing entry with its error and still times the others', async () => {
    let calls = 0;
    const out = await timeInterleaved(
      [
        { peer: 'fine', run: () => calls++ },
        {
          peer: 'broken',
          run: () => {
            throw new Error('no kernel\nsecond line');
          },
        },
      ],
      { reps: 2, minMs: 1, warmupMs: 1, warmupCalls: 1, rewarmMs: 1 },
    );
    expect(out.get('broken')).toEqual({ ok: false, error: 'no kernel' });
    const fine = out.get('fine');
    expect(fine?.ok && fine.reps).toBe(2);
    expect(calls).toBeGreaterThan(2);
  });
});

describe('selfTimedRound', () => {
  it('gives seconds per call of a round after the re-warm, and times a long call once', async () => {
    let calls = 0;
    const spin = (ms: number) => () => {
      calls++;
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    // A call spins 0.2 ms, so no figure per call can be lower; calls: one to size the batch,
    // the re-warm's and the round's.
    expect(await selfTimedRound(spin(0.2), 5, 5)).toBeGreaterThanOrEqual(0.2e-3);
    expect(calls).toBeGreaterThanOrEqual(3);
    calls = 0;
    expect(await selfTimedRound(spin(550), 5, 5)).toBeGreaterThan(0.5);
    expect(calls).toBe(1);
  });
});

describe('inputs', () => {
  it('are reproducible from the seed and lie in [-1, 1)', () => {
    const a = uniform(1000, 7);
    expect(uniform(1000, 7)).toEqual(a);
    expect(uniform(1000, 8)).not.toEqual(a);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...a)).toBeLessThan(1);
  });

  it('relativeError is 0 for equal outputs and infinite for NaN or a length mismatch', () => {
    expect(relativeError([1, 2], [1, 2])).toBe(0);
    expect(relativeError([1, -4], [1, -3])).toBeCloseTo(0.25);
    expect(relativeError([1], [Number.NaN])).toBe(Number.POSITIVE_INFINITY);
    expect(relativeError([1], [1, 2])).toBe(Number.POSITIVE_INFINITY);
  });
});
