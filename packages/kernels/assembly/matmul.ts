// Matrix multiply: C = op(A)·op(B) (+ bias) (+ C), row-major, batched.
//
// A GEMM in the BLIS / GotoBLAS layout. For each block of NC columns and KC depth, the
// block of op(B) is packed into micro-panels of NR columns (KC x NR, row by row); for each
// block of MC rows, op(A) is packed into micro-panels of MR rows (KC x MR, column by
// column). The micro-kernel then holds an MR x NR tile of C in eight f32x4 registers for
// the whole depth, splatting four values of A and reading two vectors of B per step.
// Transposes are absorbed by the packing (4x4 register transposes), so A·B, A·Bᵀ and Aᵀ·B
// run the same inner loop. Bias and accumulation are applied when the tile is stored.
// Edges: with 4 x 8 tiles a last 1-2 rows run in a 2 x 16 tile; other partial tiles are
// computed whole into scratch and their valid corner copied out; a narrow output (n = 10) is
// computed as Cᵀ = op(B)ᵀ·op(A)ᵀ so that it needs no padding.
//
// Why 4 x 8: V8 on x64 allocates 15 vector registers and hoists every load of a loop body
// to its top, so a tile needs its accumulators + MR values of A + NR/4 vectors of B + one
// product register to fit in 15: 8 + 4 + 2 + 1. A 6 x 8 tile spills and runs at half speed,
// and unrolling the depth loop by hand spills too. The relaxed build's GEMM uses 3 x 12 (see
// FMA_TILE below).
//
// Why the tiles are inlined into gemm: V8 (TurboFan) unrolls a wasm loop only when its body is
// small for its nesting depth, (depth + 1) x 50 graph nodes. The depth loop alone in its own
// function (depth 0) is too big, so each step paid a stack check, a compare and three address
// computations: ~31 instructions for 16 vector operations, which held the kernel to ~75% of
// the SIMD peak. Nested in gemm's five loops it is unrolled 4-5 times, and the A offsets are
// computed once outside it: matmul went from 41-42 to 49-50 GFLOP/s on one Zen 5 thread.

import { madd, maddIf, MR, NR, roundUp, storeTransposed } from './tile';

export const MM_TRANS_A: i32 = 1;
export const MM_TRANS_B: i32 = 2;
export const MM_ACCUMULATE: i32 = 4;
export const MM_BIAS: i32 = 8;

// The relaxed build's tile is 3 x 12: nine accumulators. With eight (4 x 8), each takes one
// FMA per step of 8 FMAs, every 4 cycles at two a cycle, which is the FMA's latency on the Zen 5
// EPYC: any delay costs throughput, and that tile ran 0-10% slower than the SIMD128 build's
// mul + add. 3 x 12 fits the 15 registers with no product register (9 + 3 + 3). The SIMD128
// build keeps 4 x 8, which has no such chain (the add's latency is shorter), so GMR / GNR are
// MR / NR there and every branch on FMA_TILE folds away. The relaxed build runs a product in
// 3 x 12 tiles only where they fit it (wideTiles); elsewhere it runs the SIMD128 build's 4 x 8
// tiles, with mul + add, so that it is never slower than that build.
const FMA_TILE: bool = ASC_FEATURE_RELAXED_SIMD;
const GMR: i32 = FMA_TILE ? 3 : MR; // rows of the GEMM's register tile
const GNR: i32 = FMA_TILE ? 12 : NR; // and its columns (three f32x4)

/**
 * Relaxed build: whether an unswapped m x n product runs in 3 x 12 FMA tiles. They pad rows
 * to 3 and columns to 12 (8-column tiles end a row of tiles whose width is 8 or 4 past a
 * multiple of 12); the 4 x 8 tiles pad rows to 2 (kernel2x16) or 4 and columns to 8. Where the
 * 3 x 12 tiles waste more, the ~2% they gain on whole tiles is lost: 64³ ran at 0.98-0.99x the
 * SIMD128 build in them (64 rows pad to 66).
 */
function wideTiles(m: i32, n: i32): bool {
  // Padded sizes: the 3 x 12 tiles' rows and columns (columns counted whole where they end in
  // 8-column tiles), the 4 x 8 tiles'. The fractions of useful work are m·n / (rw·cw) and
  // m·n / (rn·cn); compared as products, since f64 divisions took ~11 ns a call.
  const c = n % GNR;
  const cw = <f64>(c == 0 || c == 8 || (c == 4 && n >= 16) ? n : roundUp(n, GNR));
  const rw = <f64>roundUp(m, GMR);
  const rn = <f64>(m % MR == 3 ? roundUp(m, MR) : roundUp(m, 2));
  const cn = <f64>roundUp(n, NR);
  return 1.02 * rn * cn >= rw * cw;
}

// The relaxed build's choice for the product the current call computes (wideTiles), set once by
// the export that starts it and read by range and packLeft (a global rather than an argument so
// that the SIMD128 build, which never reads it, is unchanged).
let wideProduct: bool = true;

// gemm's tiles, chosen at compile time: the relaxed build's 3 x 12 path (gemm<Wide>) and 4 x 8
// path (gemm<Narrow>) are separate functions, and gemm<Narrow> with the packing it calls compiles
// to the SIMD128 build's wasm, instruction for instruction. With a runtime choice in one function,
// the MNIST layer 2 [128x128]·[128x10] (4 x 8 tiles in both builds) ran 0.992-0.996x the SIMD128
// build on one thread; split, 0.997-1.005x.
// A 3 x 12 tile stores whole tiles in place only unswapped (a swapped one would store 12 rows of
// 3 floats), so swapped products (a narrow output such as 10 classes) run in 4 x 8 tiles, which
// store transposed in place and do a last two rows in kernel2x16: [128x128]·[128x10] ran at
// 0.56-0.81x the SIMD128 build in 3 x 12 tiles. So do products the 3 x 12 tiles do not fit.
// The packing functions take the same type, so that their 3 x 12 branches exist only in <Wide>.
type Wide = f32;
type Narrow = i32;

@inline function isWide<Tiles>(): bool {
  return FMA_TILE && isFloat<Tiles>();
}

const KC = 128; // depth of a packed block: a B micro-panel (KC·NR·4 = 4 KiB) stays in L1
// Rows of A packed at once (MC·KC·4 = 64 KiB, stays in L2), a whole number of tiles: of 4 x 8
// tiles (MC) and of the relaxed build's 3 x 12 tiles (GMC).
const MC = 128;
const GMC = FMA_TILE ? 126 : MC;
const NC = 1024; // columns of B packed at once (KC·NC·4 = 512 KiB)

/** Depth of each k block: k split evenly into blocks of at most KC, rounded up to 4. */
@inline function depthBlock(k: i32): i32 {
  if (k <= 0) return 0;
  const blocks = (k + KC - 1) / KC;
  return roundUp((k + blocks - 1) / blocks, 4);
}

/**
 * Packs rows r0..r0+rows of a row-major matrix (row stride ld) restricted to columns
 * c0..c0+cols into panels of `w` rows (w = 4 or 8): panel q holds, for each column p, the
 * w values of rows r0+q·w.. as consecutive floats. Missing rows of the last panel are zero.
 * This is op(A) packing without transA and op(B) packing with transB.
 */
function packRowsToPanels<Tiles>(
  src: usize, ld: i32, r0: i32, rows: i32, c0: i32, cols: i32, w: i32, dst: usize,
): void {
  const ldb = <usize>ld << 2;
  const wb = <usize>w << 2;
  for (let q = 0; q < rows; q += w) {
    const s = src + ((<usize>(r0 + q) * <usize>ld + <usize>c0) << 2);
    const d = dst + (<usize>(q * cols) << 2);
    const h = min(w, rows - q);
    if (h == w) {
      let p = 0;
      if (isWide<Tiles>() && w == 3) {
        // Three rows of four values become 12 floats in depth order, in three vectors.
        for (; p + 4 <= cols; p += 4) {
          const sp = s + (<usize>p << 2);
          const r0 = v128.load(sp);
          const r1 = v128.load(sp + ldb);
          const r2 = v128.load(sp + 2 * ldb);
          const t = i32x4.shuffle(r0, r1, 0, 4, 1, 5); // r0[0] r1[0] r0[1] r1[1]
          const u = i32x4.shuffle(r0, r1, 2, 6, 3, 7); // r0[2] r1[2] r0[3] r1[3]
          const v = i32x4.shuffle(r1, r2, 1, 5, 2, 6); // r1[1] r2[1] r1[2] r2[2]
          const dp = d + <usize>p * 12;
          v128.store(dp, i32x4.shuffle(t, r2, 0, 1, 4, 2));
          v128.store(dp, i32x4.shuffle(v, u, 0, 1, 4, 5), 16);
          v128.store(dp, i32x4.shuffle(v, i32x4.shuffle(u, r2, 2, 3, 7, 7), 3, 4, 5, 6), 32);
        }
      } else {
        for (; p + 4 <= cols; p += 4) {
          for (let g = 0; g < w; g += 4) {
            const sg = s + <usize>g * ldb + (<usize>p << 2);
            storeTransposed(
              v128.load(sg), v128.load(sg + ldb), v128.load(sg + 2 * ldb), v128.load(sg + 3 * ldb),
              d + <usize>p * wb + (<usize>g << 2), wb,
            );
          }
        }
      }
      for (; p < cols; p++) {
        for (let i = 0; i < w; i++) {
          store<f32>(d + <usize>p * wb + (<usize>i << 2), load<f32>(s + <usize>i * ldb + (<usize>p << 2)));
        }
      }
    } else {
      for (let p = 0; p < cols; p++) {
        for (let i = 0; i < w; i++) {
          const v: f32 = i < h ? load<f32>(s + <usize>i * ldb + (<usize>p << 2)) : 0;
          store<f32>(d + <usize>p * wb + (<usize>i << 2), v);
        }
      }
    }
  }
}

/**
 * Packs the same panels from a matrix stored the other way round: element (row, p) of the
 * operand is src[p·ld + row], so each panel row is a contiguous run of w floats.
 * This is op(A) packing with transA and op(B) packing without transB.
 */
function packColsToPanels<Tiles>(
  src: usize, ld: i32, r0: i32, rows: i32, c0: i32, cols: i32, w: i32, dst: usize,
): void {
  const ldb = <usize>ld << 2;
  const wide = isWide<Tiles>();
  for (let q = 0; q < rows; q += w) {
    let s = src + ((<usize>c0 * <usize>ld + <usize>(r0 + q)) << 2);
    let d = dst + (<usize>(q * cols) << 2);
    const end = d + (<usize>(w * cols) << 2);
    const h = min(w, rows - q);
    if (h == 8 && (!wide || w == 8)) {
      for (; d < end; d += 32) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += ldb;
      }
    } else if (wide && h == 12) {
      for (; d < end; d += 48) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        v128.store(d, v128.load(s, 32), 32);
        s += ldb;
      }
    } else if (wide && h == 3 && w == 3) {
      // 16 bytes a step, the fourth float overwritten by the next step; the last step moves
      // 12, so that nothing past the matrix is read nor past the panel written.
      const last = end - 12;
      for (; d < last; d += 12) {
        v128.store(d, v128.load(s));
        s += ldb;
      }
      if (d < end) {
        store<i64>(d, load<i64>(s));
        store<f32>(d, load<f32>(s, 8), 8);
      }
    } else if (h == 4 && w == 4) {
      for (; d < end; d += 16) {
        v128.store(d, v128.load(s));
        s += ldb;
      }
    } else {
      for (; d < end; d += <usize>w << 2) {
        for (let i = 0; i < w; i++) {
          store<f32>(d + (<usize>i << 2), i < h ? load<f32>(s + (<usize>i << 2)) : <f32>0);
        }
        s += ldb;
      }
    }
  }
}

/**
 * Packs rows [r0, r0+rows) x depth [p0, p0+cols) of an operand, element (r, p) at
 * src[r·rs + p·ps], into panels of w rows, for gemm<Tiles>.
 */
function packPanels<Tiles>(
  src: usize, rs: i32, ps: i32, r0: i32, rows: i32, p0: i32, cols: i32, w: i32, dst: usize,
): void {
  if (ps == 1) packRowsToPanels<Tiles>(src, rs, r0, rows, p0, cols, w, dst);
  else packColsToPanels<Tiles>(src, ps, r0, rows, p0, cols, w, dst);
}

// Adds bias (when hasBias) and the old value at p (when loadC) to v and stores it at p.
@inline function finish(p: usize, v: v128, bias: v128, hasBias: bool, loadC: bool): void {
  if (hasBias) v = f32x4.add(v, bias);
  if (loadC) v = f32x4.add(v, v128.load(p));
  v128.store(p, v);
}

/**
 * Stores columns 0-7 of a tile's first `rows` rows (3 or 4, a constant; row r is xr, yr) at c,
 * ld bytes apart, with bias[0..8] by column when bias != 0 and C added when loadC.
 */
@inline function storeRows8(
  c: usize, ld: usize, bias: usize, loadC: bool, rows: i32,
  x0: v128, y0: v128, x1: v128, y1: v128, x2: v128, y2: v128, x3: v128, y3: v128,
): void {
  const hasBias = bias != 0;
  const v0 = hasBias ? v128.load(bias) : x0;
  const v1 = hasBias ? v128.load(bias, 16) : x0;
  finish(c, x0, v0, hasBias, loadC);
  finish(c + 16, y0, v1, hasBias, loadC);
  finish(c + ld, x1, v0, hasBias, loadC);
  finish(c + ld + 16, y1, v1, hasBias, loadC);
  finish(c + 2 * ld, x2, v0, hasBias, loadC);
  finish(c + 2 * ld + 16, y2, v1, hasBias, loadC);
  if (rows < 4) return;
  finish(c + 3 * ld, x3, v0, hasBias, loadC);
  finish(c + 3 * ld + 16, y3, v1, hasBias, loadC);
}

/**
 * The register tile: T[4 x 8] = Ap·Bp over depth kc, then written to C at c (row stride
 * ldc floats) plus C when loadC, plus bias when bias != 0. With swap, tile row r is C
 * column r (the operands were exchanged), so the tile is stored transposed and bias[0..4]
 * is indexed by tile row; otherwise bias[0..8] is indexed by tile column. Multiply then add
 * in both builds (see FMA_TILE).
 */
@inline function kernel4x8(
  kc: i32, a: usize, b: usize, bs: usize, c: usize, ldc: i32, loadC: bool, bias: usize, swap: bool,
): void {
  let c00 = f32x4.splat(0);
  let c01 = c00;
  let c10 = c00;
  let c11 = c00;
  let c20 = c00;
  let c21 = c00;
  let c30 = c00;
  let c31 = c00;
  const end = a + <usize>kc * <usize>(MR * 4);
  while (a < end) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const a0 = v128.load32_splat(a);
    c00 = maddIf(false, a0, b0, c00);
    c01 = maddIf(false, a0, b1, c01);
    const a1 = v128.load32_splat(a, 4);
    c10 = maddIf(false, a1, b0, c10);
    c11 = maddIf(false, a1, b1, c11);
    const a2 = v128.load32_splat(a, 8);
    c20 = maddIf(false, a2, b0, c20);
    c21 = maddIf(false, a2, b1, c21);
    const a3 = v128.load32_splat(a, 12);
    c30 = maddIf(false, a3, b0, c30);
    c31 = maddIf(false, a3, b1, c31);
    a += MR * 4;
    b += bs;
  }
  const hasBias = bias != 0;
  const ld = <usize>ldc << 2;
  if (!swap) {
    const v0 = hasBias ? v128.load(bias) : c00;
    const v1 = hasBias ? v128.load(bias, 16) : c00;
    finish(c, c00, v0, hasBias, loadC);
    finish(c + 16, c01, v1, hasBias, loadC);
    finish(c + ld, c10, v0, hasBias, loadC);
    finish(c + ld + 16, c11, v1, hasBias, loadC);
    finish(c + 2 * ld, c20, v0, hasBias, loadC);
    finish(c + 2 * ld + 16, c21, v1, hasBias, loadC);
    finish(c + 3 * ld, c30, v0, hasBias, loadC);
    finish(c + 3 * ld + 16, c31, v1, hasBias, loadC);
    return;
  }
  const v = hasBias ? v128.load(bias) : c00;
  let t0 = i32x4.shuffle(c00, c10, 0, 4, 1, 5);
  let t1 = i32x4.shuffle(c20, c30, 0, 4, 1, 5);
  let t2 = i32x4.shuffle(c00, c10, 2, 6, 3, 7);
  let t3 = i32x4.shuffle(c20, c30, 2, 6, 3, 7);
  finish(c, i64x2.shuffle(t0, t1, 0, 2), v, hasBias, loadC);
  finish(c + ld, i64x2.shuffle(t0, t1, 1, 3), v, hasBias, loadC);
  finish(c + 2 * ld, i64x2.shuffle(t2, t3, 0, 2), v, hasBias, loadC);
  finish(c + 3 * ld, i64x2.shuffle(t2, t3, 1, 3), v, hasBias, loadC);
  t0 = i32x4.shuffle(c01, c11, 0, 4, 1, 5);
  t1 = i32x4.shuffle(c21, c31, 0, 4, 1, 5);
  t2 = i32x4.shuffle(c01, c11, 2, 6, 3, 7);
  t3 = i32x4.shuffle(c21, c31, 2, 6, 3, 7);
  finish(c + 4 * ld, i64x2.shuffle(t0, t1, 0, 2), v, hasBias, loadC);
  finish(c + 5 * ld, i64x2.shuffle(t0, t1, 1, 3), v, hasBias, loadC);
  finish(c + 6 * ld, i64x2.shuffle(t2, t3, 0, 2), v, hasBias, loadC);
  finish(c + 7 * ld, i64x2.shuffle(t2, t3, 1, 3), v, hasBias, loadC);
}

/**
 * Rows 0 and 1 of an A panel against two adjacent B panels (b, b2): T[2 x 16] into tile
 * (row stride 16). The last one or two rows of a product run here rather than in a 4 x 8
 * tile padded with zero rows: still eight accumulators, so still full speed.
 */
@inline function kernel2x16(kc: i32, a: usize, b: usize, bs: usize, b2: usize, bs2: usize, tile: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = c00;
  let c02 = c00;
  let c03 = c00;
  let c10 = c00;
  let c11 = c00;
  let c12 = c00;
  let c13 = c00;
  const end = a + <usize>kc * <usize>(MR * 4);
  while (a < end) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const b2v = v128.load(b2);
    const b3 = v128.load(b2, 16);
    const a0 = v128.load32_splat(a);
    c00 = maddIf(false, a0, b0, c00);
    c01 = maddIf(false, a0, b1, c01);
    c02 = maddIf(false, a0, b2v, c02);
    c03 = maddIf(false, a0, b3, c03);
    const a1 = v128.load32_splat(a, 4);
    c10 = maddIf(false, a1, b0, c10);
    c11 = maddIf(false, a1, b1, c11);
    c12 = maddIf(false, a1, b2v, c12);
    c13 = maddIf(false, a1, b3, c13);
    a += MR * 4;
    b += bs;
    b2 += bs2;
  }
  v128.store(tile, c00);
  v128.store(tile, c01, 16);
  v128.store(tile, c02, 32);
  v128.store(tile, c03, 48);
  v128.store(tile, c10, 64);
  v128.store(tile, c11, 80);
  v128.store(tile, c12, 96);
  v128.store(tile, c13, 112);
}

/**
 * The relaxed build's register tile: T[3 x 12] = Ap·Bp over depth kc (A: 3 values a step, B: 12
 * floats a step, bs bytes apart), written to C at c (row stride ldc floats) plus C when loadC,
 * plus bias[0..12] by column when bias != 0. Swapped and partial tiles go through scratch.
 * With `narrow` (a constant) only the first 8 columns are computed and stored, for swapped or
 * partial tiles of at most 8 columns (whole 8-column ones run in kernel4x8Panels).
 */
@inline function kernel3x12(
  kc: i32, a: usize, b: usize, bs: usize, c: usize, ldc: i32, loadC: bool, bias: usize, narrow: bool,
): void {
  let c00 = f32x4.splat(0);
  let c01 = c00;
  let c02 = c00;
  let c10 = c00;
  let c11 = c00;
  let c12 = c00;
  let c20 = c00;
  let c21 = c00;
  let c22 = c00;
  const end = a + <usize>kc * 12;
  while (a < end) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const a0 = v128.load32_splat(a);
    const a1 = v128.load32_splat(a, 4);
    const a2 = v128.load32_splat(a, 8);
    c00 = madd(a0, b0, c00);
    c01 = madd(a0, b1, c01);
    c10 = madd(a1, b0, c10);
    c11 = madd(a1, b1, c11);
    c20 = madd(a2, b0, c20);
    c21 = madd(a2, b1, c21);
    if (!narrow) {
      const b2 = v128.load(b, 32);
      c02 = madd(a0, b2, c02);
      c12 = madd(a1, b2, c12);
      c22 = madd(a2, b2, c22);
    }
    a += 12;
    b += bs;
  }
  const hasBias = bias != 0;
  const ld = <usize>ldc << 2;
  storeRows8(c, ld, bias, loadC, 3, c00, c01, c10, c11, c20, c21, c00, c01);
  if (narrow) return;
  const v2 = hasBias ? v128.load(bias, 32) : c00;
  finish(c + 32, c02, v2, hasBias, loadC);
  finish(c + ld + 32, c12, v2, hasBias, loadC);
  finish(c + 2 * ld + 32, c22, v2, hasBias, loadC);
}

/**
 * The relaxed build's tile for 8-column panels: T[4 x 8] over four rows of op(A) packed in
 * 3-row panels (row i's values 12 bytes apart from a_i), written as kernel3x12 writes. Eight
 * accumulators: the 3 x 8 tile's six can issue an FMA at most every 4 cycles each (its
 * latency). With it, [128x784]·[784x64] (48 columns in 3 x 12 tiles, 16 in 8-column ones) ran
 * at 0.968x the SIMD128 build on one thread; with this tile at 1.02x.
 */
@inline function kernel4x8Panels(
  kc: i32, a0: usize, a1: usize, a2: usize, a3: usize, b: usize, bs: usize, c: usize, ldc: i32, loadC: bool,
  bias: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = c00;
  let c10 = c00;
  let c11 = c00;
  let c20 = c00;
  let c21 = c00;
  let c30 = c00;
  let c31 = c00;
  const end = <usize>kc * 12;
  for (let p: usize = 0; p < end; p += 12) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const x0 = v128.load32_splat(a0 + p);
    c00 = madd(x0, b0, c00);
    c01 = madd(x0, b1, c01);
    const x1 = v128.load32_splat(a1 + p);
    c10 = madd(x1, b0, c10);
    c11 = madd(x1, b1, c11);
    const x2 = v128.load32_splat(a2 + p);
    c20 = madd(x2, b0, c20);
    c21 = madd(x2, b1, c21);
    const x3 = v128.load32_splat(a3 + p);
    c30 = madd(x3, b0, c30);
    c31 = madd(x3, b1, c31);
    b += bs;
  }
  storeRows8(c, <usize>ldc << 2, bias, loadC, 4, c00, c01, c10, c11, c20, c21, c30, c31);
}

/** Where row r of 3-row panels of depth kc starting at ap begins. */
@inline function panelRow(ap: usize, kc: i32, r: i32): usize {
  return ap + ((<usize>(r / 3) * <usize>kc * 3 + <usize>(r % 3)) << 2);
}

// Writes the valid mr x nr corner of a tile computed into scratch (row stride ld floats),
// with the same bias / loadC / swap meaning as kernel4x8.
function storeEdge(
  tile: usize, ld: i32, c: usize, ldc: i32, mr: i32, nr: i32, loadC: bool, bias: usize, swap: bool,
): void {
  for (let r = 0; r < mr; r++) {
    for (let s = 0; s < nr; s++) {
      let v = load<f32>(tile + (<usize>(r * ld + s) << 2));
      if (bias != 0) v += load<f32>(bias + (<usize>(swap ? r : s) << 2));
      const o = c + (<usize>(swap ? s * ldc + r : r * ldc + s) << 2);
      if (loadC) v += load<f32>(o);
      store<f32>(o, v);
    }
  }
}

// k = 0: the product is empty, C = bias (+ C).
function emptyProduct(
  c: usize, bias: usize, n: i32, acc: bool, rowStart: i32, rowEnd: i32, colStart: i32, colEnd: i32,
): void {
  for (let i = rowStart; i < rowEnd; i++) {
    const ci = c + (<usize>(i * n) << 2);
    for (let j = colStart; j < colEnd; j++) {
      const o = <usize>j << 2;
      let v: f32 = bias != 0 ? load<f32>(bias + o) : 0;
      if (acc) v += load<f32>(ci + o);
      store<f32>(ci + o, v);
    }
  }
}

// Floats of packed B-role and bytes of packed A-role scratch for `rows` x `cols` x k. Clamping
// to a block first keeps the sizes from overflowing; a block pads to whole panels (NC = 1024 is
// not a multiple of the relaxed build's 12 columns, so the clamp comes before the rounding).
// The relaxed build packs for either tile (gemm), so it reserves room for both: rows padded to
// 12 and columns to 24 cover 3 and 4, 8 and 12 (one rounding is half the cost of two maxima in
// matmul_f32_pack_bytes, which runs every call). Each gemm lays its scratch out for its own tile,
// so that gemm<Narrow> is the SIMD128 build's gemm instruction for instruction.
const PAD_ROWS = FMA_TILE ? 12 : GMR;
const PAD_COLS = FMA_TILE ? 24 : GNR;

@inline function panelBFloats(cols: i32, k: i32, nr: i32): i32 {
  return depthBlock(k) * roundUp(min(NC, cols), nr);
}

@inline function panelABytes(rows: i32, k: i32, mr: i32, mc: i32): i32 {
  return depthBlock(k) * roundUp(min(mc, rows), mr) * 4;
}

@inline function packedBFloats(cols: i32, k: i32): i32 {
  return panelBFloats(cols, k, PAD_COLS);
}

@inline function packedABytes(rows: i32, k: i32): i32 {
  return panelABytes(rows, k, PAD_ROWS, MC);
}

@inline function scratchBytes(rows: i32, cols: i32, k: i32): i32 {
  return (packedBFloats(cols, k) << 2) + packedABytes(rows, k) + max(MR * NR, GMR * GNR) * 4;
}

/**
 * Bytes of packing scratch that matmul_f32_range needs for any part of an m x n x k product
 * (and matmul_f32 for m = rows x batch). The caller allocates it; kernels never do.
 */
export function matmul_f32_pack_bytes(m: i32, n: i32, k: i32): i32 {
  return max(scratchBytes(m, n, k), scratchBytes(n, m, k));
}

/**
 * Whether to compute Cᵀ = op(B)ᵀ·op(A)ᵀ instead, for a product that unswapped would run in 3 x 12
 * tiles when `wide` (wideTiles), else in 4 x 8 ones. 4 x 8 tiles are 4 rows (a last 1 or 2 rows
 * run at full speed in kernel2x16, so rows pad to a multiple of 2) by 8 columns (padded); 3 x 12
 * tiles pad both, and a swapped product runs in 4 x 8 tiles in either build (gemm). So when n is
 * narrow (the 10 classes of a classifier) exchanging the operands wastes far less: n = 10 pads
 * to 16 or 12 columns, but as rows to 10. (Weighing the relaxed build's 4 x 8 products as if
 * they ran in 3 x 12 tiles swapped 64³: it ran 0.98-0.99x the SIMD128 build, and 4x8x64 3.5x
 * slower.)
 */
@inline function swapOperands(m: i32, n: i32, wide: bool): bool {
  const rowPad = wide ? GMR : 2;
  const colPad = wide ? GNR : NR;
  const straight = (<f64>m / <f64>roundUp(m, rowPad)) * (<f64>n / <f64>roundUp(n, colPad));
  const swapped = (<f64>n / <f64>roundUp(n, 2)) * (<f64>m / <f64>roundUp(m, NR));
  return swapped > straight * 1.1;
}

/**
 * The blocked product over rows [r0, r1) of the left operand L and rows [s0, s1) of the
 * right operand R (both seen as rows x depth: L(i, p) at l[i·lrs + p·lps], R(j, p) at
 * r[j·rrs + p·rps]); result (i, j) goes to C(i, j), or to C(j, i) with swap.
 * gemm<Narrow> runs 4 x 8 tiles, gemm<Wide> (relaxed build, unswapped) 3 x 12 ones.
 */
function gemm<Tiles>(
  l: usize, lrs: i32, lps: i32, r: usize, rrs: i32, rps: i32, k: i32,
  c: usize, ldc: i32, bias: usize, acc: bool, swap: bool, pack: usize,
  r0: i32, r1: i32, s0: i32, s1: i32, lp: usize,
): void {
  const kcb = depthBlock(k);
  const wide = isWide<Tiles>();
  const gmr = wide ? GMR : MR;
  const gnr = wide ? GNR : NR;
  const mcb = wide ? GMC : MC;
  const aScratch = pack + (<usize>panelBFloats(s1 - s0, k, gnr) << 2);
  const tile = aScratch + <usize>panelABytes(r1 - r0, k, gmr, mcb);
  const crs = swap ? 1 : ldc; // C offset of one step along L's rows
  const ccs = swap ? ldc : 1; // ... and along R's rows
  // When few rows of L reuse each panel of R (a narrow output, swapped) and R's rows are
  // contiguous in memory, packing R costs more than it saves: its full panels are read in
  // place (row stride rps floats) and only a last partial panel is packed. With more reuse,
  // packing wins: in-place rows a power-of-two stride apart crowd a few L1 sets.
  const direct = rrs == 1 && r1 - r0 <= 4 * MR;
  const rowBytes: usize = direct ? <usize>rps << 2 : gnr * 4;
  for (let jc = s0; jc < s1; jc += NC) {
    const nc = min(NC, s1 - jc);
    const nFull = direct ? nc - nc % gnr : 0; // columns read in place
    // Relaxed tiles: a block 4 columns past a multiple of 12 (a thread's 64 of 128 columns)
    // ends in two 8-column tiles, packed 8 wide and stored in place, rather than a 4-column
    // edge that costs a whole tile plus a scalar store. (The tile width below is written out
    // twice, in the loop step and the body, so that the SIMD128 binary stays byte-identical.)
    const tail8 = wide && !direct && nc >= 16 && nc % GNR == 4 ? nc - 16 : nc;
    for (let pc = 0; pc < k; pc += kcb) {
      const kc = min(kcb, k - pc);
      const bp = pack;
      packPanels<Tiles>(r, rrs, rps, jc + nFull, tail8 - nFull, pc, kc, gnr, bp);
      if (FMA_TILE && tail8 < nc) packPanels<Tiles>(r, rrs, rps, jc + tail8, 16, pc, kc, 8, bp + (<usize>(tail8 * kc) << 2));
      const rp = r + ((<usize>jc + <usize>pc * <usize>rps) << 2); // R(jc, pc) when direct
      const loadC = acc || pc > 0;
      const bz: usize = pc == 0 ? bias : 0;
      for (let ic = r0; ic < r1; ic += mcb) {
        const mc = min(mcb, r1 - ic);
        // L already packed for every depth block (packLeft, rows [0, r1)): read in place.
        let ap = aScratch;
        if (lp != 0) ap = lp + ((<usize>pc * <usize>roundUp(r1, gmr) + <usize>ic * <usize>kc) << 2);
        else packPanels<Tiles>(l, lrs, lps, ic, mc, pc, kc, gmr, ap);
        // A last panel of one or two rows goes to kernel2x16 below (4 x 8 tiles only).
        const mFull = !wide && mc % MR <= 2 ? mc - mc % MR : mc;
        for (let jr = 0; jr < nc; jr += wide && jr >= tail8 ? 8 : gnr) {
          const width = wide && jr >= tail8 ? 8 : gnr;
          const nr = min(width, nc - jr);
          const inPlace = jr < nFull;
          const bpj = inPlace ? rp + (<usize>jr << 2) : bp + (<usize>((jr - nFull) * kc) << 2);
          const bs: usize = inPlace ? rowBytes : <usize>width * 4;
          const j = jc + jr;
          if (wide && nr == 8) {
            // Four rows at a time across the 3-row panels; a last one to three rows go
            // through scratch with the missing rows reading the last row again.
            for (let ir = 0; ir < mc; ir += 4) {
              const i = ic + ir;
              const cij = c + ((<usize>i * <usize>ldc + <usize>j) << 2);
              const bij: usize = bz != 0 ? bz + (<usize>j << 2) : 0;
              const a0 = panelRow(ap, kc, ir);
              const a1 = panelRow(ap, kc, min(ir + 1, mc - 1));
              const a2 = panelRow(ap, kc, min(ir + 2, mc - 1));
              const a3 = panelRow(ap, kc, min(ir + 3, mc - 1));
              if (ir + 4 <= mc) kernel4x8Panels(kc, a0, a1, a2, a3, bpj, bs, cij, ldc, loadC, bij);
              else {
                kernel4x8Panels(kc, a0, a1, a2, a3, bpj, bs, tile, NR, false, 0);
                storeEdge(tile, NR, cij, ldc, mc - ir, 8, loadC, bij, false);
              }
            }
            continue;
          }
          for (let ir = 0; ir < mFull; ir += gmr) {
            const mr = min(gmr, mFull - ir);
            const i = ic + ir;
            const api = ap + <usize>(ir * kc) * 4;
            const cij = c + ((<usize>i * <usize>crs + <usize>j * <usize>ccs) << 2);
            const bij: usize = bz != 0 ? bz + (<usize>(swap ? i : j) << 2) : 0;
            if (wide) {
              // `narrow` must be a constant in each call, so that its loop is specialised.
              if (mr == GMR && nr == GNR) kernel3x12(kc, api, bpj, bs, cij, ldc, loadC, bij, false);
              else {
                if (nr <= 8) kernel3x12(kc, api, bpj, bs, tile, GNR, false, 0, true);
                else kernel3x12(kc, api, bpj, bs, tile, GNR, false, 0, false);
                storeEdge(tile, GNR, cij, ldc, mr, nr, loadC, bij, false);
              }
            } else if (mr == MR && nr == NR) {
              kernel4x8(kc, api, bpj, bs, cij, ldc, loadC, bij, swap);
            } else {
              kernel4x8(kc, api, bpj, bs, tile, NR, false, 0, false);
              storeEdge(tile, NR, cij, ldc, mr, nr, loadC, bij, swap);
            }
          }
        }
        if (!wide && mFull < mc) {
          const i = ic + mFull;
          const api = ap + <usize>(mFull * kc) * 4;
          for (let jr = 0; jr < nc; jr += 2 * NR) {
            const nr = min(2 * NR, nc - jr);
            const j = jc + jr;
            const cij = c + ((<usize>i * <usize>crs + <usize>j * <usize>ccs) << 2);
            const bij: usize = bz != 0 ? bz + (<usize>(swap ? i : j) << 2) : 0;
            const bpj = jr < nFull ? rp + (<usize>jr << 2) : bp + (<usize>((jr - nFull) * kc) << 2);
            const bs: usize = jr < nFull ? rowBytes : NR * 4;
            if (nr > NR) {
              const j2 = jr + NR;
              const bpj2 = j2 < nFull ? rp + (<usize>j2 << 2) : bp + (<usize>((j2 - nFull) * kc) << 2);
              const bs2: usize = j2 < nFull ? rowBytes : NR * 4;
              kernel2x16(kc, api, bpj, bs, bpj2, bs2, tile);
              storeEdge(tile, 2 * NR, cij, ldc, mc - mFull, nr, loadC, bij, swap);
            } else {
              kernel4x8(kc, api, bpj, bs, tile, NR, false, 0, false);
              storeEdge(tile, NR, cij, ldc, mc - mFull, nr, loadC, bij, swap);
            }
          }
        }
      }
    }
  }
}

/**
 * One matrix, rows [rowStart, rowEnd) and columns [colStart, colEnd) of C = op(A)·op(B)
 * (+ bias) (+ C): the unit a thread computes. Arguments as matmul_f32 (without batch);
 * pack points to matmul_f32_pack_bytes(m, n, k) bytes of scratch owned by this call.
 */
export function matmul_f32_range(
  a: usize, b: usize, c: usize, bias: usize,
  m: i32, n: i32, k: i32, flags: i32, pack: usize,
  rowStart: i32, rowEnd: i32, colStart: i32, colEnd: i32,
): void {
  if (FMA_TILE) wideProduct = wideTiles(m, n);
  range(a, b, c, bias, m, n, k, flags, pack, rowStart, rowEnd, colStart, colEnd, 0);
}

/** matmul_f32_range, reading op(A) from left (packLeft) when left != 0 (then not swapped, rowStart 0); the caller has set wideProduct. */
function range(
  a: usize, b: usize, c: usize, bias: usize,
  m: i32, n: i32, k: i32, flags: i32, pack: usize,
  rowStart: i32, rowEnd: i32, colStart: i32, colEnd: i32, left: usize,
): void {
  const acc = (flags & MM_ACCUMULATE) != 0;
  const biasPtr: usize = (flags & MM_BIAS) != 0 ? bias : 0;
  if (k == 0) {
    emptyProduct(c, biasPtr, n, acc, rowStart, rowEnd, colStart, colEnd);
    return;
  }
  // gemm sees op(A) as m rows x k depth and op(B)ᵀ as n rows x k depth, (row, p) at
  // [row·rs + p·ps]; swapped, B is its left operand.
  const ta = (flags & MM_TRANS_A) != 0;
  const tb = (flags & MM_TRANS_B) != 0;
  const ars = ta ? 1 : k;
  const aps = ta ? m : 1;
  const brs = tb ? k : 1;
  const bps = tb ? 1 : n;
  const wide = FMA_TILE && wideProduct;
  if (swapOperands(m, n, wide)) {
    gemm<Narrow>(b, brs, bps, a, ars, aps, k, c, n, biasPtr, acc, true, pack, colStart, colEnd, rowStart, rowEnd, 0);
  } else if (wide) {
    gemm<Wide>(a, ars, aps, b, brs, bps, k, c, n, biasPtr, acc, false, pack, rowStart, rowEnd, colStart, colEnd, left);
  } else {
    gemm<Narrow>(a, ars, aps, b, brs, bps, k, c, n, biasPtr, acc, false, pack, rowStart, rowEnd, colStart, colEnd, left);
  }
}

// --- column chunks that pack op(A) once per thread ----------------------------------------------
// Split by columns, every chunk of a product reads all of op(A), and matmul_f32_range packs it
// again in each chunk (for [128x784]·[784x128] ~6 µs, 2% of a 2-thread call). So such products
// were cut into one chunk per thread, and when one core ran slow (on this VM one core at times
// runs ~35% slower than the other for seconds) the call waited for it with no work left to take
// from it. Here each thread packs op(A) once per call into its own scratch share, on its first
// chunk, and reuses it for every further chunk it runs (its own or one taken from another
// thread), so columns can be cut finer at no extra packing. (Packing it once for all threads
// instead was measured slower: the copy one core wrote had to move to the other core's cache.)

/** Bytes of op(A) packed for every depth block. */
@inline function leftBytes(m: i32, k: i32): i32 {
  return roundUp(m, PAD_ROWS) * k * 4;
}

const SHARE_HEADER = 64; // a share's first line: non-zero once op(A) is packed in it this call

/**
 * Bytes of one thread's scratch share for matmul_f32_range_cols over chunks of up to `cols`
 * columns of an m x n x k product: header, op(A) packed, and gemm's own scratch.
 */
export function matmul_f32_cols_bytes(m: i32, cols: i32, k: i32): i32 {
  return SHARE_HEADER + leftBytes(m, k) + scratchBytes(m, cols, k);
}

/** Whether matmul_f32_range computes this m x n product as Cᵀ (its left operand is then op(B)). */
export function matmul_f32_swaps(m: i32, n: i32): bool {
  return swapOperands(m, n, FMA_TILE && wideTiles(m, n));
}

/** Packs all of op(A) for every depth block: block p at dst + p·kc_max·roundUp(m)·4, as gemm packs it. */
function packLeft(a: usize, m: i32, k: i32, flags: i32, dst: usize): void {
  const ta = (flags & MM_TRANS_A) != 0;
  const kcb = depthBlock(k);
  // The panels gemm reads: 3 rows wide where this product runs in 3 x 12 tiles (wideProduct).
  const w = FMA_TILE && !wideProduct ? MR : GMR;
  const lRows = roundUp(m, w);
  for (let pc = 0; pc < k; pc += kcb) {
    const kc = min(kcb, k - pc);
    const d = dst + (<usize>pc * <usize>lRows << 2);
    if (w == MR) packPanels<Narrow>(a, ta ? 1 : k, ta ? m : 1, 0, m, pc, kc, MR, d);
    else packPanels<Wide>(a, ta ? 1 : k, ta ? m : 1, 0, m, pc, kc, GMR, d);
  }
}

/**
 * Columns [colStart, colEnd) of C = op(A)·op(B) (+ bias) (+ C), all m rows, with the same bits
 * as matmul_f32_range over those columns. pack is this thread's share (matmul_f32_cols_bytes):
 * op(A) is packed into it unless its header is already set. The caller clears every share's
 * header before each call. For products with k > 0 that matmul_f32_swaps says are not swapped.
 */
export function matmul_f32_range_cols(
  a: usize, b: usize, c: usize, bias: usize,
  m: i32, n: i32, k: i32, flags: i32, pack: usize,
  colStart: i32, colEnd: i32,
): void {
  const left = pack + SHARE_HEADER;
  if (FMA_TILE) wideProduct = wideTiles(m, n);
  if (load<i32>(pack) == 0) {
    packLeft(a, m, k, flags, left);
    store<i32>(pack, 1);
  }
  range(a, b, c, bias, m, n, k, flags, left + <usize>leftBytes(m, k), 0, m, colStart, colEnd, left);
}

/**
 * For each batch index t < batch: C_t[m,n] = op(A_t)·op(B_t), where op(A) is A [m,k] or,
 * with MM_TRANS_A, A stored [k,m]; op(B) is B [k,n] or, with MM_TRANS_B, B stored [n,k].
 * MM_ACCUMULATE adds into C; MM_BIAS adds bias[n] to every row. sA/sB/sC are the batch
 * strides in elements (0 broadcasts one matrix over the batch). pack points to
 * matmul_f32_pack_bytes(m * batch, n, k) bytes of scratch (m * batch: a shared B may turn
 * the batch into one taller product).
 */
export function matmul_f32(
  a: usize, b: usize, c: usize, bias: usize,
  m: i32, n: i32, k: i32, flags: i32,
  batch: i32, sA: i32, sB: i32, sC: i32, pack: usize,
): void {
  // One B shared by a stack of contiguous A and C matrices is a single taller product.
  if (batch > 1 && sB == 0 && (flags & MM_TRANS_A) == 0 && sA == m * k && sC == m * n) {
    m *= batch;
    batch = 1;
  }
  for (let t = 0; t < batch; t++) {
    matmul_f32_range(
      a + (<usize>t * <usize>sA << 2), b + (<usize>t * <usize>sB << 2), c + (<usize>t * <usize>sC << 2),
      bias, m, n, k, flags, pack, 0, m, 0, n,
    );
  }
}
