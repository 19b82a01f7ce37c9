// What the GEMM (matmul.ts) and the implicit-GEMM convolution (conv.ts) share: the 4 x 8
// register tile's size, how its A role is packed, the multiply-add, and a 4 x 4 transpose.
// Everything here is inlined where it is used; none of it is a wasm export.

export const MR = 4; // rows of the register tile
export const NR = 8; // columns of the register tile (two f32x4)

// A-role panels are compact (MR floats per depth step) and the tile splats each value as it
// loads it (v128.load32_splat). Panels of pre-splatted values (16 bytes each) save the splat
// but stream 4x the bytes of A from L2; on the Zen 3 EPYC this was measured on, compact panels
// ran 5-8% faster on every matmul shape (interleaved runs; the relaxed build always used them).

/**
 * c + a·b: one fused multiply-add in the relaxed build, a multiply then an add otherwise.
 * In a 4 x 8 tile (eight accumulators) each accumulator takes one FMA per step of 8 FMAs: at two
 * FMAs a cycle that is every 4 cycles, the FMA's latency on the Zen 5 EPYC, so any delay costs
 * throughput. That is why the relaxed build's GEMM uses a 3 x 12 tile instead (matmul.ts); the
 * conv tiles keep 4 x 8. FMA is kept because where multiplies and adds share two ports (Intel)
 * it halves the work.
 */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** c + a·b fused only when `fused` (a constant at each inlined use) and the build has FMA. */
@inline export function maddIf(fused: bool, a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD && fused) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

@inline export function roundUp(x: i32, to: i32): i32 {
  return ((x + to - 1) / to) * to;
}

/** Transposes the 4x4 block whose rows are r0..r3 and stores its columns at d, d + step, ... */
@inline export function storeTransposed(r0: v128, r1: v128, r2: v128, r3: v128, d: usize, step: usize): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
  v128.store(d + step, i64x2.shuffle(t0, t1, 1, 3));
  v128.store(d + 2 * step, i64x2.shuffle(t2, t3, 0, 2));
  v128.store(d + 3 * step, i64x2.shuffle(t2, t3, 1, 3));
}
