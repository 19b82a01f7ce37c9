// Vector math on four f32 lanes: exp, log, tanh, sigmoid, erf, GELU, pow.
// Each function is the one definition of its approximation: kernels call it on v128 in their
// SIMD body and on a splat in their scalar tail, so an element's result never depends on
// whether it landed in the body or the tail. Plain mul/add only (no relaxed FMA): results
// are bit-identical on the SIMD128 and relaxed builds.
// Accuracy (f32 inputs vs float64 Math, measured by test/elementwise-math.test.ts):
// exp, log, sigmoid within ~2 ulp; tanh, erf, GELU within a few ulp where the result is normal.

@inline function k(v: f32): v128 {
  return f32x4.splat(v);
}

@inline function bits(v: i32): v128 {
  return i32x4.splat(v);
}

const SIGN: i32 = 0x80000000;
const LOG2E: f32 = 1.44269504088896341;
// ln 2 split so that n * LN2_HI is exact for |n| < 2^15 (LN2_HI has 9 significant bits).
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;

/**
 * exp(a + b) where b is a small correction to a (|b| well below 1) that a single f32 cannot
 * hold: the range reduction subtracts n·ln2 from a exactly before adding b. exp(x) is
 * expSum4(x, 0); exp(-x²/2) uses it to keep the rounding error of x² out of the result.
 */
@inline export function expSum4(a: v128, b: v128): v128 {
  // Past these bounds the result is inf or 0 anyway; clamping keeps 2^n representable.
  // f32x4.min/max propagate NaN, so NaN flows through to the polynomial and out.
  const ac = f32x4.min(f32x4.max(a, k(-104.0)), k(89.0));
  const n = f32x4.nearest(f32x4.mul(f32x4.add(ac, b), k(LOG2E)));
  // ac - n*LN2_HI is exact (Sterbenz), so r carries only b's and LN2_LO's rounding.
  const r = f32x4.add(f32x4.sub(ac, f32x4.mul(n, k(LN2_HI))), f32x4.sub(b, f32x4.mul(n, k(LN2_LO))));
  // e^r on |r| <= ~0.35: 1 + r + r^2 * P(r) (Cephes expf minimax coefficients).
  let p = f32x4.add(f32x4.mul(k(1.9875691500e-4), r), k(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), k(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), k(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), k(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), k(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), k(1.0));
  // Scale by 2^n in two steps (n in [-150, 129]) so that each factor is a normal float and a
  // subnormal result is rounded once, by the last multiply.
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const s1 = i32x4.shl(i32x4.add(n1, bits(127)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bits(127)), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/** e^x per lane: exp(-inf) = 0, exp(inf) = inf, NaN stays NaN. */
@inline export function exp4(x: v128): v128 {
  return expSum4(x, f32x4.splat(0));
}

// log(x) = e·ln2 + log(m) with x = 2^e·m, m in [sqrt(1/2), sqrt(2)). The two parts are
// separate functions (pow needs them apart); both redo the cheap exponent split.

/** m - 1 for x = 2^e·m, m in [sqrt(1/2), sqrt(2)); x finite and > 0, subnormals included. */
@inline function logMantissa(x: v128): v128 {
  // Subnormals: scale into the normal range first.
  const xs = v128.bitselect(f32x4.mul(x, k(8388608.0)), x, f32x4.lt(x, k(1.17549435e-38)));
  const m = v128.or(v128.and(xs, bits(0x007fffff)), bits(0x3f000000)); // [0.5, 1)
  return f32x4.sub(v128.bitselect(f32x4.add(m, m), m, f32x4.lt(m, k(0.707106781186547524))), k(1.0));
}

/** e for x = 2^e·m as in logMantissa, as f32 lanes. */
@inline function logExponent(x: v128): v128 {
  const sub = f32x4.lt(x, k(1.17549435e-38));
  const xs = v128.bitselect(f32x4.mul(x, k(8388608.0)), x, sub);
  let e = i32x4.sub(i32x4.shr_u(xs, 23), bits(126));
  e = i32x4.sub(e, v128.and(sub, bits(23)));
  const m = v128.or(v128.and(xs, bits(0x007fffff)), bits(0x3f000000));
  e = i32x4.add(e, f32x4.lt(m, k(0.707106781186547524))); // the mask is -1 where m is doubled
  return f32x4.convert_i32x4_s(e);
}

/** log(1 + y) - y + y²/2 = y³·P(y) for y in [sqrt(1/2) - 1, sqrt(2) - 1] (Cephes logf coefficients). */
@inline function log1pCubic(y: v128): v128 {
  let p = f32x4.sub(f32x4.mul(k(7.0376836292e-2), y), k(1.151461031e-1));
  p = f32x4.add(f32x4.mul(p, y), k(1.167699874e-1));
  p = f32x4.sub(f32x4.mul(p, y), k(1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, y), k(1.4249322787e-1));
  p = f32x4.sub(f32x4.mul(p, y), k(1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, y), k(2.0000714765e-1));
  p = f32x4.sub(f32x4.mul(p, y), k(2.4999993993e-1));
  p = f32x4.add(f32x4.mul(p, y), k(3.3333331174e-1));
  return f32x4.mul(f32x4.mul(p, y), f32x4.mul(y, y));
}

/** Natural log per lane: log(0) = -inf, log(x < 0) = NaN, log(inf) = inf. */
@inline export function log4(x: v128): v128 {
  const fe = logExponent(x);
  const y = logMantissa(x);
  // Smallest terms first, e·ln2 last (its high part is exact).
  let r = f32x4.add(log1pCubic(y), f32x4.mul(fe, k(LN2_LO)));
  r = f32x4.sub(r, f32x4.mul(f32x4.mul(y, y), k(0.5)));
  r = f32x4.add(f32x4.add(y, r), f32x4.mul(fe, k(LN2_HI)));
  r = v128.bitselect(k(-Infinity), r, f32x4.eq(x, k(0)));
  r = v128.bitselect(k(Infinity), r, f32x4.eq(x, k(Infinity)));
  return v128.bitselect(r, k(NaN), f32x4.ge(x, k(0))); // NaN for x < 0 and for NaN
}

/** tanh per lane, odd, saturating to ±1; NaN stays NaN. */
@inline export function tanh4(x: v128): v128 {
  const ax = f32x4.abs(x);
  // |x| < 0.625: x + x^3 * P(x^2) (Cephes tanhf coefficients).
  const z = f32x4.mul(x, x);
  let p = f32x4.add(f32x4.mul(k(-5.70498872745e-3), z), k(2.06390887954e-2));
  p = f32x4.sub(f32x4.mul(p, z), k(5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), k(1.33314422036e-1));
  p = f32x4.sub(f32x4.mul(p, z), k(3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  // Otherwise 1 - 2 / (e^{2|x|} + 1), with x's sign put back.
  const e = exp4(f32x4.add(ax, ax));
  const big = f32x4.sub(k(1.0), f32x4.div(k(2.0), f32x4.add(e, k(1.0))));
  const signed = v128.or(big, v128.and(x, bits(SIGN)));
  return v128.bitselect(small, signed, f32x4.lt(ax, k(0.625)));
}

/** 1 / (1 + e^-x) per lane, relatively accurate for large negative x too. */
@inline export function sigmoid4(x: v128): v128 {
  const e = exp4(f32x4.neg(f32x4.abs(x)));
  const d = f32x4.add(k(1.0), e);
  return v128.bitselect(f32x4.div(k(1.0), d), f32x4.div(e, d), f32x4.ge(x, k(0)));
}

/**
 * exp(-s·x² + c) with s = 1 or 0.5: x² is split into an exact high part (x's top 12
 * significant bits squared) and a small low part, so that for x ≈ 10 the result is not off by
 * the ~1e-5 that rounding x² to f32 would cost. |x| must be finite.
 */
@inline function expNegSq(x: v128, s: f32, c: v128): v128 {
  const xh = v128.and(x, bits(0xfffff000));
  const xl = f32x4.sub(x, xh);
  const hi = f32x4.mul(f32x4.mul(xh, xh), k(-s));
  const lo = f32x4.sub(c, f32x4.mul(f32x4.mul(xl, f32x4.add(xh, x)), k(s)));
  return expSum4(hi, lo);
}

/**
 * erfc(z) / t / exp(-z²) = exp(Q(u)) with t = 1 / (1 + z/2), u = 2t - 1: Q is a degree-10
 * polynomial fitted to it over z in [0, 12] (max error 1e-8 in float64, ~1.2e-7 evaluated in f32),
 * so erfc(z) = t · exp(-z² + Q(u)) is relatively accurate over the whole tail.
 */
@inline function erfcQ(t: v128): v128 {
  const u = f32x4.sub(f32x4.add(t, t), k(1.0));
  let q = f32x4.add(f32x4.mul(k(-1.1843275569844991e-4), u), k(4.78506030049175e-4));
  q = f32x4.add(f32x4.mul(q, u), k(-5.011599569115788e-5));
  q = f32x4.add(f32x4.mul(q, u), k(-2.2577119525521994e-3));
  q = f32x4.add(f32x4.mul(q, u), k(1.7047455767169595e-3));
  q = f32x4.add(f32x4.mul(q, u), k(8.806707337498665e-3));
  q = f32x4.add(f32x4.mul(q, u), k(-9.861333295702934e-3));
  q = f32x4.add(f32x4.mul(q, u), k(-4.6893954277038574e-2));
  q = f32x4.add(f32x4.mul(q, u), k(4.734249785542488e-2));
  q = f32x4.add(f32x4.mul(q, u), k(6.726431846618652e-1));
  return f32x4.add(f32x4.mul(q, u), k(-6.71794056892395e-1));
}

/** erf per lane: odd, ±1 beyond |x| ≈ 3.9, NaN stays NaN. */
@inline export function erf4(x: v128): v128 {
  const z = f32x4.min(f32x4.abs(x), k(10.0));
  // |x| < 0.5: Taylor series x · Σ (-1)^j x^{2j} · 2 / (√π j! (2j + 1)), j <= 7.
  const z2 = f32x4.mul(x, x);
  let p = f32x4.add(f32x4.mul(k(-1.4925650e-5), z2), k(1.2055332e-4));
  p = f32x4.add(f32x4.mul(p, z2), k(-8.5483270e-4));
  p = f32x4.add(f32x4.mul(p, z2), k(5.2239776e-3));
  p = f32x4.add(f32x4.mul(p, z2), k(-2.6866171e-2));
  p = f32x4.add(f32x4.mul(p, z2), k(1.1283792e-1));
  p = f32x4.add(f32x4.mul(p, z2), k(-3.7612639e-1));
  p = f32x4.add(f32x4.mul(p, z2), k(1.1283792));
  const small = f32x4.mul(p, x);
  const t = f32x4.div(k(1.0), f32x4.add(k(1.0), f32x4.mul(z, k(0.5))));
  const erfc = f32x4.mul(t, expNegSq(z, 1.0, erfcQ(t)));
  const big = v128.or(f32x4.sub(k(1.0), erfc), v128.and(x, bits(SIGN)));
  return v128.bitselect(small, big, f32x4.lt(z, k(0.5)));
}

/**
 * Φ(-|x|) = erfc(|x|/√2) / 2, the normal tail, relatively accurate down to ~1e-38.
 * xc must be finite (callers clamp to ±16, where the tail is already 0 in f32).
 */
@inline function normalTail(xc: v128): v128 {
  const z = f32x4.mul(f32x4.abs(xc), k(0.707106781186547524));
  const t = f32x4.div(k(1.0), f32x4.add(k(1.0), f32x4.mul(z, k(0.5))));
  return f32x4.mul(f32x4.mul(t, k(0.5)), expNegSq(xc, 0.5, erfcQ(t)));
}

@inline function clamp16(x: v128): v128 {
  return f32x4.min(f32x4.max(x, k(-16.0)), k(16.0));
}

/** Φ(x), the standard normal CDF, for finite x (clamped). */
@inline function normalCdf(xc: v128): v128 {
  const tail = normalTail(xc);
  return v128.bitselect(f32x4.sub(k(1.0), tail), tail, f32x4.ge(xc, k(0)));
}

/**
 * GELU, PyTorch's exact form x·Φ(x) = 0.5·x·(1 + erf(x/√2)), computed as x·Φ(x) with Φ from
 * the erfc tail so that it stays relatively accurate for negative x. gelu(-inf) = 0 (PyTorch
 * gives NaN there), gelu(inf) = inf.
 */
@inline export function gelu4(x: v128): v128 {
  const xc = clamp16(x);
  return f32x4.mul(f32x4.max(x, k(-16.0)), normalCdf(xc));
}

/** d gelu / dx = Φ(x) + x·φ(x), with limits 0 at -inf and 1 at inf. */
@inline export function geluGrad4(x: v128): v128 {
  const xc = clamp16(x);
  // φ(x) = exp(-x²/2 - ln √(2π))
  const pdf = expNegSq(xc, 0.5, k(-0.918938533204672742));
  const g = f32x4.add(normalCdf(xc), f32x4.mul(xc, pdf));
  return v128.bitselect(g, x, f32x4.eq(x, x)); // NaN in, NaN out (clamping would hide it)
}

/** Lanes 2, 3 of v moved to 0, 1 (for the f64x2 conversions, which read the low half). */
@inline function high(v: v128): v128 {
  return v128.shuffle<f32>(v, v, 2, 3, 0, 1);
}

/** Four f32 lanes from the low f64 lanes of lo and hi. */
@inline function demote2(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** Low part of each f64 lane after its rounding to f32. */
@inline function residual(d: v128): v128 {
  return f64x2.sub(d, f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(d)));
}

/** b·(e·ln2 + m1 + c) in f64 for the low two lanes. */
@inline function yLow(b: v128, fe: v128, m1: v128, c: v128): v128 {
  const e = f64x2.mul(f64x2.promote_low_f32x4(fe), f64x2.splat(0.693147180559945309));
  const l = f64x2.add(f64x2.promote_low_f32x4(m1), f64x2.promote_low_f32x4(c));
  return f64x2.mul(f64x2.promote_low_f32x4(b), f64x2.add(e, l));
}

/**
 * a^b per lane with C99 powf's special cases: b = 0 or a = 1 give 1 (even with NaN), a < 0
 * needs an integer b (else NaN) and takes b's parity as sign, 0^-b = inf, |a|^±inf as C.
 * y = b·log|a| is formed in f64 from log|a| = e·ln2 + log(m) and handed to exp as an f32
 * high + low pair, so the error stays a few ulp instead of growing with |y|.
 */
@inline export function pow4(a: v128, b: v128): v128 {
  const aa = f32x4.abs(a);
  const la = log4(aa);
  const fe = logExponent(aa);
  const m1 = logMantissa(aa);
  // log m = m1 + c, added in f64 with e·ln2 so that no f32 rounding of log|a| is scaled by b.
  const c = f32x4.sub(log1pCubic(m1), f32x4.mul(f32x4.mul(m1, m1), k(0.5)));
  const y0 = yLow(b, fe, m1, c);
  const y1 = yLow(high(b), high(fe), high(m1), high(c));
  let yHi = demote2(y0, y1);
  let yLo = demote2(residual(y0), residual(y1));
  // 0, inf and NaN bases take log4's special values; |a| = 1 gives y = 0 also for b = ±inf.
  const regular = v128.and(f32x4.gt(aa, k(0)), f32x4.lt(aa, k(Infinity)));
  yHi = v128.bitselect(yHi, f32x4.mul(b, la), regular);
  // Past |y| = 128 the result is 0 or inf and yLo is no longer small (or is inf - inf).
  yLo = v128.and(yLo, v128.and(regular, f32x4.lt(f32x4.abs(yHi), k(128.0))));
  const one = f32x4.eq(la, k(0));
  yHi = v128.andnot(yHi, one);
  yLo = v128.andnot(yLo, one);
  let r = expSum4(yHi, yLo);
  const bInt = f32x4.eq(f32x4.nearest(b), b);
  // Odd integer b: its lowest bit (only meaningful below 2^24, above which every float is even).
  const odd = v128.and(
    v128.and(bInt, f32x4.lt(f32x4.abs(b), k(16777216.0))),
    i32x4.eq(v128.and(i32x4.trunc_sat_f32x4_s(b), bits(1)), bits(1)),
  );
  r = v128.or(r, v128.and(v128.and(a, odd), bits(SIGN)));
  // A negative finite base with a non-integer exponent has no real power.
  const neg = v128.and(f32x4.lt(a, k(0)), f32x4.gt(a, k(-Infinity)));
  r = v128.bitselect(k(NaN), r, v128.andnot(neg, bInt));
  return v128.bitselect(k(1.0), r, v128.or(f32x4.eq(b, k(0)), f32x4.eq(a, k(1.0))));
}
