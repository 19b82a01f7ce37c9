// A second kernel build beside the loaded one (loadBuild / withBuild): its kernels run on its own
// memory, on the calling thread, give the bits the loaded build gives where both are SIMD128, and
// switching back and forth neither leaks blocks in either heap nor leaves the switch in place.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as binaries from '../build/wasm.js';
import {
  type Conv2dShape,
  conv2d,
  heap,
  type KernelBuild,
  kernelInfo,
  loadBuild,
  matmul,
  ready,
  setThreads,
  wasm,
  withBuild,
} from '../src/index.js';
import { poolStats } from '../src/threads.js';
import { bits, expectSameBits } from './bits.js';
import { lcg } from './lcg.js';

let other: KernelBuild;

beforeAll(async () => {
  await ready();
  await setThreads(2);
  other = await loadBuild('simd128');
});
afterAll(() => setThreads(2));

/** n seeded floats in a new block of the current build's heap. */
function filled(n: number, seed: number): number {
  const rnd = lcg(seed);
  const p = heap().alloc(n * 4);
  const f = heap().f32();
  for (let i = 0; i < n; i++) f[p / 4 + i] = rnd();
  return p;
}

/** Runs `op` on fresh seeded inputs in the current build and returns the output's bits. */
function run(inputs: number[], outLen: number, op: (ptrs: number[], out: number) => void): Uint32Array {
  const ptrs = inputs.map((n, i) => filled(n, 100 + i));
  const out = heap().alloc(outLen * 4);
  op(ptrs, out);
  const got = bits(out, outLen);
  for (const p of [...ptrs, out]) heap().free(p);
  return got;
}

const product = (m: number, n: number, k: number, transA = false, transB = false) =>
  run([m * k, k * n], m * n, ([a, b], out) => matmul({ a, b, out, m, n, k, transA, transB }));

describe('loadBuild', () => {
  it('describes the build it loaded: one thread, the loaded build’s kind of memory', () => {
    expect(other.info.simd).toBe('simd128');
    expect(other.info.threads).toBe(1);
    expect(other.info.sharedMemory).toBe(kernelInfo().sharedMemory);
    expect(other.info.wasmBytes).toBeGreaterThan(10_000);
    expect(other.info.notes.join(' ')).toMatch(/loadBuild/);
  });

  it('rejects a build name it does not have, naming it', async () => {
    await expect(loadBuild('avx' as never)).rejects.toThrow(
      /loadBuild: simd must be 'relaxed' or 'simd128', got "avx"/,
    );
  });

  it('loads relaxed-SIMD where the runtime validates it, and otherwise says how to enable it', async () => {
    const accepted = WebAssembly.validate(Buffer.from(binaries.relaxed, 'base64'));
    if (accepted) expect((await loadBuild('relaxed')).info.simd).toBe('relaxed');
    else await expect(loadBuild('relaxed')).rejects.toThrow(/--experimental-wasm-relaxed-simd/);
  });
});

describe('withBuild', () => {
  it('switches heap, raw exports and kernelInfo to the build, and back when the body returns', () => {
    const mainHeap = heap();
    const mainExports = wasm();
    const inside = withBuild(other, () => ({ heap: heap(), exports: wasm(), info: kernelInfo() }));
    expect(inside.heap).not.toBe(mainHeap);
    expect(inside.exports).not.toBe(mainExports);
    expect(inside.info.simd).toBe('simd128');
    expect(inside.info.threads).toBe(1);
    expect(heap()).toBe(mainHeap);
    expect(wasm()).toBe(mainExports);
    expect(kernelInfo().threads).toBe(2);
  });

  it('gives the loaded build’s bits when both are SIMD128, in all three forms', () => {
    const shapes: [number, number, number][] = [
      [128, 128, 784],
      [37, 61, 29],
      [128, 10, 128],
    ];
    for (const [m, n, k] of shapes)
      for (const [transA, transB] of [
        [false, false],
        [false, true],
        [true, false],
      ]) {
        const there = withBuild(other, () => product(m, n, k, transA, transB));
        if (kernelInfo().simd !== 'simd128') continue; // relaxed rounds differently (FMA)
        expectSameBits(there, product(m, n, k, transA, transB), `[${m},${n},${k}] ${transA} ${transB}`);
      }
  });

  it('runs conv2d on the build with the loaded SIMD128 build’s bits', () => {
    const s: Conv2dShape = {
      ...{ n: 4, cIn: 3, h: 11, w: 9, cOut: 8, kh: 3, kw: 3 },
      ...{ strideH: 1, strideW: 2, padH: 1, padW: 0 },
    };
    const [oh, ow] = [11, 4];
    const conv = () =>
      run([s.n * 3 * 11 * 9, 8 * 3 * 9, 8], s.n * 8 * oh * ow, ([x, w, b], out) => conv2d(x, w, b, out, s));
    const there = withBuild(other, conv);
    expect(there.some((v) => v !== 0)).toBe(true);
    if (kernelInfo().simd === 'simd128') expectSameBits(there, conv(), 'conv2d');
  });

  it('keeps a product the pool would split on the calling thread', () => {
    const before = poolStats().jobs;
    withBuild(other, () => product(256, 256, 256));
    expect(poolStats().jobs).toBe(before);
    product(256, 256, 256);
    expect(poolStats().jobs).toBeGreaterThan(before); // the same product on the loaded build splits
  });

  it('leaks no block in either heap when calls alternate between the builds', () => {
    const round = () => {
      product(96, 72, 130);
      withBuild(other, () => product(96, 72, 130));
      product(200, 40, 64);
      withBuild(other, () => product(200, 40, 64));
    };
    round(); // the packing scratch each heap keeps is allocated here
    const main = heap().stats().blocks;
    const theirs = withBuild(other, () => heap().stats().blocks);
    for (let i = 0; i < 20; i++) round();
    expect(heap().stats().blocks).toBe(main);
    expect(withBuild(other, () => heap().stats().blocks)).toBe(theirs);
  });

  it('restores the loaded build after the body throws, and inside nested calls', () => {
    const mainHeap = heap();
    expect(() =>
      withBuild(other, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(heap()).toBe(mainHeap);
    const nested = withBuild(other, () => {
      const outer = heap();
      withBuild(other, () => heap());
      return { outer, after: heap(), threads: kernelInfo().threads };
    });
    expect(nested.after).toBe(nested.outer);
    expect(nested.threads).toBe(1);
    expect(heap()).toBe(mainHeap);
    expect(kernelInfo().threads).toBe(2);
  });

  it('refuses an asynchronous body and anything but a loaded build, naming the problem', () => {
    const mainHeap = heap();
    expect(() => withBuild(other, async () => 1)).toThrow(/withBuild: body must be synchronous/);
    expect(heap()).toBe(mainHeap);
    expect(() => withBuild({ info: kernelInfo() }, () => 1)).toThrow(
      /withBuild: build must be a KernelBuild returned by loadBuild/,
    );
  });
});
