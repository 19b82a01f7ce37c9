// The GEMM against a float64 reference, on every kernel build: the loaded one through the
// public wrapper, and both binaries (SIMD128 and relaxed-SIMD) called directly.
import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as binaries from '../build/wasm.js';
import {
  Allocator,
  heap,
  type Kernel,
  kernelInfo,
  type MatmulArgs,
  matmul,
  ready,
  wasm,
} from '../src/index.js';
import { bits, expectSameBits } from './bits.js';

const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 13, 17, 31, 33, 64, 65, 100, 130];

/** A kernel build the same cases run on. */
interface Build {
  name: string;
  heap: Allocator;
  ex: Record<string, Kernel>;
  run(args: MatmulArgs): void;
}

const flagsOf = (x: MatmulArgs) =>
  (x.transA ? 1 : 0) | (x.transB ? 2 : 0) | (x.accumulate ? 4 : 0) | (x.bias !== undefined ? 8 : 0);

/** Scratch for one kernel call. It is never zeroed: poison it to show the kernel reads nothing it did not write. */
function withPack(h: Allocator, bytes: number, body: (pack: number) => void): void {
  const pack = h.alloc(bytes);
  h.f32().fill(Number.NaN, pack / 4, (pack + bytes) / 4);
  body(pack);
  h.free(pack);
}

/** Instantiates one binary on its own memory and calls matmul_f32 as the wrapper does. */
function rawBuild(name: string, b64: string): Build {
  const module = new WebAssembly.Module(Buffer.from(b64, 'base64'));
  const memory = new WebAssembly.Memory({ initial: 64 });
  const ex = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, Kernel>;
  const h = new Allocator(memory, (ex.heap_base() + 15) & ~15);
  return {
    name,
    heap: h,
    ex,
    run(x) {
      const batch = x.batch ?? 1;
      const [sA, sB, sC] = [x.strideA ?? x.m * x.k, x.strideB ?? x.k * x.n, x.strideOut ?? x.m * x.n];
      withPack(h, ex.matmul_f32_pack_bytes(x.m * batch, x.n, x.k), (pack) =>
        ex.matmul_f32(x.a, x.b, x.out, x.bias ?? 0, x.m, x.n, x.k, flagsOf(x), batch, sA, sB, sC, pack),
      );
    },
  };
}

/** Computes one matrix as separate row x column blocks with matmul_f32_range, as threads would. */
function byBlocks(build: Build, x: MatmulArgs): void {
  const rows = [0, Math.min(5, x.m), Math.min(18, x.m), x.m];
  const cols = [0, Math.min(9, x.n), x.n];
  const bytes = build.ex.matmul_f32_pack_bytes(x.m, x.n, x.k);
  for (let r = 0; r + 1 < rows.length; r++) {
    for (let c = 0; c + 1 < cols.length; c++) {
      if (rows[r] === rows[r + 1] || cols[c] === cols[c + 1]) continue;
      withPack(build.heap, bytes, (pack) =>
        build.ex.matmul_f32_range(
          ...[x.a, x.b, x.out, x.bias ?? 0, x.m, x.n, x.k, flagsOf(x), pack],
          ...[rows[r], rows[r + 1], cols[c], cols[c + 1]],
        ),
      );
    }
  }
}

const builds: Build[] = [];

beforeAll(async () => {
  await ready();
  builds.push({ name: `wrapper (${kernelInfo().simd})`, heap: heap(), ex: wasm(), run: matmul });
  builds.push(rawBuild('simd128', binaries.simd128));
  // Node 20 validates relaxed-SIMD only behind a flag; this test process turns it on (after
  // the loader chose its build) so the relaxed binary is tested on every Node version.
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  builds.push(rawBuild('relaxed', binaries.relaxed));
});

interface Case {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  bias: boolean;
  accumulate: boolean;
  batch: number;
  strideA: number;
  strideB: number;
  strideOut: number;
}

function dense(m: number, n: number, k: number, transA: boolean, transB: boolean): Case {
  return {
    m,
    n,
    k,
    transA,
    transB,
    bias: false,
    accumulate: false,
    batch: 1,
    strideA: m * k,
    strideB: k * n,
    strideOut: m * n,
  };
}

const span = (c: Case, stride: number, size: number) => (c.batch - 1) * stride + size;

function random(n: number, rnd: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => rnd() * 2 - 1);
}

/** A small seeded generator, so a failing case can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * The product in float64, batch entries applied in order (so a shared output accumulates),
 * and for every output element a bound on its rounding error: the sum of the magnitudes it
 * is made of times (number of terms) · 2^-23.
 */
function reference(c: Case, A: Float32Array, B: Float32Array, bias: Float32Array, C0: Float32Array) {
  const out = Float64Array.from(C0);
  const mag = new Float64Array(C0.length);
  for (let t = 0; t < c.batch; t++) {
    const a0 = t * c.strideA;
    const b0 = t * c.strideB;
    const o0 = t * c.strideOut;
    for (let i = 0; i < c.m; i++) {
      for (let j = 0; j < c.n; j++) {
        let s = 0;
        let sAbs = 0;
        for (let p = 0; p < c.k; p++) {
          const av = A[a0 + (c.transA ? p * c.m + i : i * c.k + p)];
          const bv = B[b0 + (c.transB ? j * c.k + p : p * c.n + j)];
          s += av * bv;
          sAbs += Math.abs(av * bv);
        }
        if (c.bias) {
          s += bias[j];
          sAbs += Math.abs(bias[j]);
        }
        const o = o0 + i * c.n + j;
        if (c.accumulate) {
          mag[o] += Math.abs(out[o]) + sAbs;
          out[o] += s;
        } else {
          mag[o] = sAbs;
          out[o] = s;
        }
      }
    }
  }
  const terms = c.k + 2 * c.batch + 2;
  return { out, tol: mag.map((v) => v * terms * 2 ** -23) };
}

/** Copies data onto the build's heap (at least 4 bytes, so an empty array still gets a block). */
function put(h: Allocator, data: Float32Array): number {
  const p = h.alloc(Math.max(4, data.length * 4));
  h.f32().set(data, p / 4);
  return p;
}

/** Runs one case on every build and checks the whole output block, gaps included. */
function check(c: Case, seed: number, run = (build: Build, args: MatmulArgs) => build.run(args)): void {
  const rnd = lcg(seed);
  const A = random(span(c, c.strideA, c.m * c.k), rnd);
  const B = random(span(c, c.strideB, c.k * c.n), rnd);
  const bias = random(c.n, rnd);
  const C0 = random(span(c, c.strideOut, c.m * c.n), rnd);
  const want = reference(c, A, B, bias, C0);
  for (const build of builds) {
    const h = build.heap;
    const [pa, pb, pbias, pout] = [A, B, bias, C0].map((data) => put(h, data));
    run(build, { ...c, a: pa, b: pb, out: pout, bias: c.bias ? pbias : undefined });
    const got = h.f32().subarray(pout / 4, pout / 4 + C0.length);
    for (let i = 0; i < C0.length; i++) {
      if (!(Math.abs(got[i] - want.out[i]) <= want.tol[i])) {
        expect.fail(
          `${build.name}: ${JSON.stringify(c)} seed ${seed}: out[${i}] = ${got[i]}, want ${want.out[i]} ± ${want.tol[i]}`,
        );
      }
    }
    for (const p of [pa, pb, pbias, pout]) h.free(p);
  }
}

describe('matmul_f32 against a float64 reference', () => {
  const forms = [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const;

  for (const [transA, transB] of forms) {
    it(`${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'}: every m, n in ${SIZES.length} sizes, k cycling through them`, () => {
      SIZES.forEach((m, i) => {
        SIZES.forEach((n, j) => {
          const k = SIZES[(i + 3 * j) % SIZES.length];
          check(dense(m, n, k, transA, transB), i * 100 + j);
        });
      });
    });
  }

  it('fuses bias and accumulate across packing blocks in every dimension', () => {
    // 133 rows > one block of A rows, 1030 columns > one block of B columns, k = 520 is
    // three blocks of depth: bias must be added once and every depth block accumulated.
    // Narrow outputs (n = 10, 12) run with the operands exchanged and the tile transposed.
    const shapes = [
      [133, 24, 40],
      [5, 1030, 40],
      [9, 17, 520],
      [128, 12, 40],
      [1030, 10, 40],
      [133, 10, 520],
    ];
    for (const [transA, transB] of forms) {
      for (const [m, n, k] of shapes)
        check({ ...dense(m, n, k, transA, transB), bias: true, accumulate: true }, m);
    }
    check({ ...dense(133, 1030, 260, false, true), bias: true }, 8);
  });

  it('handles bias, accumulate, batches and batch strides (padded, and 0 for a, b or out)', () => {
    const size = fc.constantFrom(...SIZES.filter((s) => s <= 65));
    fc.assert(
      fc.property(
        fc.record({
          m: size,
          n: size,
          k: size,
          transA: fc.boolean(),
          transB: fc.boolean(),
          bias: fc.boolean(),
          accumulate: fc.boolean(),
          batch: fc.integer({ min: 1, max: 4 }),
          strides: fc.constantFrom('dense', 'padded', 'shareA', 'shareB', 'shareOut'),
        }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        ({ strides, ...r }, seed) => {
          const c: Case = { ...r, strideA: r.m * r.k, strideB: r.k * r.n, strideOut: r.m * r.n };
          if (strides === 'padded') {
            c.strideA += 3;
            c.strideB += 5;
            c.strideOut += 1;
          }
          if (strides === 'shareA') c.strideA = 0;
          if (strides === 'shareB') c.strideB = 0;
          if (strides === 'shareOut') c.strideOut = 0;
          check(c, seed);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('computes any block of rows and columns on its own (matmul_f32_range, the unit of a thread)', () => {
    for (const [transA, transB] of forms) {
      for (const [m, n, k] of [
        [37, 29, 19],
        [130, 10, 33],
        [3, 40, 8],
      ]) {
        check({ ...dense(m, n, k, transA, transB), bias: true, accumulate: true }, m + n, byBlocks);
      }
    }
  });

  it('blocks cut where threads cut them (multiples of 8) give the same bits as the whole product', () => {
    // Tiles are 4x8 (SIMD128) or 3x12 (relaxed), so these cuts split tiles: an element must be
    // summed in the same order whether its tile is whole, partial, or the relaxed 8-column one.
    for (const build of builds.slice(1)) {
      for (const [m, n, k] of [
        [128, 128, 40],
        [67, 45, 301],
        [130, 10, 33],
      ]) {
        for (const [transA, transB] of forms) {
          const c = { ...dense(m, n, k, transA, transB), bias: true };
          const rnd = lcg(m + n + k);
          const h = build.heap;
          const [pa, pb, pbias] = [m * k, k * n, n].map((len) => put(h, random(len, rnd)));
          const [whole, parts] = [h.alloc(m * n * 4), h.alloc(m * n * 4)];
          const x = { ...c, a: pa, b: pb, bias: pbias, out: whole };
          build.run(x);
          const bytes = build.ex.matmul_f32_pack_bytes(m, n, k);
          const [mc, nc] = [Math.min(64, m), Math.min(64, n)];
          for (const [r0, r1, c0, c1] of [
            [0, mc, 0, nc],
            [mc, m, 0, nc],
            [0, m, nc, n],
          ]) {
            if (r0 >= r1 || c0 >= c1) continue;
            withPack(h, bytes, (pack) =>
              build.ex.matmul_f32_range(pa, pb, parts, pbias, m, n, k, flagsOf(x), pack, r0, r1, c0, c1),
            );
          }
          expectSameBits(bits(parts, m * n, h), bits(whole, m * n, h), `${build.name} ${JSON.stringify(c)}`);
          for (const ptr of [pa, pb, pbias, whole, parts]) h.free(ptr);
        }
      }
    }
  });

  it("the relaxed build's 4x8 products (swapped, or rows that 3x12 tiles pad) have SIMD128's bits", () => {
    // Where the 3 x 12 FMA tile does not fit a product, the relaxed build runs the SIMD128
    // build's 4 x 8 tiles with a multiply and an add, so that it is never slower than it.
    const [simd, relaxed] = [builds[1], builds[2]];
    for (const [m, n, k] of [
      [128, 10, 128],
      [64, 64, 64],
      [300, 7, 50],
    ]) {
      for (const [transA, transB] of forms) {
        const c = { ...dense(m, n, k, transA, transB), bias: true, accumulate: true };
        const rnd = lcg(m * n + k);
        const data = [m * k, k * n, n, m * n].map((len) => random(len, rnd));
        const [want, got] = [simd, relaxed].map((build) => {
          const h = build.heap;
          const [pa, pb, pbias, pout] = data.map((d) => put(h, d));
          build.run({ ...c, a: pa, b: pb, bias: pbias, out: pout });
          const out = bits(pout, m * n, h);
          for (const p of [pa, pb, pbias, pout]) h.free(p);
          return out;
        });
        expectSameBits(got, want, `relaxed against SIMD128 ${JSON.stringify(c)}`);
      }
    }
  });

  it('swaps the operands for a narrow output only, in both builds', () => {
    // Cᵀ = op(B)ᵀ·op(A)ᵀ pays where n is narrow (10 classes). The relaxed build once weighed its
    // 4 x 8 products as if they ran in 3 x 12 tiles, and so swapped 64³ (0.98-0.99x the SIMD128
    // build) and 4x8x64 (3.5x slower).
    for (const build of builds.slice(1)) {
      for (const [m, n, swaps] of [
        [64, 64, 0],
        [4, 8, 0],
        [16, 16, 0],
        [32, 32, 0],
        [128, 128, 0],
        [128, 10, 1],
        [784, 10, 1],
      ]) {
        expect(build.ex.matmul_f32_swaps(m, n), `${build.name} ${m} x ${n}`).toBe(swaps);
      }
    }
  });

  it('column chunks that pack op(A) once per share (matmul_f32_range_cols) give the same bits', () => {
    // Two shares, as two threads hold them: share 0 runs chunks 0 and 2 (packing op(A) only for
    // the first), share 1 runs chunk 1. Cut every 16 columns, which splits relaxed 12-wide tiles.
    // Then a second product with another op(A) of the same shape, the headers cleared as the
    // caller clears them: a share that kept the old op(A) would give the first product's numbers.
    for (const build of builds.slice(1)) {
      for (const [m, n, k] of [
        [128, 128, 300],
        [67, 80, 301],
        [5, 48, 2],
        // The relaxed build runs this one in 4 x 8 tiles (64 rows would pad to 66 in 3 x 12),
        // so op(A) is packed 4 rows to a panel there.
        [64, 80, 301],
      ]) {
        for (const [transA, transB] of forms) {
          const c = { ...dense(m, n, k, transA, transB), bias: true, accumulate: true };
          const flags = flagsOf({ ...c, a: 0, b: 0, out: 0, bias: 0 });
          const h = build.heap;
          const rnd = lcg(3 * m + n + k);
          const bytes = build.ex.matmul_f32_cols_bytes(m, n, k);
          const shares = [h.alloc(bytes), h.alloc(bytes)];
          for (const share of shares) h.f32().fill(Number.NaN, share / 4, (share + bytes) / 4);
          const cuts = [0, 16, Math.min(48, n), n];
          const owner = [0, 1, 0];
          const [pb, pbias, start] = [k * n, n, m * n].map((len) => put(h, random(len, rnd)));
          for (const call of [1, 2]) {
            for (const share of shares) h.i32()[share / 4] = 0; // the caller clears each header
            const pa = put(h, random(m * k, rnd));
            const [whole, parts] = [put(h, h.f32().slice(start / 4, start / 4 + m * n)), h.alloc(m * n * 4)];
            h.f32().copyWithin(parts / 4, start / 4, start / 4 + m * n);
            build.run({ ...c, a: pa, b: pb, bias: pbias, out: whole });
            for (let i = 0; i < 3; i++) {
              if (cuts[i] >= cuts[i + 1]) continue;
              build.ex.matmul_f32_range_cols(
                pa,
                pb,
                parts,
                pbias,
                m,
                n,
                k,
                flags,
                shares[owner[i]],
                cuts[i],
                cuts[i + 1],
              );
            }
            expect(build.ex.matmul_f32_swaps(m, n), 'a product this path takes').toBe(0);
            const label = `${build.name} call ${call} ${JSON.stringify(c)}`;
            expectSameBits(bits(parts, m * n, h), bits(whole, m * n, h), label);
            for (const ptr of [pa, whole, parts]) h.free(ptr);
          }
          for (const ptr of [pb, pbias, start, ...shares]) h.free(ptr);
        }
      }
    }
  });

  it('with k = 0 writes bias (plus out when accumulating)', () => {
    for (const [bias, accumulate] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ]) {
      check({ ...dense(5, 9, 0, false, false), bias, accumulate }, 3);
    }
  });

  it('never reads out unless accumulating (NaN in out does not leak)', () => {
    for (const build of builds) {
      const h = build.heap;
      const [m, n, k] = [6, 11, 5];
      const a = h.alloc(m * k * 4);
      const b = h.alloc(k * n * 4);
      const out = h.alloc(m * n * 4);
      h.f32().fill(1, a / 4, a / 4 + m * k);
      h.f32().fill(2, b / 4, b / 4 + k * n);
      h.f32().fill(Number.NaN, out / 4, out / 4 + m * n);
      build.run({ a, b, out, m, n, k, transB: true });
      expect(Array.from(h.f32().subarray(out / 4, out / 4 + m * n))).toEqual(new Array(m * n).fill(10));
      for (const p of [a, b, out]) h.free(p);
    }
  });
});
