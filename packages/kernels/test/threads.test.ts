// The thread pool in this process: split calls give bit-identical results for 1, 2 and 3
// threads (so the split cannot change a single rounding), the workers really take chunks,
// setThreads validates and is reported by kernelInfo, and views stay valid across growth.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  binary,
  binarySame,
  heap,
  kernelInfo,
  MAX_THREADS,
  type MatmulArgs,
  matmul,
  ready,
  releaseMatmulScratch,
  setThreads,
  unary,
  unaryBackward,
} from '../src/index.js';
import {
  MATMUL_MAX_LEFT_FLOATS,
  MATMUL_MIN_MACS_PER_CHUNK,
  parallelElementwise,
  poolStats,
} from '../src/threads.js';
import { bits, expectSameBits } from './bits.js';
import { lcg } from './lcg.js';

beforeAll(() => ready());
afterAll(() => setThreads(2));

function block(n: number, rnd: () => number): number {
  const p = heap().alloc(n * 4);
  const f = heap().f32();
  for (let i = 0; i < n; i++) f[p / 4 + i] = rnd();
  return p;
}

interface Case {
  name: string;
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  bias?: boolean;
  accumulate?: boolean;
  batch?: number;
  shareB?: boolean;
}

// Odd sizes, so chunk edges fall inside register tiles' padding; each product is big enough
// to be split (checked below), by rows, by columns, and by whole matrices of a batch.
const CASES: Case[] = [
  { name: 'A·B split by rows', m: 131, n: 67, k: 97 },
  { name: 'A·Bᵀ split by columns, with bias', m: 37, n: 301, k: 71, transB: true, bias: true },
  { name: 'Aᵀ·B accumulate', m: 203, n: 45, k: 113, transA: true, accumulate: true },
  {
    name: 'Aᵀ·Bᵀ with bias and accumulate',
    m: 99,
    n: 101,
    k: 103,
    transA: true,
    transB: true,
    bias: true,
    accumulate: true,
  },
  // Column splits of a product whose op(A) each thread packs once for all its chunks.
  { name: 'A·Bᵀ split by columns, op(A) packed once a thread', m: 128, n: 128, k: 784, transB: true },
  {
    name: 'Aᵀ·B by columns, op(A) once a thread, bias, accumulate',
    m: 67,
    n: 200,
    k: 300,
    transA: true,
    bias: true,
    accumulate: true,
  },
  // Just over the limit, so each column chunk packs its own op(A) (the general split).
  { name: 'A·B by columns, op(A) packed per chunk', m: 64, n: 96, k: MATMUL_MAX_LEFT_FLOATS / 64 + 16 },
  { name: 'narrow output (operands exchanged)', m: 1001, n: 10, k: 129 },
  { name: 'batch of small matrices', m: 33, n: 41, k: 97, batch: 7 },
  { name: 'batch of large matrices, accumulate', m: 65, n: 77, k: 150, batch: 3, accumulate: true },
  { name: 'one B shared by a batch', m: 29, n: 53, k: 211, batch: 9, shareB: true },
];

/** Runs a case with `threads` threads on fresh copies of the same seeded data; returns the output bits. */
async function run(c: Case, threads: number): Promise<Uint32Array> {
  await setThreads(threads);
  const rnd = lcg(c.m * 1000 + c.n);
  const batch = c.batch ?? 1;
  const sB = c.shareB ? 0 : c.k * c.n;
  const a = block(batch * c.m * c.k, rnd);
  const b = block(c.shareB ? c.k * c.n : batch * c.k * c.n, rnd);
  const bias = block(c.n, rnd);
  const out = block(batch * c.m * c.n, rnd);
  const args: MatmulArgs = { ...c, a, b, out, batch, strideB: sB, bias: c.bias ? bias : undefined };
  matmul(args);
  const result = bits(out, batch * c.m * c.n);
  for (const p of [a, b, bias, out]) heap().free(p);
  return result;
}

describe('threads', () => {
  it('kernelInfo reports the shared memory and the thread count setThreads asks for', async () => {
    expect(kernelInfo().sharedMemory).toBe(true);
    for (const n of [3, 1, 2]) {
      await setThreads(n);
      expect(kernelInfo().threads).toBe(n);
    }
  });

  it('setThreads rejects counts that are not integers from 1 to MAX_THREADS', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, MAX_THREADS + 1])
      expect(() => setThreads(bad)).toThrow(/^setThreads: n must be an integer from 1 to 64, got /);
  });

  for (const c of CASES) {
    it(`matmul ${c.name} [${c.m}x${c.k}]·[${c.k}x${c.n}]: the same bits on 1, 2 and 3 threads`, async () => {
      expect(c.m * c.n * c.k * (c.batch ?? 1)).toBeGreaterThanOrEqual(2 * MATMUL_MIN_MACS_PER_CHUNK);
      const one = await run(c, 1);
      const before = poolStats().jobs;
      const two = await run(c, 2);
      const three = await run(c, 3);
      expect(poolStats().jobs).toBeGreaterThan(before); // the split path ran
      expectSameBits(two, one, '2 threads');
      expectSameBits(three, one, '3 threads');
    });
  }

  it('worker threads take chunks (a call does not merely run on the calling thread)', async () => {
    await setThreads(2);
    const rnd = lcg(7);
    const [m, n, k] = [256, 256, 256];
    const a = block(m * k, rnd);
    const b = block(k * n, rnd);
    const out = heap().alloc(m * n * 4);
    const before = poolStats().workerChunks;
    // A worker woken late finds the chunks taken; over many calls it gets some.
    for (let i = 0; i < 200 && poolStats().workerChunks === before; i++) matmul({ a, b, out, m, n, k });
    expect(poolStats().workerChunks).toBeGreaterThan(before);
    for (const p of [a, b, out]) heap().free(p);
  });

  it('a lowered count parks the threads above it: no split, and raising it again starts none', async () => {
    await setThreads(3);
    const rnd = lcg(13);
    const [m, n, k] = [256, 256, 256];
    const a = block(m * k, rnd);
    const out = heap().alloc(m * n * 4);
    await setThreads(1);
    expect(kernelInfo().threads).toBe(1);
    const jobs = poolStats().jobs;
    matmul({ a, b: a, out, m, n, k });
    expect(poolStats().jobs).toBe(jobs);
    // Already running, so the promise is settled by the time a microtask has passed.
    let settled = false;
    void setThreads(3).then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(true);
    expect(kernelInfo().threads).toBe(3);
    matmul({ a, b: a, out, m, n, k });
    expect(poolStats().jobs).toBe(jobs + 1);
    for (const p of [a, out]) heap().free(p);
  });

  it('small products stay on the calling thread', async () => {
    await setThreads(2);
    const rnd = lcg(3);
    const a = block(16 * 16, rnd);
    const out = heap().alloc(16 * 16 * 4);
    const before = poolStats().jobs;
    matmul({ a, b: a, out, m: 16, n: 16, k: 16 });
    expect(poolStats().jobs).toBe(before);
    for (const p of [a, out]) heap().free(p);
  });

  it('unary and unaryBackward over a large block: the same bits on 1 and 3 threads', async () => {
    const n = 300_007;
    const rnd = lcg(11);
    const x = block(n, () => 4 * rnd());
    const dy = block(n, rnd);
    const y = heap().alloc(n * 4);
    const dx = heap().alloc(n * 4);
    const results: Uint32Array[][] = [];
    for (const threads of [1, 3]) {
      await setThreads(threads);
      const before = poolStats().jobs;
      unary('gelu', x, y, n);
      unaryBackward('gelu', x, 0, dy, dx, n);
      expect(poolStats().jobs - before).toBe(threads === 1 ? 0 : 2);
      results.push([bits(y, n), bits(dx, n)]);
    }
    expectSameBits(results[1][0], results[0][0], 'gelu');
    expectSameBits(results[1][1], results[0][1], 'gelu backward');
    for (const p of [x, dy, y, dx]) heap().free(p);
  });

  it('binary ops over a large block (same-shape and coalesced strides): the same bits on 1 and 3 threads', async () => {
    const n = 300_007;
    const rnd = lcg(17);
    const a = block(n, () => 2 + rnd());
    const b = block(n, rnd);
    const out = heap().alloc(n * 4);
    const results: Uint32Array[][] = [];
    for (const threads of [1, 3]) {
      await setThreads(threads);
      const before = poolStats().jobs;
      const got: Uint32Array[] = [];
      for (const op of ['add', 'div', 'pow'] as const) {
        binarySame(op, a, b, out, n);
        got.push(bits(out, n));
      }
      // A [7, n/7]-shaped view with contiguous strides takes the same path.
      binary('mul', a, [42_858, 1], b, [42_858, 1], out, [7, 42_858]);
      got.push(bits(out, 7 * 42_858));
      expect(poolStats().jobs - before).toBe(threads === 1 ? 0 : 4);
      results.push(got);
    }
    for (const [i, op] of ['add', 'div', 'pow', 'mul'].entries())
      expectSameBits(results[1][i], results[0][i], op);
    for (const p of [a, b, out]) heap().free(p);
  });

  it('a chunk that traps fails the call, on whichever thread it ran, and the pool keeps working', async () => {
    await setThreads(2);
    const n = 1 << 20;
    // The wrappers never allow this: the second half of the range lies past the end of memory.
    const x = heap().stats().heapBytes - 2 * n;
    expect(() => parallelElementwise('unary_f32', 0, [x, x], n, 0)).toThrow(
      /out of bounds|failed on a worker thread/,
    );
    const rnd = lcg(9);
    const y = block(n, rnd);
    const want = bits(y, n).map((v) => v ^ 0x80000000); // neg flips the sign bit
    expect(parallelElementwise('unary_f32', 0, [y, y], n, 0)).toBe(true);
    expectSameBits(bits(y, n), want, 'neg after a failed call');
    heap().free(y);
  });

  it('workers compute on memory the main thread grew after they started', async () => {
    await setThreads(2);
    const rnd = lcg(5);
    const [m, n, k] = [96, 96, 128];
    const before = heap().stats().heapBytes;
    // Reserve past the current end, so the operands live in pages added after the workers started.
    const pad = heap().alloc(before);
    const a = block(m * k, rnd);
    const b = block(k * n, rnd);
    const out = heap().alloc(m * n * 4);
    expect(heap().stats().heapBytes).toBeGreaterThan(before);
    expect(a).toBeGreaterThanOrEqual(before);
    const jobs = poolStats().jobs;
    matmul({ a, b, out, m, n, k });
    expect(poolStats().jobs).toBe(jobs + 1);
    const f = heap().f32();
    for (const [i, j] of [
      [0, 0],
      [95, 95],
      [50, 17],
    ]) {
      let s = 0;
      for (let p = 0; p < k; p++) s += f[a / 4 + i * k + p] * f[b / 4 + p * n + j];
      expect(f[out / 4 + i * n + j]).toBeCloseTo(s, 4);
    }
    for (const p of [pad, a, b, out]) heap().free(p);
  });

  it('a column split after the memory grew clears the headers of scratch in the new pages', async () => {
    // The split marks each thread's share unpacked through a cached view of the memory; a view
    // made before a growth would drop writes past its end, and a thread would reuse a stale op(A).
    const [m, n, k] = [96, 128, 400]; // m <= n: split by columns
    const rnd = lcg(33);
    const [a, b, out] = [block(m * k, rnd), block(k * n, rnd), heap().alloc(m * n * 4)];
    const product = async (threads: number) => {
      await setThreads(threads);
      matmul({ a, b, out, m, n, k });
      return bits(out, m * n);
    };
    await product(2); // the view exists now
    const pad = heap().alloc(heap().stats().heapBytes); // grow past the current end
    releaseMatmulScratch(); // the next scratch comes from the new pages
    const jobs = poolStats().jobs;
    await product(2); // packs op(A) into the new pages and marks the shares packed
    const f = heap().f32();
    for (let i = 0; i < m * k; i++) f[a / 4 + i] = f[a / 4 + i] * 0.5 + 0.25; // a new op(A)
    const got = await product(2); // must clear those marks and pack the new op(A)
    expect(poolStats().jobs).toBe(jobs + 2);
    expectSameBits(got, await product(1), '2 threads after growth, new op(A)');
    for (const p of [pad, a, b, out]) heap().free(p);
  });

  it('a column split packs each call its own op(A): A rewritten in place between calls', async () => {
    // Each thread keeps op(A) packed across the chunks of one call, never across calls: an
    // optimizer rewrites a weight matrix in place between one step's product and the next.
    const [m, n, k] = [96, 128, 400]; // m <= n: split by columns
    const rnd = lcg(21);
    const [a, b, out] = [block(m * k, rnd), block(k * n, rnd), heap().alloc(m * n * 4)];
    const first = Float32Array.from(
      heap()
        .f32()
        .subarray(a / 4, a / 4 + m * k),
    );
    const second = first.map((v) => v * 0.5 + 0.25);
    const product = async (threads: number, values: Float32Array) => {
      await setThreads(threads);
      heap()
        .f32()
        .set(values, a / 4);
      matmul({ a, b, out, m, n, k });
      return bits(out, m * n);
    };
    const want = [await product(1, first), await product(1, second)];
    expect(want[1]).not.toEqual(want[0]);
    const jobs = poolStats().jobs;
    for (let rep = 0; rep < 3; rep++) {
      expectSameBits(await product(2, first), want[0], `2 threads, first A, rep ${rep}`);
      expectSameBits(await product(2, second), want[1], `2 threads, second A, rep ${rep}`);
    }
    expect(poolStats().jobs).toBe(jobs + 6);
    for (const p of [a, b, out]) heap().free(p);
  });
});
