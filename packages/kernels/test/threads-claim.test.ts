// Which thread runs which chunk: each thread first takes its own contiguous run of chunks (so
// it meets the same part of a buffer call after call), then takes the last chunks of the
// others' runs. Checked on a control block in plain memory, one claim at a time, and on the
// chunk layout chunkBounds gives those runs.
import { describe, expect, it } from 'vitest';
import { chunkBounds } from '../src/threads.js';
import { claimChunk, CONTROL as W } from '../src/worker.js';

/** A control block whose job gives thread t the chunks [runs[t][0], runs[t][1]). */
function job(runs: [number, number][]): Int32Array {
  const c = new Int32Array(W.ARGS);
  c[W.SPLIT] = runs.length;
  runs.forEach(([start, end], t) => {
    c[W.CLAIMS + t] = (end << 8) | start;
  });
  return c;
}

describe('claimChunk', () => {
  it('gives each thread its own run in order, before any chunk of another run', () => {
    const c = job([
      [0, 2],
      [2, 4],
    ]);
    expect(claimChunk(c, W, 1)).toBe(2);
    expect(claimChunk(c, W, 0)).toBe(0);
    expect(claimChunk(c, W, 0)).toBe(1);
    expect(claimChunk(c, W, 1)).toBe(3);
    expect(claimChunk(c, W, 0)).toBe(-1);
    expect(claimChunk(c, W, 1)).toBe(-1);
  });

  it('a thread done with its run takes the last chunk of the next run, then the one before', () => {
    const c = job([
      [0, 2],
      [2, 4],
      [4, 6],
    ]);
    expect([0, 0].map(() => claimChunk(c, W, 0))).toEqual([0, 1]);
    // Thread 1 never came: thread 0 works back from the end of its run.
    expect(claimChunk(c, W, 0)).toBe(3);
    expect(claimChunk(c, W, 2)).toBe(4);
    expect(claimChunk(c, W, 0)).toBe(2);
    expect(claimChunk(c, W, 0)).toBe(5);
    expect(claimChunk(c, W, 2)).toBe(-1);
  });

  it('a thread with no run of its own (started after the split) only helps', () => {
    const c = job([
      [0, 1],
      [1, 2],
    ]);
    expect(claimChunk(c, W, 5)).toBe(0);
    expect(claimChunk(c, W, 1)).toBe(1);
    expect(claimChunk(c, W, 0)).toBe(-1);
  });

  it('every chunk is claimed exactly once, whatever the order of the claims', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const threads = 1 + (seed % 4);
      const chunks = 1 + ((seed * 7) % 12);
      const runs: [number, number][] = [];
      for (let t = 0; t < threads; t++)
        runs.push([Math.ceil((t * chunks) / threads), Math.ceil(((t + 1) * chunks) / threads)]);
      const c = job(runs);
      const got: number[] = [];
      let r = seed;
      for (;;) {
        r = (r * 1103515245 + 12345) % 2147483648;
        const chunk = claimChunk(c, W, r % threads);
        if (chunk < 0) break;
        got.push(chunk);
      }
      expect(got.sort((a, b) => a - b)).toEqual([...Array(chunks).keys()]);
    }
  });
});

describe('chunkBounds', () => {
  it('with room for two per thread, each thread run is a large chunk then a small one (3:1)', () => {
    expect(chunkBounds(1024, 8, 2, 100)).toEqual([0, 384, 512, 896, 1024]);
  });

  it('between one and two chunks per thread, one per thread, so the runs are equal', () => {
    // Three chunks would give one thread two of them, and its run would be twice the other's.
    expect(chunkBounds(100352, 16, 2, 3)).toEqual([0, 50176, 100352]);
  });

  it('fewer than two chunks means no split', () => {
    expect(chunkBounds(1024, 8, 2, 1)).toEqual([]);
    expect(chunkBounds(1024, 8, 1, 100)).toEqual([]);
  });
});
