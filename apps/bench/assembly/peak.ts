// The machine's SIMD limit in wasm: register-only loops whose floating-point work
// cannot be hoisted, merged or eliminated, so GFLOP/s = flops per iteration / time.
//
// Why the shapes below: V8 (Node 20) allocates at most 15 xmm registers to wasm code, so a
// loop must keep every live vector under that or it spills to the stack and measures
// loads/stores instead. V8's scheduler also places pure loop-invariant operations inside
// the loop and merges identical ones, so a product of two invariants is neither a fair mul
// nor a safe one: every multiply below has a loop-carried input.

// c = 1.0 (so the values stay finite and never go denormal), x starts at 1..8. Read from
// memory so that no compiler can see the constants and fold `x * 1`.
// biome-ignore format: one vector per row
const DATA = memory.data<f32>(
  [
    1, 1, 1, 1, // c
    1, 1, 1, 1, // x0
    2, 2, 2, 2, // x1
    3, 3, 3, 3, // x2
    4, 4, 4, 4, // x3
    5, 5, 5, 5, // x4
    6, 6, 6, 6, // x5
    7, 7, 7, 7, // x6
    8, 8, 8, 8, // x7
  ],
  16,
);

/** Floating-point operations per iteration of {@link mul_add}: 8 f32x4.mul + 8 f32x4.add. */
export const MUL_ADD_FLOPS: i32 = 64;

/**
 * Eight independent f32x4.mul chains (x_i <- x_i * c) whose results are summed pairwise
 * into four f32x4 accumulators. Eight chains cover a 4-cycle multiply latency on two
 * ports; the pairwise add keeps each accumulator's chain at one add per iteration.
 * 13 live vectors, no spills. Returns a lane so the work cannot be dropped.
 */
export function mul_add(iters: i32): f32 {
  const c = v128.load(DATA);
  let x0 = v128.load(DATA, 16);
  let x1 = v128.load(DATA, 32);
  let x2 = v128.load(DATA, 48);
  let x3 = v128.load(DATA, 64);
  let x4 = v128.load(DATA, 80);
  let x5 = v128.load(DATA, 96);
  let x6 = v128.load(DATA, 112);
  let x7 = v128.load(DATA, 128);
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  for (let i = 0; i < iters; i++) {
    x0 = f32x4.mul(x0, c);
    x1 = f32x4.mul(x1, c);
    x2 = f32x4.mul(x2, c);
    x3 = f32x4.mul(x3, c);
    x4 = f32x4.mul(x4, c);
    x5 = f32x4.mul(x5, c);
    x6 = f32x4.mul(x6, c);
    x7 = f32x4.mul(x7, c);
    a0 = f32x4.add(a0, f32x4.add(x0, x1));
    a1 = f32x4.add(a1, f32x4.add(x2, x3));
    a2 = f32x4.add(a2, f32x4.add(x4, x5));
    a3 = f32x4.add(a3, f32x4.add(x6, x7));
  }
  return f32x4.extract_lane(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), 0);
}

/** Floating-point operations per iteration of {@link fma}: 10 f32x4.relaxed_madd (2 flops per lane). */
export const FMA_FLOPS: i32 = 80;

/**
 * Ten f32x4 accumulators, each a <- a + p * q with relaxed_madd (one FMA where the CPU has
 * it). Each madd depends on its accumulator, so none can be hoisted or merged; ten chains
 * cover a 4-5 cycle FMA latency on two ports. Only in the relaxed-SIMD build; the SIMD128
 * build returns NaN here and is never asked.
 */
export function fma(iters: i32): f32 {
  if (!ASC_FEATURE_RELAXED_SIMD) return NaN;
  const p = v128.load(DATA);
  const q = v128.load(DATA, 16);
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let a4 = f32x4.splat(0);
  let a5 = f32x4.splat(0);
  let a6 = f32x4.splat(0);
  let a7 = f32x4.splat(0);
  let a8 = f32x4.splat(0);
  let a9 = f32x4.splat(0);
  for (let i = 0; i < iters; i++) {
    a0 = f32x4.relaxed_madd(p, q, a0);
    a1 = f32x4.relaxed_madd(p, q, a1);
    a2 = f32x4.relaxed_madd(p, q, a2);
    a3 = f32x4.relaxed_madd(p, q, a3);
    a4 = f32x4.relaxed_madd(p, q, a4);
    a5 = f32x4.relaxed_madd(p, q, a5);
    a6 = f32x4.relaxed_madd(p, q, a6);
    a7 = f32x4.relaxed_madd(p, q, a7);
    a8 = f32x4.relaxed_madd(p, q, a8);
    a9 = f32x4.relaxed_madd(p, q, a9);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(a4, a5));
  return f32x4.extract_lane(f32x4.add(s, f32x4.add(f32x4.add(a6, a7), f32x4.add(a8, a9))), 0);
}
