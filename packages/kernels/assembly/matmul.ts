// Matrix multiply: C = op(A)·op(B) (+ bias) (+ C), row-major, batched.
//
// A GEMM in the BLIS / GotoBLAS layout. For each block of NC columns and KC depth, the
// block of op(B) is packed into micro-panels of NR columns (KC x NR, row by row); for each
// block of MC rows, op(A) is packed into micro-panels of MR rows (KC x MR, column by
// column). The micro-kernel then holds an MR x NR tile of C in eight f32x4 registers for
// the whole depth, reading one splat of A and two vectors of B per step. Transposes are
// absorbed by the packing (4x4 register transposes), so A·B, A·Bᵀ and Aᵀ·B run the same
// inner loop. Bias and accumulation are applied when the tile is stored.
//
// Why 4 x 8: V8 on x64 allocates 15 vector registers and hoists every load of a loop body
// to its top, so a tile needs its accumulators + MR splats + NR/4 vectors of B + one
// product register to fit in 15: 8 + 4 + 2 + 1. A 6 x 8 tile spills and runs at half speed.

export const MM_TRANS_A: i32 = 1;
export const MM_TRANS_B: i32 = 2;
export const MM_ACCUMULATE: i32 = 4;
export const MM_BIAS: i32 = 8;

const MR = 4; // rows of the register tile
const NR = 8; // columns of the register tile (two f32x4)
const KC = 256; // depth of a packed block: a B micro-panel (KC·NR·4 = 8 KiB) stays in L1
const MC = 128; // rows of A packed at once (MC·KC·4 = 128 KiB, stays in L2)
const NC = 1024; // columns of B packed at once (KC·NC·4 = 1 MiB)

@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

@inline function roundUp(x: i32, to: i32): i32 {
  return ((x + to - 1) / to) * to;
}

/** Depth of each k block: k split evenly into blocks of at most KC, rounded up to 4. */
@inline function depthBlock(k: i32): i32 {
  if (k <= 0) return 0;
  const blocks = (k + KC - 1) / KC;
  return roundUp((k + blocks - 1) / blocks, 4);
}

@inline function packedBFloats(n: i32, k: i32): i32 {
  return depthBlock(k) * min(NC, roundUp(n, NR));
}

@inline function packedAFloats(m: i32, k: i32): i32 {
  return depthBlock(k) * min(MC, roundUp(m, MR));
}

/**
 * Bytes of packing scratch that matmul_f32 / matmul_f32_range need for an m x n x k product
 * (any row or column range of it needs no more). The caller allocates it; kernels never do.
 */
export function matmul_f32_pack_bytes(m: i32, n: i32, k: i32): i32 {
  return (packedBFloats(n, k) + packedAFloats(m, k) + MR * NR) << 2;
}

// Transposes the 4x4 block whose rows are r0..r3 and stores its columns at d, d+step, ...
@inline function storeTransposed(
  r0: v128, r1: v128, r2: v128, r3: v128, d: usize, step: usize,
): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
  v128.store(d + step, i64x2.shuffle(t0, t1, 1, 3));
  v128.store(d + 2 * step, i64x2.shuffle(t2, t3, 0, 2));
  v128.store(d + 3 * step, i64x2.shuffle(t2, t3, 1, 3));
}

/**
 * Packs rows r0..r0+rows of a row-major matrix (row stride ld) restricted to columns
 * c0..c0+cols into panels of `w` rows (w = 4 or 8): panel q holds, for each column p, the
 * w values of rows r0+q·w.. as consecutive floats. Missing rows of the last panel are zero.
 * This is op(A) packing without transA and op(B) packing with transB.
 */
function packRowsToPanels(
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
      for (; p + 4 <= cols; p += 4) {
        for (let g = 0; g < w; g += 4) {
          const sg = s + <usize>g * ldb + (<usize>p << 2);
          storeTransposed(
            v128.load(sg), v128.load(sg + ldb), v128.load(sg + 2 * ldb), v128.load(sg + 3 * ldb),
            d + <usize>p * wb + (<usize>g << 2), wb,
          );
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
 * operand is src[p·ld + row]. Each panel row is then a contiguous run of w floats.
 * This is op(A) packing with transA and op(B) packing without transB.
 */
function packColsToPanels(
  src: usize, ld: i32, r0: i32, rows: i32, c0: i32, cols: i32, w: i32, dst: usize,
): void {
  const ldb = <usize>ld << 2;
  const wb = <usize>w << 2;
  for (let q = 0; q < rows; q += w) {
    let s = src + ((<usize>c0 * <usize>ld + <usize>(r0 + q)) << 2);
    let d = dst + (<usize>(q * cols) << 2);
    const h = min(w, rows - q);
    if (h == w) {
      for (let p = 0; p < cols; p++) {
        for (let g: usize = 0; g < wb; g += 16) v128.store(d + g, v128.load(s + g));
        s += ldb;
        d += wb;
      }
    } else {
      for (let p = 0; p < cols; p++) {
        for (let i = 0; i < w; i++) {
          store<f32>(d + (<usize>i << 2), i < h ? load<f32>(s + (<usize>i << 2)) : <f32>0);
        }
        s += ldb;
        d += wb;
      }
    }
  }
}

/**
 * The register tile: C[4 x 8] (at c, row stride ldc floats) = Ap·Bp over depth kc, plus
 * C when loadC, plus bias[0..8] when bias != 0.
 */
function kernel4x8(kc: i32, a: usize, b: usize, c: usize, ldc: i32, loadC: bool, bias: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = c00;
  let c10 = c00;
  let c11 = c00;
  let c20 = c00;
  let c21 = c00;
  let c30 = c00;
  let c31 = c00;
  const end = a + (<usize>kc << 4);
  while (a < end) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const a0 = v128.load32_splat(a);
    c00 = madd(a0, b0, c00);
    c01 = madd(a0, b1, c01);
    const a1 = v128.load32_splat(a, 4);
    c10 = madd(a1, b0, c10);
    c11 = madd(a1, b1, c11);
    const a2 = v128.load32_splat(a, 8);
    c20 = madd(a2, b0, c20);
    c21 = madd(a2, b1, c21);
    const a3 = v128.load32_splat(a, 12);
    c30 = madd(a3, b0, c30);
    c31 = madd(a3, b1, c31);
    a += 16;
    b += 32;
  }
  if (bias != 0) {
    const v0 = v128.load(bias);
    const v1 = v128.load(bias, 16);
    c00 = f32x4.add(c00, v0);
    c01 = f32x4.add(c01, v1);
    c10 = f32x4.add(c10, v0);
    c11 = f32x4.add(c11, v1);
    c20 = f32x4.add(c20, v0);
    c21 = f32x4.add(c21, v1);
    c30 = f32x4.add(c30, v0);
    c31 = f32x4.add(c31, v1);
  }
  const ld = <usize>ldc << 2;
  const r1 = c + ld;
  const r2 = r1 + ld;
  const r3 = r2 + ld;
  if (loadC) {
    c00 = f32x4.add(c00, v128.load(c));
    c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(r1));
    c11 = f32x4.add(c11, v128.load(r1, 16));
    c20 = f32x4.add(c20, v128.load(r2));
    c21 = f32x4.add(c21, v128.load(r2, 16));
    c30 = f32x4.add(c30, v128.load(r3));
    c31 = f32x4.add(c31, v128.load(r3, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(r1, c10);
  v128.store(r1, c11, 16);
  v128.store(r2, c20);
  v128.store(r2, c21, 16);
  v128.store(r3, c30);
  v128.store(r3, c31, 16);
}

// Writes the valid mr x nr corner of a full tile computed into scratch.
function storeEdge(
  tile: usize, c: usize, ldc: i32, mr: i32, nr: i32, loadC: bool, bias: usize,
): void {
  for (let i = 0; i < mr; i++) {
    const t = tile + (<usize>(i * NR) << 2);
    const ci = c + (<usize>(i * ldc) << 2);
    for (let j = 0; j < nr; j++) {
      const o = <usize>j << 2;
      let v = load<f32>(t + o);
      if (bias != 0) v += load<f32>(bias + o);
      if (loadC) v += load<f32>(ci + o);
      store<f32>(ci + o, v);
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
  const ta = (flags & MM_TRANS_A) != 0;
  const tb = (flags & MM_TRANS_B) != 0;
  const acc = (flags & MM_ACCUMULATE) != 0;
  const biasPtr: usize = (flags & MM_BIAS) != 0 ? bias : 0;
  if (k == 0) {
    emptyProduct(c, biasPtr, n, acc, rowStart, rowEnd, colStart, colEnd);
    return;
  }
  const kcb = depthBlock(k);
  const bp = pack;
  const ap = bp + (<usize>packedBFloats(n, k) << 2);
  const tile = ap + (<usize>packedAFloats(m, k) << 2);
  for (let jc = colStart; jc < colEnd; jc += NC) {
    const nc = min(NC, colEnd - jc);
    for (let pc = 0; pc < k; pc += kcb) {
      const kc = min(kcb, k - pc);
      if (tb) packRowsToPanels(b, k, jc, nc, pc, kc, NR, bp);
      else packColsToPanels(b, n, jc, nc, pc, kc, NR, bp);
      const loadC = acc || pc > 0;
      const bz: usize = pc == 0 ? biasPtr : 0;
      for (let ic = rowStart; ic < rowEnd; ic += MC) {
        const mc = min(MC, rowEnd - ic);
        if (ta) packColsToPanels(a, m, ic, mc, pc, kc, MR, ap);
        else packRowsToPanels(a, k, ic, mc, pc, kc, MR, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bpj = bp + (<usize>(jr * kc) << 2);
          const j = jc + jr;
          const bj: usize = bz != 0 ? bz + (<usize>j << 2) : 0;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const api = ap + (<usize>(ir * kc) << 2);
            const cij = c + ((<usize>(ic + ir) * <usize>n + <usize>j) << 2);
            if (mr == MR && nr == NR) {
              kernel4x8(kc, api, bpj, cij, n, loadC, bj);
            } else {
              kernel4x8(kc, api, bpj, tile, NR, false, 0);
              storeEdge(tile, cij, n, mr, nr, loadC, bj);
            }
          }
        }
      }
    }
  }
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
