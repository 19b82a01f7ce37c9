// Softmax family along the last axis of a contiguous [rows, cols] f32 view, and the fused
// softmax cross-entropy loss. Every row subtracts its max before exponentiating, so logits of
// any magnitude give finite probabilities. Row sums add f32 SIMD lanes over blocks of
// SUM_BLOCK elements and carry the total in f64.
//
// The row helpers below repeat a few lines of reduce.ts on purpose: anything exported from a
// family file becomes a wasm export through assembly/index.ts.

const SUM_BLOCK: i32 = 256;

const LOG2E: f32 = 1.44269504;
// ln 2 split so that n * LN2_HI is exact for |n| <= 150 (Cody-Waite reduction).
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;

// Adding 1.5 * 2^23 rounds a float below 2^22 in magnitude to an integer (ties to even) held in
// the low mantissa bits: one add replaces nearest + trunc_sat, which V8 lowers to long sequences.
const ROUND_MAGIC: f32 = 12582912;

/**
 * e^x per lane, Cephes expf: x = n ln2 + r with |r| <= ln2/2, a degree-6 polynomial for e^r
 * (under 1 ulp measured), then 2^n applied as two factors so that results in the subnormal
 * range are rounded once. x below -104 gives 0, above 89 gives Infinity, NaN stays NaN (pmin /
 * pmax return their first operand when it is NaN). Plain mul + add, so both builds agree to the
 * bit. Private to this file (the name keeps it apart from the elementwise exp).
 */
@inline function expSoftmax(v: v128): v128 {
  const x = f32x4.pmax(f32x4.pmin(v, f32x4.splat(89)), f32x4.splat(-104));
  const magic = f32x4.splat(ROUND_MAGIC);
  const t = f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), magic);
  const n = f32x4.sub(t, magic);
  const ni = i32x4.sub(t, magic);
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.987569150e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  const n1 = i32x4.shr_s(ni, 1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(ni, n1), bias), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

/** Scalar e^x through the same lanes, so tails match the SIMD body bit for bit. */
@inline function expSoftmax1(x: f32): f32 {
  return f32x4.extract_lane(expSoftmax(f32x4.splat(x)), 0);
}

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

@inline function hsum64(v: v128): f64 {
  return (
    <f64>f32x4.extract_lane(v, 0) +
    <f64>f32x4.extract_lane(v, 1) +
    (<f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3))
  );
}

/**
 * Max of p[0..n) with pmax (one instruction; the NaN-propagating f32x4.max costs several on
 * x64). A NaN may be skipped here, but then x - max is NaN for that element and the row sum
 * turns every output of the row into NaN, as in PyTorch.
 */
function rowMax(p: usize, n: i32): f32 {
  let a0 = f32x4.splat(-Infinity);
  let a1 = a0;
  const n8 = n & ~7;
  let i = 0;
  for (; i < n8; i += 8) {
    a0 = f32x4.pmax(a0, v128.load(at(p, i)));
    a1 = f32x4.pmax(a1, v128.load(at(p, i), 16));
  }
  const v = f32x4.pmax(a0, a1);
  let m = max<f32>(
    max<f32>(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    max<f32>(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)),
  );
  for (; i < n; i++) m = max<f32>(m, load<f32>(at(p, i)));
  return m;
}

/** Σ a[i] * (b ? b[i] : 1) for i < n, blocked f32 lanes carried in f64. */
@inline function rowDot(a: usize, b: usize, n: i32, plain: bool): f64 {
  let total: f64 = 0;
  const n4 = n & ~3;
  let i = 0;
  while (i < n4) {
    const end = min(i + SUM_BLOCK, n4);
    let acc = f32x4.splat(0);
    for (; i < end; i += 4) {
      const v = v128.load(at(a, i));
      acc = f32x4.add(acc, plain ? v : f32x4.mul(v, v128.load(at(b, i))));
    }
    total += hsum64(acc);
  }
  for (; i < n; i++) total += plain ? <f64>load<f32>(at(a, i)) : <f64>(load<f32>(at(a, i)) * load<f32>(at(b, i)));
  return total;
}

/** e[i] = exp(x[i] - m) written to e (when keep), returns Σ e. */
@inline function expRow(x: usize, e: usize, n: i32, m: f32, keep: bool): f64 {
  const mv = f32x4.splat(m);
  let total: f64 = 0;
  const n4 = n & ~3;
  let i = 0;
  while (i < n4) {
    const end = min(i + SUM_BLOCK, n4);
    let acc = f32x4.splat(0);
    for (; i < end; i += 4) {
      const v = expSoftmax(f32x4.sub(v128.load(at(x, i)), mv));
      if (keep) v128.store(at(e, i), v);
      acc = f32x4.add(acc, v);
    }
    total += hsum64(acc);
  }
  for (; i < n; i++) {
    const v = expSoftmax1(load<f32>(at(x, i)) - m);
    if (keep) store<f32>(at(e, i), v);
    total += <f64>v;
  }
  return total;
}

/** p[i] *= 1/s for i < n (the reciprocal rounded once from f64, as PyTorch scales by 1/sum). */
function scaleRow(p: usize, n: i32, s: f64): void {
  const inv = <f32>(1 / s);
  const sv = f32x4.splat(inv);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) v128.store(at(p, i), f32x4.mul(v128.load(at(p, i)), sv));
  for (; i < n; i++) store<f32>(at(p, i), load<f32>(at(p, i)) * inv);
}

/** out = softmax(x) row by row. out may alias x. */
export function softmax_f32(x: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = at(x, r * cols);
    const yr = at(out, r * cols);
    const s = expRow(xr, yr, cols, rowMax(xr, cols), true);
    scaleRow(yr, cols, s);
  }
}

/** out = x - max - log Σ exp(x - max), row by row. out may alias x. */
export function log_softmax_f32(x: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = at(x, r * cols);
    const yr = at(out, r * cols);
    const m = rowMax(xr, cols);
    const logS = <f32>Math.log(expRow(xr, 0, cols, m, false));
    const mv = f32x4.splat(m);
    const lv = f32x4.splat(logS);
    const n4 = cols & ~3;
    let i = 0;
    for (; i < n4; i += 4) v128.store(at(yr, i), f32x4.sub(f32x4.sub(v128.load(at(xr, i)), mv), lv));
    for (; i < cols; i++) store<f32>(at(yr, i), load<f32>(at(xr, i)) - m - logS);
  }
}

/** dx = y * (dy - Σ dy*y) row by row, y = softmax(x). dx may alias dy. */
export function softmax_backward_f32(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const yr = at(y, o);
    const gr = at(dy, o);
    const dr = at(dx, o);
    const s = <f32>rowDot(gr, yr, cols, false);
    const sv = f32x4.splat(s);
    const n4 = cols & ~3;
    let i = 0;
    for (; i < n4; i += 4)
      v128.store(at(dr, i), f32x4.mul(v128.load(at(yr, i)), f32x4.sub(v128.load(at(gr, i)), sv)));
    for (; i < cols; i++) store<f32>(at(dr, i), load<f32>(at(yr, i)) * (load<f32>(at(gr, i)) - s));
  }
}

/** dx = dy - exp(y) * Σ dy row by row, y = logSoftmax(x). dx may alias dy. */
export function log_softmax_backward_f32(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const yr = at(y, o);
    const gr = at(dy, o);
    const dr = at(dx, o);
    const s = <f32>rowDot(gr, 0, cols, true);
    const sv = f32x4.splat(s);
    const n4 = cols & ~3;
    let i = 0;
    for (; i < n4; i += 4)
      v128.store(at(dr, i), f32x4.sub(v128.load(at(gr, i)), f32x4.mul(expSoftmax(v128.load(at(yr, i))), sv)));
    for (; i < cols; i++) store<f32>(at(dr, i), load<f32>(at(gr, i)) - expSoftmax1(load<f32>(at(yr, i))) * s);
  }
}

/**
 * Mean over rows of -Σ_j target_j log softmax(x)_j with target = (1 - smoothing) one-hot(label)
 * + smoothing / cols (PyTorch's label_smoothing). Writes softmax(x) to probs (saved for the
 * backward) and the loss as f32 to `result`. Labels (i32) must be in [0, cols).
 */
export function softmax_cross_entropy_f32(
  logits: usize, labels: usize, rows: i32, cols: i32, probs: usize, smoothing: f32, result: usize,
): void {
  const eps = <f64>smoothing;
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const xr = at(logits, r * cols);
    const pr = at(probs, r * cols);
    const m = rowMax(xr, cols);
    const s = expRow(xr, pr, cols, m, true);
    const logS = Math.log(s);
    const label = load<i32>(at(labels, r));
    let loss = -(1 - eps) * (<f64>load<f32>(at(xr, label)) - <f64>m - logS);
    // Σ_j log p_j = Σ_j x_j - cols * (m + log s)
    if (eps != 0) loss -= (eps / <f64>cols) * (rowDot(xr, 0, cols, true) - <f64>cols * (<f64>m + logS));
    total += loss;
    scaleRow(pr, cols, s);
  }
  store<f32>(result, <f32>(total / <f64>rows));
}

/** dx = gradLoss * (probs - target) / rows, target as in softmax_cross_entropy_f32. */
export function softmax_cross_entropy_backward_f32(
  probs: usize, labels: usize, rows: i32, cols: i32, gradLoss: f32, dx: usize, smoothing: f32,
): void {
  const g64 = <f64>gradLoss / <f64>rows;
  const g = <f32>g64;
  const u = <f32>((g64 * <f64>smoothing) / <f64>cols);
  const hit = <f32>(g64 * (1 - <f64>smoothing));
  const gv = f32x4.splat(g);
  const uv = f32x4.splat(u);
  const n4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const pr = at(probs, r * cols);
    const dr = at(dx, r * cols);
    let i = 0;
    for (; i < n4; i += 4) v128.store(at(dr, i), f32x4.sub(f32x4.mul(v128.load(at(pr, i)), gv), uv));
    for (; i < cols; i++) store<f32>(at(dr, i), load<f32>(at(pr, i)) * g - u);
    const q = at(dr, load<i32>(at(labels, r)));
    store<f32>(q, load<f32>(q) - hit);
  }
}
