// Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel Random Numbers: As Easy as 1, 2, 3",
// SC'11), the counter-based generator of Random123, cuRAND and PyTorch.
//
// Stream position q (a 32-bit word index) is word q & 3 of the block for counter q >> 2, and every
// output element is a pure function of (key, q). So a request gives the same numbers however it
// is split over calls or threads. The counter is (c0, c1, c2, c3); positions advance the 64-bit
// low half (c0, c1) with carry, (c2, c3) stay fixed.
//
// No relaxed-SIMD here: the numbers must be bit-identical on every build and platform, so there
// is no FMA, and Box-Muller uses AssemblyScript's software log/sin/cos.

const M0: u32 = 0xd2511f53;
const M1: u32 = 0xcd9e8d57;
const W0: u32 = 0x9e3779b9;
const W1: u32 = 0xbb67ae85;
const TWO_POW_M24: f32 = 5.9604644775390625e-8;
const TWO_POW_M32: f64 = 2.3283064365386963e-10;

// Result of the last block: globals are per instance, so worker threads never share them.
let r0: u32 = 0;
let r1: u32 = 0;
let r2: u32 = 0;
let r3: u32 = 0;
let v0: v128 = i32x4.splat(0);
let v1: v128 = i32x4.splat(0);
let v2: v128 = i32x4.splat(0);
let v3: v128 = i32x4.splat(0);

/** One Philox4x32-10 block into r0..r3. */
function block(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32): void {
  for (let r = 0; r < 10; r++) {
    const p0 = <u64>M0 * <u64>c0;
    const p1 = <u64>M1 * <u64>c2;
    const n0 = (<u32>(p1 >> 32)) ^ c1 ^ k0;
    const n2 = (<u32>(p0 >> 32)) ^ c3 ^ k1;
    c1 = <u32>p1;
    c3 = <u32>p0;
    c0 = n0;
    c2 = n2;
    k0 += W0;
    k1 += W1;
  }
  r0 = c0;
  r1 = c1;
  r2 = c2;
  r3 = c3;
}

@inline function lane(l: i32): u32 {
  return l == 0 ? r0 : l == 1 ? r1 : l == 2 ? r2 : r3;
}

@inline function mulhi(a: v128, m: v128): v128 {
  return i32x4.shuffle(i64x2.extmul_low_i32x4_u(a, m), i64x2.extmul_high_i32x4_u(a, m), 1, 3, 5, 7);
}

/**
 * Four blocks at once, structure-of-arrays: lane i of v0..v3 holds word 0..3 of the block for
 * counter (c0 + i, with carry into c1, c2, c3).
 */
@inline function block4(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32): void {
  const base = i32x4.splat(c0);
  let x0 = i32x4.add(base, i32x4(0, 1, 2, 3));
  // lt_u is all ones (-1) in lanes that wrapped, so subtracting it carries into c1.
  let x1 = i32x4.sub(i32x4.splat(c1), i32x4.lt_u(x0, base));
  let x2 = i32x4.splat(c2);
  let x3 = i32x4.splat(c3);
  const m0 = i32x4.splat(M0);
  const m1 = i32x4.splat(M1);
  for (let r = 0; r < 10; r++) {
    const kv0 = i32x4.splat(k0);
    const kv1 = i32x4.splat(k1);
    const n0 = v128.xor(v128.xor(mulhi(x2, m1), x1), kv0);
    const n2 = v128.xor(v128.xor(mulhi(x0, m0), x3), kv1);
    x1 = i32x4.mul(x2, m1);
    x3 = i32x4.mul(x0, m0);
    x0 = n0;
    x2 = n2;
    k0 += W0;
    k1 += W1;
  }
  v0 = x0;
  v1 = x1;
  v2 = x2;
  v3 = x3;
}

// Per-word transforms. RAW keeps the bits; UNIFORM maps the top 24 bits to [0, 1) and then to
// [a, a + b), capped at c (the largest f32 below `high`); THRESHOLD writes a where the top 24 bits
// are below t, else b (dropout and Bernoulli).
const RAW = 0;
const UNIFORM = 1;
const THRESHOLD = 2;

@inline function map1(w: u32, mode: i32, a: f32, b: f32, c: f32, t: u32): u32 {
  if (mode == UNIFORM) {
    const u = <f32>(w >>> 8) * TWO_POW_M24;
    return reinterpret<u32>(min<f32>(a + u * b, c));
  }
  if (mode == THRESHOLD) return reinterpret<u32>(w >>> 8 < t ? a : b);
  return w;
}

@inline function map4(w: v128, mode: i32, a: f32, b: f32, c: f32, t: u32): v128 {
  if (mode == UNIFORM) {
    const u = f32x4.mul(f32x4.convert_i32x4_u(i32x4.shr_u(w, 8)), f32x4.splat(TWO_POW_M24));
    return f32x4.min(f32x4.add(f32x4.splat(a), f32x4.mul(u, f32x4.splat(b))), f32x4.splat(c));
  }
  if (mode == THRESHOLD) {
    const below = i32x4.lt_u(i32x4.shr_u(w, 8), i32x4.splat(t));
    return v128.bitselect(f32x4.splat(a), f32x4.splat(b), below);
  }
  return w;
}

/**
 * Writes the n outputs for stream positions 4*(c0,c1) + first .. + n - 1 (first < 4): a scalar
 * head up to the next block boundary, four blocks (16 words) per SIMD step, a scalar tail.
 */
@inline function fill(
  out: usize, n: i32, k0: u32, k1: u32, c0: u32, c1: u32, c2: u32, c3: u32, first: i32,
  mode: i32, a: f32, b: f32, c: f32, t: u32,
): void {
  let i = 0;
  if (first != 0) {
    block(c0, c1, c2, c3, k0, k1);
    for (let l = first; l < 4 && i < n; l++, i++) store<u32>(out + (<usize>i << 2), map1(lane(l), mode, a, b, c, t));
    c0++;
    if (c0 == 0) c1++;
  }
  for (; i + 16 <= n; i += 16) {
    block4(c0, c1, c2, c3, k0, k1);
    const y0 = map4(v0, mode, a, b, c, t);
    const y1 = map4(v1, mode, a, b, c, t);
    const y2 = map4(v2, mode, a, b, c, t);
    const y3 = map4(v3, mode, a, b, c, t);
    // Structure-of-arrays back to stream order: a 4x4 transpose.
    const lo01 = i32x4.shuffle(y0, y1, 0, 4, 1, 5);
    const lo23 = i32x4.shuffle(y2, y3, 0, 4, 1, 5);
    const hi01 = i32x4.shuffle(y0, y1, 2, 6, 3, 7);
    const hi23 = i32x4.shuffle(y2, y3, 2, 6, 3, 7);
    const o = out + (<usize>i << 2);
    v128.store(o, i64x2.shuffle(lo01, lo23, 0, 2));
    v128.store(o, i64x2.shuffle(lo01, lo23, 1, 3), 16);
    v128.store(o, i64x2.shuffle(hi01, hi23, 0, 2), 32);
    v128.store(o, i64x2.shuffle(hi01, hi23, 1, 3), 48);
    const next = c0 + 4;
    if (next < c0) c1++;
    c0 = next;
  }
  while (i < n) {
    block(c0, c1, c2, c3, k0, k1);
    for (let l = 0; l < 4 && i < n; l++, i++) store<u32>(out + (<usize>i << 2), map1(lane(l), mode, a, b, c, t));
    c0++;
    if (c0 == 0) c1++;
  }
}

/**
 * Raw Philox4x32-10 words for n stream positions starting at word `first` (0..3) of counter
 * (c0, c1, c2, c3) under key (k0, k1).
 */
export function philox_u32(out: usize, n: i32, k0: u32, k1: u32, c0: u32, c1: u32, c2: u32, c3: u32, first: i32): void {
  fill(out, n, k0, k1, c0, c1, c2, c3, first, RAW, 0, 0, 0, 0);
}

/** Uniform f32 in [low, low + range), each value capped at `cap` (the largest f32 below high). */
export function philox_uniform_f32(
  out: usize, n: i32, k0: u32, k1: u32, c0: u32, c1: u32, c2: u32, c3: u32, first: i32,
  low: f32, range: f32, cap: f32,
): void {
  fill(out, n, k0, k1, c0, c1, c2, c3, first, UNIFORM, low, range, cap, 0);
}

/**
 * out = below if the word's top 24 bits < threshold, else above. Dropout: (0, 1/(1-p)),
 * Bernoulli: (1, 0), with threshold = round(p * 2^24).
 */
export function philox_threshold_f32(
  out: usize, n: i32, k0: u32, k1: u32, c0: u32, c1: u32, c2: u32, c3: u32, first: i32,
  threshold: u32, below: f32, above: f32,
): void {
  fill(out, n, k0, k1, c0, c1, c2, c3, first, THRESHOLD, below, above, 0, threshold);
}

/** Word `l` (0..3) of the block `pos` counters after (c0, c1). */
function wordAt(k0: u32, k1: u32, c0: u32, c1: u32, c2: u32, c3: u32, pos: u64): u32 {
  const ctr = ((<u64>c1 << 32) | <u64>c0) + (pos >> 2);
  block(<u32>ctr, <u32>(ctr >> 32), c2, c3, k0, k1);
  return lane(<i32>(pos & 3));
}

/** Box-Muller on one pair of words: the cosine half for `even`, the sine half otherwise. */
@inline function gauss(wr: u32, wa: u32, even: bool, mean: f64, std: f64): f32 {
  const u1 = (<f64>wr + 1.0) * TWO_POW_M32; // (0, 1]: log stays finite
  const theta = 2.0 * Math.PI * (<f64>wa * TWO_POW_M32);
  const r = Math.sqrt(-2.0 * Math.log(u1));
  return <f32>(mean + std * r * (even ? Math.cos(theta) : Math.sin(theta)));
}

/**
 * Normal f32 by Box-Muller over word pairs (2j, 2j+1) of the stream: position 2j gets the cosine
 * half, 2j+1 the sine half. The words come from the SIMD generator; the transcendental part is
 * scalar (f64 software log/sin/cos, identical everywhere). A request that starts or ends inside
 * a pair recomputes the partner word, so split requests still match one whole request.
 */
export function philox_normal_f32(
  out: usize, n: i32, k0: u32, k1: u32, c0: u32, c1: u32, c2: u32, c3: u32, first: i32,
  mean: f32, std: f32,
): void {
  if (n <= 0) return;
  fill(out, n, k0, k1, c0, c1, c2, c3, first, RAW, 0, 0, 0, 0);
  const m = <f64>mean;
  const s = <f64>std;
  let i = 0;
  if (first & 1) {
    const partner = wordAt(k0, k1, c0, c1, c2, c3, <u64>(first - 1));
    store<f32>(out, gauss(partner, load<u32>(out), false, m, s));
    i = 1;
  }
  for (; i + 1 < n; i += 2) {
    const p = out + (<usize>i << 2);
    const wr = load<u32>(p);
    const wa = load<u32>(p, 4);
    store<f32>(p, gauss(wr, wa, true, m, s));
    store<f32>(p, gauss(wr, wa, false, m, s), 4);
  }
  if (i < n) {
    const partner = wordAt(k0, k1, c0, c1, c2, c3, <u64>first + <u64>n);
    const p = out + (<usize>i << 2);
    store<f32>(p, gauss(load<u32>(p), partner, true, m, s));
  }
}
