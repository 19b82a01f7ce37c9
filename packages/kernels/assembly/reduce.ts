// Reductions over contiguous row-major f32 tensors: sum, mean, max, min, argmax, argmin, dot.
//
// The TypeScript wrapper drops size-1 axes and merges neighbouring axes that are both kept or
// both reduced, so any reduction of a rank <= 6 tensor becomes alternating groups: at most
// three kept and three reduced. The innermost group is a contiguous run and picks the path:
//   reduced innermost run -> each output is a sum/max of whole rows (SIMD along the row);
//   kept innermost run    -> each output row accumulates whole input rows (f32x4 per column).
// The outer groups are walked by fixed nested loops (size 1 when absent).
//
// Sums add in f32 SIMD lanes for a bounded number of terms, then move the partial into an f64
// accumulator: the rounding error is that of a ~64-term sum whatever the length, at the cost
// of one f64 add per block.

const OP_MEAN: i32 = 1;
const OP_MAX: i32 = 2;
const OP_MIN: i32 = 3;

// Terms per f32 partial sum before it is flushed into f64: 1024 elements over 16 lanes along a
// row, 64 rows down a column.
const ROW_BLOCK: i32 = 1024;
const COL_BLOCK: i32 = 64;

@inline function hsum64(v: v128): f64 {
  return (
    <f64>f32x4.extract_lane(v, 0) +
    <f64>f32x4.extract_lane(v, 1) +
    (<f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3))
  );
}

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Σ p[0..n) with 16 f32 lanes per block of ROW_BLOCK, blocks summed in f64. */
function rowSum(p: usize, n: i32): f64 {
  let total: f64 = 0;
  const n16 = n & ~15;
  let i = 0;
  while (i < n16) {
    const end = min(i + ROW_BLOCK, n16);
    let a0 = f32x4.splat(0);
    let a1 = a0;
    let a2 = a0;
    let a3 = a0;
    for (; i < end; i += 16) {
      const q = at(p, i);
      a0 = f32x4.add(a0, v128.load(q));
      a1 = f32x4.add(a1, v128.load(q, 16));
      a2 = f32x4.add(a2, v128.load(q, 32));
      a3 = f32x4.add(a3, v128.load(q, 48));
    }
    total += hsum64(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
  }
  for (; i < n; i++) total += <f64>load<f32>(at(p, i));
  return total;
}

/** Σ a[i]*b[i], blocked like rowSum. Plain mul + add so both builds give the same bits. */
function rowDot(a: usize, b: usize, n: i32): f64 {
  let total: f64 = 0;
  const n8 = n & ~7;
  let i = 0;
  while (i < n8) {
    const end = min(i + ROW_BLOCK, n8);
    let s0 = f32x4.splat(0);
    let s1 = s0;
    for (; i < end; i += 8) {
      const p = at(a, i);
      const q = at(b, i);
      s0 = f32x4.add(s0, f32x4.mul(v128.load(p), v128.load(q)));
      s1 = f32x4.add(s1, f32x4.mul(v128.load(p, 16), v128.load(q, 16)));
    }
    total += hsum64(f32x4.add(s0, s1));
  }
  for (; i < n; i++) total += <f64>load<f32>(at(a, i)) * <f64>load<f32>(at(b, i));
  return total;
}

// max/min: the SIMD loops use pmax/pmin (one instruction each; the NaN-propagating
// f32x4.max/min take about eight on x64) and record NaN lanes with a compare, so a NaN
// anywhere still gives NaN, as in PyTorch. The scalar f32.max/min propagate NaN themselves.
// Which zero pmax keeps for max(-0, +0) depends on order; PyTorch does not fix it either.
@inline function pick4(isMax: bool, acc: v128, v: v128): v128 {
  return isMax ? f32x4.pmax(acc, v) : f32x4.pmin(acc, v);
}

@inline function isNaN4(v: v128): v128 {
  return f32x4.ne(v, v);
}

@inline function pick(isMax: bool, a: f32, b: f32): f32 {
  return isMax ? max<f32>(a, b) : min<f32>(a, b);
}

@inline function rowExtreme(isMax: bool, p: usize, n: i32): f32 {
  let a0 = f32x4.splat(isMax ? -Infinity : Infinity);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  let nan = i32x4.splat(0);
  const n16 = n & ~15;
  const n4 = n & ~3;
  let i = 0;
  for (; i < n16; i += 16) {
    const q = at(p, i);
    const v0 = v128.load(q);
    const v1 = v128.load(q, 16);
    const v2 = v128.load(q, 32);
    const v3 = v128.load(q, 48);
    a0 = pick4(isMax, a0, v0);
    a1 = pick4(isMax, a1, v1);
    a2 = pick4(isMax, a2, v2);
    a3 = pick4(isMax, a3, v3);
    nan = v128.or(nan, v128.or(v128.or(isNaN4(v0), isNaN4(v1)), v128.or(isNaN4(v2), isNaN4(v3))));
  }
  for (; i < n4; i += 4) {
    const v = v128.load(at(p, i));
    a0 = pick4(isMax, a0, v);
    nan = v128.or(nan, isNaN4(v));
  }
  if (v128.any_true(nan)) return NaN;
  const v = pick4(isMax, pick4(isMax, a0, a1), pick4(isMax, a2, a3));
  let r = pick(
    isMax,
    pick(isMax, f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    pick(isMax, f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)),
  );
  for (; i < n; i++) r = pick(isMax, r, load<f32>(at(p, i)));
  return r;
}

// The plan written by the wrapper: 12 i32 at `d`:
//   [k0, k1, k2, ks0, ks1, ks2, r0, r1, r2, rs0, rs1, rs2]
// kept outer group sizes and input strides, then reduced outer group sizes and input strides
// (outermost first, padded at the front with size 1).

/** Innermost run of length `len` is reduced: out[o] = reduce over outer reduced groups of row reductions. */
@inline function reduceRows(op: i32, x: usize, out: usize, d: usize, len: i32): void {
  const k0 = load<i32>(d), k1 = load<i32>(d, 4), k2 = load<i32>(d, 8);
  const ks0 = load<i32>(d, 12), ks1 = load<i32>(d, 16), ks2 = load<i32>(d, 20);
  const r0 = load<i32>(d, 24), r1 = load<i32>(d, 28), r2 = load<i32>(d, 32);
  const rs0 = load<i32>(d, 36), rs1 = load<i32>(d, 40), rs2 = load<i32>(d, 44);
  const count = <f64>r0 * <f64>r1 * <f64>r2 * <f64>len;
  const isSum = op < OP_MAX;
  const isMax = op == OP_MAX;
  let o = out;
  for (let a = 0; a < k0; a++) {
    for (let b = 0; b < k1; b++) {
      for (let c = 0; c < k2; c++) {
        const base = a * ks0 + b * ks1 + c * ks2;
        let s: f64 = 0;
        let m: f32 = isMax ? -Infinity : Infinity;
        for (let e = 0; e < r0; e++) {
          for (let f = 0; f < r1; f++) {
            for (let g = 0; g < r2; g++) {
              const row = at(x, base + e * rs0 + f * rs1 + g * rs2);
              if (isSum) s += rowSum(row, len);
              else m = pick(isMax, m, rowExtreme(isMax, row, len));
            }
          }
        }
        store<f32>(o, isSum ? <f32>(op == OP_MEAN ? s / count : s) : m);
        o += 4;
      }
    }
  }
}

@inline function addLow64(acc: v128, v: v128): v128 {
  return f64x2.add(acc, f64x2.promote_low_f32x4(v));
}

@inline function addHigh64(acc: v128, v: v128): v128 {
  return f64x2.add(acc, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)));
}

/** Four f32 lanes from two f64x2 accumulators, times `scale` in f64 first. */
@inline function demote4(lo: v128, hi: v128, scale: f64): v128 {
  const s = f64x2.splat(scale);
  return v128.shuffle<f32>(
    f32x4.demote_f64x2_zero(f64x2.mul(lo, s)),
    f32x4.demote_f64x2_zero(f64x2.mul(hi, s)),
    0,
    1,
    4,
    5,
  );
}

/**
 * Sums 16 columns starting at p down the rows the reduced groups address, into q[0..16):
 * f32 partials over COL_BLOCK rows, then f64.
 */
@inline function sumColumns16(p: usize, q: usize, d: usize, scale: f64): void {
  const r0 = load<i32>(d, 24), r1 = load<i32>(d, 28), r2 = load<i32>(d, 32);
  const rs0 = load<i32>(d, 36), rs1 = load<i32>(d, 40), rs2 = load<i32>(d, 44);
  let a0 = f32x4.splat(0);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  let h0 = f64x2.splat(0);
  let h1 = h0;
  let h2 = h0;
  let h3 = h0;
  let h4 = h0;
  let h5 = h0;
  let h6 = h0;
  let h7 = h0;
  let cnt = 0;
  for (let e = 0; e < r0; e++) {
    for (let f = 0; f < r1; f++) {
      for (let g = 0; g < r2; g++) {
        const s = at(p, e * rs0 + f * rs1 + g * rs2);
        a0 = f32x4.add(a0, v128.load(s));
        a1 = f32x4.add(a1, v128.load(s, 16));
        a2 = f32x4.add(a2, v128.load(s, 32));
        a3 = f32x4.add(a3, v128.load(s, 48));
        if (++cnt == COL_BLOCK) {
          h0 = addLow64(h0, a0);
          h1 = addHigh64(h1, a0);
          h2 = addLow64(h2, a1);
          h3 = addHigh64(h3, a1);
          h4 = addLow64(h4, a2);
          h5 = addHigh64(h5, a2);
          h6 = addLow64(h6, a3);
          h7 = addHigh64(h7, a3);
          a0 = f32x4.splat(0);
          a1 = a0;
          a2 = a0;
          a3 = a0;
          cnt = 0;
        }
      }
    }
  }
  v128.store(q, demote4(addLow64(h0, a0), addHigh64(h1, a0), scale));
  v128.store(q, demote4(addLow64(h2, a1), addHigh64(h3, a1), scale), 16);
  v128.store(q, demote4(addLow64(h4, a2), addHigh64(h5, a2), scale), 32);
  v128.store(q, demote4(addLow64(h6, a3), addHigh64(h7, a3), scale), 48);
}

@inline function sumColumns4(p: usize, q: usize, d: usize, scale: f64): void {
  const r0 = load<i32>(d, 24), r1 = load<i32>(d, 28), r2 = load<i32>(d, 32);
  const rs0 = load<i32>(d, 36), rs1 = load<i32>(d, 40), rs2 = load<i32>(d, 44);
  let a0 = f32x4.splat(0);
  let h0 = f64x2.splat(0);
  let h1 = h0;
  let cnt = 0;
  for (let e = 0; e < r0; e++) {
    for (let f = 0; f < r1; f++) {
      for (let g = 0; g < r2; g++) {
        a0 = f32x4.add(a0, v128.load(at(p, e * rs0 + f * rs1 + g * rs2)));
        if (++cnt == COL_BLOCK) {
          h0 = addLow64(h0, a0);
          h1 = addHigh64(h1, a0);
          a0 = f32x4.splat(0);
          cnt = 0;
        }
      }
    }
  }
  v128.store(q, demote4(addLow64(h0, a0), addHigh64(h1, a0), scale));
}

@inline function sumColumn1(p: usize, q: usize, d: usize, scale: f64): void {
  const r0 = load<i32>(d, 24), r1 = load<i32>(d, 28), r2 = load<i32>(d, 32);
  const rs0 = load<i32>(d, 36), rs1 = load<i32>(d, 40), rs2 = load<i32>(d, 44);
  let s: f64 = 0;
  for (let e = 0; e < r0; e++)
    for (let f = 0; f < r1; f++)
      for (let g = 0; g < r2; g++) s += <f64>load<f32>(at(p, e * rs0 + f * rs1 + g * rs2));
  store<f32>(q, <f32>(s * scale));
}

/** NaN in the lanes flagged by `nan`, acc elsewhere. */
@inline function withNaN(acc: v128, nan: v128): v128 {
  return v128.bitselect(f32x4.splat(NaN), acc, nan);
}

@inline function extremeColumns16(isMax: bool, p: usize, q: usize, d: usize): void {
  const r0 = load<i32>(d, 24), r1 = load<i32>(d, 28), r2 = load<i32>(d, 32);
  const rs0 = load<i32>(d, 36), rs1 = load<i32>(d, 40), rs2 = load<i32>(d, 44);
  let a0 = f32x4.splat(isMax ? -Infinity : Infinity);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  let n0 = i32x4.splat(0);
  let n1 = n0;
  let n2 = n0;
  let n3 = n0;
  for (let e = 0; e < r0; e++) {
    for (let f = 0; f < r1; f++) {
      for (let g = 0; g < r2; g++) {
        const s = at(p, e * rs0 + f * rs1 + g * rs2);
        const v0 = v128.load(s);
        const v1 = v128.load(s, 16);
        const v2 = v128.load(s, 32);
        const v3 = v128.load(s, 48);
        a0 = pick4(isMax, a0, v0);
        a1 = pick4(isMax, a1, v1);
        a2 = pick4(isMax, a2, v2);
        a3 = pick4(isMax, a3, v3);
        n0 = v128.or(n0, isNaN4(v0));
        n1 = v128.or(n1, isNaN4(v1));
        n2 = v128.or(n2, isNaN4(v2));
        n3 = v128.or(n3, isNaN4(v3));
      }
    }
  }
  v128.store(q, withNaN(a0, n0));
  v128.store(q, withNaN(a1, n1), 16);
  v128.store(q, withNaN(a2, n2), 32);
  v128.store(q, withNaN(a3, n3), 48);
}

@inline function extremeColumns4(isMax: bool, p: usize, q: usize, d: usize): void {
  const r0 = load<i32>(d, 24), r1 = load<i32>(d, 28), r2 = load<i32>(d, 32);
  const rs0 = load<i32>(d, 36), rs1 = load<i32>(d, 40), rs2 = load<i32>(d, 44);
  let a0 = f32x4.splat(isMax ? -Infinity : Infinity);
  let n0 = i32x4.splat(0);
  for (let e = 0; e < r0; e++) {
    for (let f = 0; f < r1; f++) {
      for (let g = 0; g < r2; g++) {
        const v = v128.load(at(p, e * rs0 + f * rs1 + g * rs2));
        a0 = pick4(isMax, a0, v);
        n0 = v128.or(n0, isNaN4(v));
      }
    }
  }
  v128.store(q, withNaN(a0, n0));
}

@inline function extremeColumn1(isMax: bool, p: usize, q: usize, d: usize): void {
  const r0 = load<i32>(d, 24), r1 = load<i32>(d, 28), r2 = load<i32>(d, 32);
  const rs0 = load<i32>(d, 36), rs1 = load<i32>(d, 40), rs2 = load<i32>(d, 44);
  let m: f32 = isMax ? -Infinity : Infinity;
  for (let e = 0; e < r0; e++)
    for (let f = 0; f < r1; f++)
      for (let g = 0; g < r2; g++) m = pick(isMax, m, load<f32>(at(p, e * rs0 + f * rs1 + g * rs2)));
  store<f32>(q, m);
}

/** Innermost run of length `len` is kept: each output row accumulates the input rows it covers. */
@inline function reduceColumns(op: i32, x: usize, out: usize, d: usize, len: i32): void {
  const k0 = load<i32>(d), k1 = load<i32>(d, 4), k2 = load<i32>(d, 8);
  const ks0 = load<i32>(d, 12), ks1 = load<i32>(d, 16), ks2 = load<i32>(d, 20);
  const count = <f64>load<i32>(d, 24) * <f64>load<i32>(d, 28) * <f64>load<i32>(d, 32);
  const scale: f64 = op == OP_MEAN ? 1 / count : 1;
  const isSum = op < OP_MAX;
  const isMax = op == OP_MAX;
  let o = out;
  for (let a = 0; a < k0; a++) {
    for (let b = 0; b < k1; b++) {
      for (let c = 0; c < k2; c++) {
        const row = at(x, a * ks0 + b * ks1 + c * ks2);
        let j = 0;
        if (isSum) {
          for (; j + 16 <= len; j += 16) sumColumns16(at(row, j), at(o, j), d, scale);
          for (; j + 4 <= len; j += 4) sumColumns4(at(row, j), at(o, j), d, scale);
          for (; j < len; j++) sumColumn1(at(row, j), at(o, j), d, scale);
        } else {
          for (; j + 16 <= len; j += 16) extremeColumns16(isMax, at(row, j), at(o, j), d);
          for (; j + 4 <= len; j += 4) extremeColumns4(isMax, at(row, j), at(o, j), d);
          for (; j < len; j++) extremeColumn1(isMax, at(row, j), at(o, j), d);
        }
        o = at(o, len);
      }
    }
  }
}

/**
 * Reduces x into out along the plan at `dims` (see above). op: 0 sum, 1 mean, 2 max, 3 min.
 * `inner` is the length of the innermost contiguous run; `innerReduced` is 1 when that run is
 * reduced. out is contiguous in the order of the kept axes.
 */
export function reduce_f32(op: i32, x: usize, out: usize, dims: usize, inner: i32, innerReduced: i32): void {
  if (innerReduced != 0) {
    if (op == OP_MAX) reduceRows(OP_MAX, x, out, dims, inner);
    else if (op == OP_MIN) reduceRows(OP_MIN, x, out, dims, inner);
    else if (op == OP_MEAN) reduceRows(OP_MEAN, x, out, dims, inner);
    else reduceRows(0, x, out, dims, inner);
  } else {
    if (op == OP_MAX) reduceColumns(OP_MAX, x, out, dims, inner);
    else if (op == OP_MIN) reduceColumns(OP_MIN, x, out, dims, inner);
    else if (op == OP_MEAN) reduceColumns(OP_MEAN, x, out, dims, inner);
    else reduceColumns(0, x, out, dims, inner);
  }
}

/** Writes Σ x[0..n) as f32 to `result`. */
export function sum_all_f32(x: usize, n: i32, result: usize): void {
  store<f32>(result, <f32>rowSum(x, n));
}

/** Writes Σ a[i]*b[i] for i < n as f32 to `result`. */
export function dot_f32(a: usize, b: usize, n: i32, result: usize): void {
  store<f32>(result, <f32>rowDot(a, b, n));
}

// argmax/argmin: the first index of the extreme; NaN counts as the extreme (PyTorch), so the
// first NaN wins. `v beats best` means strictly better, which keeps the earlier index on ties.
@inline function beats4(isMax: bool, v: v128, best: v128): v128 {
  const better = isMax ? f32x4.gt(v, best) : f32x4.lt(v, best);
  return v128.or(better, v128.andnot(f32x4.ne(v, v), f32x4.ne(best, best)));
}

@inline function beats(isMax: bool, v: f32, best: f32): bool {
  return (isMax ? v > best : v < best) || (isNaN(v) && !isNaN(best));
}

@inline function laneWins(isMax: bool, v: f32, k: i32, best: f32, bestK: i32): bool {
  const tie = v == best || (isNaN(v) && isNaN(best));
  return beats(isMax, v, best) || (tie && k < bestK);
}

/** Index of the extreme of the contiguous row p[0..n), n >= 1. */
@inline function rowArg(isMax: bool, p: usize, n: i32): i32 {
  let best = load<f32>(p);
  let bestK = 0;
  let i = 1;
  if (n >= 8) {
    let bv = v128.load(p);
    let bk = i32x4(0, 1, 2, 3);
    let k = i32x4(4, 5, 6, 7);
    const four = i32x4.splat(4);
    const n4 = n & ~3;
    for (i = 4; i < n4; i += 4) {
      const v = v128.load(at(p, i));
      const m = beats4(isMax, v, bv);
      bv = v128.bitselect(v, bv, m);
      bk = v128.bitselect(k, bk, m);
      k = i32x4.add(k, four);
    }
    best = f32x4.extract_lane(bv, 0);
    bestK = i32x4.extract_lane(bk, 0);
    let v = f32x4.extract_lane(bv, 1);
    let vk = i32x4.extract_lane(bk, 1);
    if (laneWins(isMax, v, vk, best, bestK)) {
      best = v;
      bestK = vk;
    }
    v = f32x4.extract_lane(bv, 2);
    vk = i32x4.extract_lane(bk, 2);
    if (laneWins(isMax, v, vk, best, bestK)) {
      best = v;
      bestK = vk;
    }
    v = f32x4.extract_lane(bv, 3);
    vk = i32x4.extract_lane(bk, 3);
    if (laneWins(isMax, v, vk, best, bestK)) {
      best = v;
      bestK = vk;
    }
  }
  for (; i < n; i++) {
    const v = load<f32>(at(p, i));
    if (beats(isMax, v, best)) {
      best = v;
      bestK = i;
    }
  }
  return bestK;
}

/** Column-wise: out[j] = index r of the extreme of p[r*stride + j] over r < n, for j < len. */
@inline function columnsArg(isMax: bool, p: usize, q: usize, n: i32, len: i32): void {
  const one = i32x4.splat(1);
  let j = 0;
  for (; j + 4 <= len; j += 4) {
    let bv = v128.load(at(p, j));
    let bk = i32x4.splat(0);
    let k = one;
    for (let r = 1; r < n; r++) {
      const v = v128.load(at(p, r * len + j));
      const m = beats4(isMax, v, bv);
      bv = v128.bitselect(v, bv, m);
      bk = v128.bitselect(k, bk, m);
      k = i32x4.add(k, one);
    }
    v128.store(at(q, j), bk);
  }
  for (; j < len; j++) {
    let best = load<f32>(at(p, j));
    let bestK = 0;
    for (let r = 1; r < n; r++) {
      const v = load<f32>(at(p, r * len + j));
      if (beats(isMax, v, best)) {
        best = v;
        bestK = r;
      }
    }
    store<i32>(at(q, j), bestK);
  }
}

@inline function argExtreme(isMax: bool, x: usize, out: usize, outer: i32, n: i32, inner: i32): void {
  for (let o = 0; o < outer; o++) {
    const p = at(x, o * n * inner);
    if (inner == 1) store<i32>(at(out, o), rowArg(isMax, p, n));
    else columnsArg(isMax, p, at(out, o * inner), n, inner);
  }
}

/** x viewed as [outer, n, inner] (n >= 1): out[o, j] (i32) = first index of the max over n. */
export function argmax_f32(x: usize, out: usize, outer: i32, n: i32, inner: i32): void {
  argExtreme(true, x, out, outer, n, inner);
}

/** x viewed as [outer, n, inner] (n >= 1): out[o, j] (i32) = first index of the min over n. */
export function argmin_f32(x: usize, out: usize, outer: i32, n: i32, inner: i32): void {
  argExtreme(false, x, out, outer, n, inner);
}
