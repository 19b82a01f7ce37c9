// Each path of the implicit-GEMM conv kernels (assembly/conv.ts) against the float64 reference,
// on every build: the loaded one through the public wrappers, and both binaries (SIMD128 and
// relaxed-SIMD) called directly with scratch poisoned with NaN, so a kernel that reads scratch
// it did not write shows. The comment on each shape says which paths it takes.
import { setFlagsFromString } from 'node:v8';
import { beforeAll, describe, it } from 'vitest';
import * as binaries from '../build/wasm.js';
import {
  Allocator,
  type Conv2dShape,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  heap,
  type Kernel,
  kernelInfo,
  ready,
} from '../src/index.js';
import { expectSameBits } from './bits.js';
import { expectClose, outSize, randoms, reference, shape } from './conv-helpers.js';

/** One build: its heap and the three passes on pointers into it. */
interface Build {
  name: string;
  heap: Allocator;
  forward(x: number, w: number, b: number, out: number, s: Conv2dShape): void;
  input(dy: number, w: number, dx: number, s: Conv2dShape): void;
  weight(x: number, dy: number, dw: number, db: number, s: Conv2dShape): void;
}

const args = (s: Conv2dShape) => [
  ...[s.n, s.cIn, s.h, s.w, s.cOut, s.kh, s.kw],
  ...[s.strideH, s.strideW, s.padH, s.padW],
];

/** A raw binary's build, with its exports for the calls the wrappers make per thread. */
type RawBuild = Build & { ex: Record<string, Kernel> };

/** Instantiates one binary on its own memory and calls the conv kernels as the wrapper does. */
function rawBuild(name: string, b64: string): RawBuild {
  const module = new WebAssembly.Module(Buffer.from(b64, 'base64'));
  const memory = new WebAssembly.Memory({ initial: 64 });
  const ex = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, Kernel>;
  const h = new Allocator(memory, (ex.heap_base() + 15) & ~15);
  const withScratch = (pass: number, s: Conv2dShape, body: (scratch: number) => void) => {
    const bytes = ex.conv2d_scratch_bytes(pass, ...args(s));
    const scratch = h.alloc(bytes);
    h.f32().fill(Number.NaN, scratch / 4, (scratch + bytes) / 4);
    body(scratch);
    h.free(scratch);
  };
  return {
    name,
    heap: h,
    ex,
    forward: (x, w, b, out, s) => withScratch(0, s, (p) => ex.conv2d_f32(x, w, b, out, ...args(s), p)),
    input: (dy, w, dx, s) => withScratch(1, s, (p) => ex.conv2d_backward_input_f32(dy, w, dx, ...args(s), p)),
    weight: (x, dy, dw, db, s) =>
      withScratch(2, s, (p) => ex.conv2d_backward_weight_f32(x, dy, dw, db, ...args(s), p)),
  };
}

const builds: Build[] = [];
const raws: RawBuild[] = [];

beforeAll(async () => {
  await ready();
  builds.push({
    name: `wrapper (${kernelInfo().simd})`,
    heap: heap(),
    forward: conv2d,
    input: conv2dBackwardInput,
    weight: conv2dBackwardWeight,
  });
  raws.push(rawBuild('simd128', binaries.simd128));
  // As in matmul.test.ts: Node 20 validates relaxed-SIMD only behind a flag.
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  raws.push(rawBuild('relaxed', binaries.relaxed));
  builds.push(...raws);
});

/** Runs the three passes of `s` on every build and checks each against the reference. */
function checkAllBuilds(s: Conv2dShape, seed: number): void {
  const { oh, ow } = outSize(s);
  const x = randoms(s.n * s.cIn * s.h * s.w, seed);
  const w = randoms(s.cOut * s.cIn * s.kh * s.kw, seed + 1);
  const b = randoms(s.cOut, seed + 2);
  const dy = randoms(s.n * s.cOut * oh * ow, seed + 3);
  const ref = reference(s, x, w, b, dy);
  const taps = s.cIn * s.kh * s.kw;
  const pixels = s.n * oh * ow;
  for (const build of builds) {
    const h = build.heap;
    const block = (v: ArrayLike<number>) => {
      const p = h.alloc(v.length * 4);
      h.f32().set(v, p / 4);
      return p;
    };
    const empty = (n: number) => block(new Float32Array(n).fill(Number.NaN));
    const read = (p: number, n: number) => h.f32().slice(p / 4, p / 4 + n);
    const blocks = [block(x), block(w), block(b), block(dy)];
    const [px, pw, pb, pdy] = blocks;
    const outs = [empty(ref.out.value.length), empty(x.length), empty(w.length), empty(s.cOut)];
    const [pout, pdx, pdw, pdb] = outs;
    build.forward(px, pw, pb, pout, s);
    build.input(pdy, pw, pdx, s);
    build.weight(px, pdy, pdw, pdb, s);
    const at = (what: string) => `${build.name}: ${what}`;
    expectClose(read(pout, ref.out.value.length), ref.out, taps + 1, at('out'));
    expectClose(read(pdx, x.length), ref.dx, s.cOut * s.kh * s.kw, at('dx'));
    expectClose(read(pdw, w.length), ref.dw, pixels, at('dw'));
    expectClose(read(pdb, s.cOut), ref.db, pixels, at('dbias'));
    for (const p of [...blocks, ...outs]) h.free(p);
  }
}

const cases: [string, Partial<Conv2dShape>][] = [
  [
    // Output rows of 28: panels of 8 pixels in one run and across two rows; 9 taps: the forward
    // pass runs its row tiles in one call, the input gradient scatters 9 rows in tiles of 3.
    'first-layer shape, wide rows',
    { n: 2, h: 20, w: 30, cOut: 8 },
  ],
  [
    // Scattered input gradient with taps ordered by channel in two groups of 4.
    '8 channels in, no padding',
    { n: 2, cIn: 8, h: 12, w: 12, cOut: 12 },
  ],
  [
    // The input gradient runs as a forward pass over dY padded by 1 with flipped weights.
    '8 channels in, padding 1',
    { n: 2, cIn: 8, h: 12, w: 12, cOut: 12, padH: 1, padW: 1 },
  ],
  [
    // Flipped forward pass with different paddings per axis (dY padded by 1 and 1).
    'non-square kernel 3x2, padding (1, 0)',
    { n: 2, cIn: 4, h: 9, w: 11, cOut: 6, kw: 2, padH: 1 },
  ],
  [
    // Channel groups of 4 and 1; 6 output channels: one full row tile and a partial one.
    '5 channels in, 6 out',
    { n: 2, cIn: 5, h: 9, w: 10, cOut: 6 },
  ],
  [
    // Output rows of 3: a panel spans three rows and takes the scalar path.
    'output rows narrower than half a panel',
    { n: 3, cIn: 2, h: 5, w: 3, cOut: 5, padH: 1, padW: 1 },
  ],
  [
    // Forward: 162 taps in two depth blocks, 200 channels in two row blocks, 588 pixel columns
    // in two column blocks (so the weights are packed again); input gradient as a flipped
    // forward pass over 1800-deep columns in two depth blocks; weight gradient in two channel
    // blocks and three pixel blocks.
    'deep and wide, padding 1',
    { n: 3, cIn: 18, h: 14, w: 14, cOut: 200, padH: 1, padW: 1 },
  ],
  [
    // Weight gradient on the direct path: 37x37 pixels in column blocks of 908 (the second
    // starts mid-row and ends in a partial vector); 7 channels in tiles of 2 or 3 (the last
    // repeats a channel).
    'direct weight gradient, column blocks from mid-row',
    { n: 2, h: 39, w: 39, cOut: 7 },
  ],
  [
    // Direct path with 8 taps in tiles of 3 (the last repeats a tap), a vertical stride of 2,
    // and the padded chunk as its input.
    'direct weight gradient, 8 taps, stride (2, 1), padding 1',
    { n: 2, cIn: 2, h: 11, w: 10, cOut: 5, kh: 2, kw: 2, strideH: 2, padH: 1, padW: 1 },
  ],
  [
    // Direct path over 2.16 MB of dY: each image first loads a byte of every line of the next
    // image's dY planes (TOUCH_AHEAD_BYTES), which must leave the sums alone.
    'direct weight gradient reading the next image ahead',
    { n: 25, h: 28, w: 28, cOut: 32 },
  ],
  [
    // Scattered input gradient: 162 tap rows in two row blocks, 200 channels in two depth blocks.
    'deep and wide, no padding',
    { n: 3, cIn: 18, h: 14, w: 14, cOut: 200 },
  ],
];

describe('conv kernel paths on every build', () => {
  cases.forEach(([name, o], i) => {
    it(name, () => checkAllBuilds(shape(o), 1000 + 10 * i));
  });
});

/**
 * The weight gradient as threads run it: conv2d_backward_weight_range_f32 over ranges of the
 * rows conv2d_weight_rows names, cut at multiples of the split unit, each with fresh scratch;
 * the ranges together must give the bits of one call. The thread-pool tests run the loaded
 * build only; this runs both binaries, so the relaxed build's tiles of 3 channels are cut too.
 */
function checkRanges(build: RawBuild, s: Conv2dShape, seed: number): void {
  const { ex, heap: h } = build;
  const { oh, ow } = outSize(s);
  const geometry = [s.cIn, s.h, s.w, s.cOut, s.kh, s.kw, s.strideH, s.strideW, s.padH, s.padW];
  const rows = ex.conv2d_weight_rows(...geometry);
  const unit = -ex.conv2d_split_unit(2, s.n, ...geometry);
  const block = (v: ArrayLike<number>) => {
    const p = h.alloc(v.length * 4);
    h.f32().set(v, p / 4);
    return p;
  };
  const x = block(randoms(s.n * s.cIn * s.h * s.w, seed));
  const dy = block(randoms(s.n * s.cOut * oh * ow, seed + 1));
  const taps = s.cIn * s.kh * s.kw;
  const out = () => [
    block(new Float32Array(s.cOut * taps).fill(Number.NaN)),
    block(new Float32Array(s.cOut)),
  ];
  const run = (dw: number, db: number, r0: number, r1: number) => {
    const bytes = ex.conv2d_scratch_bytes(2, s.n, ...geometry);
    const scratch = h.alloc(bytes);
    h.f32().fill(Number.NaN, scratch / 4, (scratch + bytes) / 4);
    ex.conv2d_backward_weight_range_f32(x, dy, dw, db, s.n, ...geometry, scratch, r0, r1);
    h.free(scratch);
  };
  const [dw1, db1] = out();
  run(dw1, db1, 0, rows);
  const [dw2, db2] = out();
  for (let r0 = 0; r0 < rows; r0 += unit) run(dw2, db2, r0, Math.min(rows, r0 + unit));
  const bitsAt = (p: number, n: number) => new Uint32Array(h.f32().buffer, p, n).slice();
  expectSameBits(bitsAt(dw2, s.cOut * taps), bitsAt(dw1, s.cOut * taps), `${build.name}: dw`);
  expectSameBits(bitsAt(db2, s.cOut), bitsAt(db1, s.cOut), `${build.name}: dbias`);
  for (const p of [x, dy, dw1, db1, dw2, db2]) h.free(p);
}

describe('weight gradient in row ranges on both binaries', () => {
  // Direct path: 21 channels cut at 8 and 16, mid-tile for tiles of 2 or 3 channels, and
  // 39x39 pixels in column blocks of 908 and 613 (whose last pixel fills no vector). GEMM path
  // (72 taps): cut by taps at multiples of 4.
  it('direct path, 21 channels in ranges of 8', () => {
    for (const b of raws) checkRanges(b, shape({ n: 2, h: 41, w: 41, cOut: 21 }), 77);
  });
  it('direct path reading ahead in one call, not in ranges of 8 channels: the same bits', () => {
    // The whole call reads 2.16 MB of dY and touches the next image's lines first; each range
    // reads a quarter of that, under the threshold, and does not.
    for (const b of raws) checkRanges(b, shape({ n: 25, h: 28, w: 28, cOut: 32 }), 99);
  });
  it('packed GEMM path, 72 taps in ranges of 4', () => {
    for (const b of raws) checkRanges(b, shape({ n: 2, cIn: 8, h: 9, w: 9, cOut: 6 }), 88);
  });
});
