// Elementwise kernels: fills, copies, strided copy, casts, unary ops and their backward,
// broadcasting binary ops, affine, scalar power, clamp. Every loop is a SIMD body over four
// lanes plus a scalar tail; the tail runs the same vector code on a splat, so an element's
// result does not depend on its position. The per-op loops are written once as @inline
// functions taking the op code; each `switch` case passes a constant, which the compiler folds
// into a specialised loop per op.
import { erf4, exp4, gelu4, geluGrad4, log4, pow4, sigmoid4, tanh4 } from './math';

// Op codes: the index of the op name in UNARY_OPS / BINARY_OPS in src/elementwise.ts.
// Exported so that a test checks the two lists agree.
export const UNARY_NEG: i32 = 0;
export const UNARY_EXP: i32 = 1;
export const UNARY_LOG: i32 = 2;
export const UNARY_SQRT: i32 = 3;
export const UNARY_ABS: i32 = 4;
export const UNARY_RELU: i32 = 5;
export const UNARY_LEAKY_RELU: i32 = 6;
export const UNARY_SIGMOID: i32 = 7;
export const UNARY_TANH: i32 = 8;
export const UNARY_GELU: i32 = 9;
export const UNARY_SIGN: i32 = 10;
export const UNARY_STEP: i32 = 11;

export const BINARY_ADD: i32 = 0;
export const BINARY_SUB: i32 = 1;
export const BINARY_MUL: i32 = 2;
export const BINARY_DIV: i32 = 3;
export const BINARY_POW: i32 = 4;
export const BINARY_MAXIMUM: i32 = 5;
export const BINARY_MINIMUM: i32 = 6;
export const BINARY_GT: i32 = 7;
export const BINARY_GE: i32 = 8;
export const BINARY_LT: i32 = 9;
export const BINARY_LE: i32 = 10;
export const BINARY_EQ: i32 = 11;

@inline function k(v: f32): v128 {
  return f32x4.splat(v);
}

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Four words read `step` bytes apart (step may be 0 or wrap around for negative strides). */
@inline function gather4(p: usize, step: usize): v128 {
  let v = i32x4.splat(load<i32>(p));
  v = i32x4.replace_lane(v, 1, load<i32>(p + step));
  v = i32x4.replace_lane(v, 2, load<i32>(p + step + step));
  return i32x4.replace_lane(v, 3, load<i32>(p + step * 3));
}

// ---------------------------------------------------------------- fills, copies, casts

@inline function fill32(out: usize, n: i32, v: v128): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), v);
  for (; i < n; i++) store<i32>(at(out, i), i32x4.extract_lane(v, 0));
}

/** out[i] = value for i < n (f32). */
export function fill_f32(out: usize, n: i32, value: f32): void {
  fill32(out, n, f32x4.splat(value));
}

/** out[i] = value for i < n (i32). */
export function fill_i32(out: usize, n: i32, value: i32): void {
  fill32(out, n, i32x4.splat(value));
}

/** Copies n 4-byte words from src to dst (distinct blocks or the same block). */
export function copy_32(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(dst, i), v128.load(at(src, i)));
  for (; i < n; i++) store<i32>(at(dst, i), load<i32>(at(src, i)));
}

/** dst[i] = f32(src[i]) for i32 src. */
export function cast_i32_to_f32(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(dst, i), f32x4.convert_i32x4_s(v128.load(at(src, i))));
  for (; i < n; i++) store<f32>(at(dst, i), <f32>load<i32>(at(src, i)));
}

/** dst[i] = i32(src[i]) truncated toward zero, saturating at the i32 range; NaN gives 0. */
export function cast_f32_to_i32(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(dst, i), i32x4.trunc_sat_f32x4_s(v128.load(at(src, i))));
  for (; i < n; i++) {
    store<i32>(at(dst, i), i32x4.extract_lane(i32x4.trunc_sat_f32x4_s(v128.load32_splat(at(src, i))), 0));
  }
}

// ---------------------------------------------------------------- strided copy

/**
 * dst (contiguous, row-major) = src viewed through shape and strides. `dims` points at 3·rank
 * i32 words: shape[rank], srcStrides[rank], then rank words of counter space this kernel uses.
 * src already includes the view's offset; strides are in elements and may be 0 or negative.
 * rank >= 1; the wrapper merges axes that are contiguous in both, so the last axis is the
 * longest run.
 */
export function strided_copy_32(src: usize, dst: usize, dims: usize, rank: i32): void {
  stridedRows(src, dst, dims, rank, false);
}

/**
 * The reverse of strided_copy_32: dst viewed through shape and strides (dims as there, with
 * dstStrides) = src, contiguous. The wrapper checks that the view does not overlap itself.
 * A slice's gradient writes through it into a zeroed tensor.
 */
export function strided_store_32(src: usize, dst: usize, dims: usize, rank: i32): void {
  stridedRows(dst, src, dims, rank, true);
}

/**
 * Walks the view `view` (shape and strides in dims) row by row beside the contiguous `flat`:
 * copies view → flat, or flat → view when `toView` (a constant at both callers).
 */
@inline function stridedRows(view: usize, flat: usize, dims: usize, rank: i32, toView: bool): void {
  const last = rank - 1;
  const len = load<i32>(at(dims, last));
  const s = load<i32>(at(dims, rank + last));
  const cnt = at(dims, 2 * rank);
  let rows = 1;
  for (let d = 0; d < last; d++) {
    rows *= load<i32>(at(dims, d));
    store<i32>(at(cnt, d), 0);
  }
  const step = <usize>(s << 2);
  let off = 0;
  let po = flat;
  for (let r = 0; r < rows; r++) {
    const ps = view + <usize>(off << 2);
    let i = 0;
    if (s == 1) {
      if (toView) for (; i + 4 <= len; i += 4) v128.store(at(ps, i), v128.load(at(po, i)));
      else for (; i + 4 <= len; i += 4) v128.store(at(po, i), v128.load(at(ps, i)));
    } else if (!toView && s == 0) {
      const v = v128.load32_splat(ps);
      for (; i + 4 <= len; i += 4) v128.store(at(po, i), v);
    } else if (!toView) {
      for (; i + 4 <= len; i += 4) v128.store(at(po, i), gather4(ps + <usize>(i * s << 2), step));
    }
    if (toView) for (; i < len; i++) store<i32>(ps + <usize>(i * s << 2), load<i32>(at(po, i)));
    else for (; i < len; i++) store<i32>(at(po, i), load<i32>(ps + <usize>(i * s << 2)));
    po = at(po, len);
    for (let d = last - 1; d >= 0; d--) {
      const c = load<i32>(at(cnt, d)) + 1;
      const sd = load<i32>(at(dims, rank + d));
      if (c < load<i32>(at(dims, d))) {
        store<i32>(at(cnt, d), c);
        off += sd;
        break;
      }
      store<i32>(at(cnt, d), 0);
      off -= sd * (c - 1);
    }
  }
}

// ---------------------------------------------------------------- unary

@inline function unaryV(op: i32, x: v128, alpha: v128): v128 {
  switch (op) {
    case UNARY_NEG:
      return f32x4.neg(x);
    case UNARY_EXP:
      return exp4(x);
    case UNARY_LOG:
      return log4(x);
    case UNARY_SQRT:
      return f32x4.sqrt(x);
    case UNARY_ABS:
      return f32x4.abs(x);
    case UNARY_RELU:
      return f32x4.max(x, k(0)); // NaN propagates, as in PyTorch
    case UNARY_LEAKY_RELU:
      return v128.bitselect(x, f32x4.mul(x, alpha), f32x4.gt(x, k(0)));
    case UNARY_SIGMOID:
      return sigmoid4(x);
    case UNARY_TANH:
      return tanh4(x);
    case UNARY_GELU:
      return gelu4(x);
    case UNARY_SIGN: // (x > 0) - (x < 0): sign(NaN) = 0 as in PyTorch
      return f32x4.convert_i32x4_s(i32x4.sub(f32x4.lt(x, k(0)), f32x4.gt(x, k(0))));
    default: // UNARY_STEP
      return v128.and(f32x4.gt(x, k(0)), k(1));
  }
}

@inline function unaryLoop(op: i32, x: usize, out: usize, n: i32, alpha: v128): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), unaryV(op, v128.load(at(x, i)), alpha));
  for (; i < n; i++) {
    const v = unaryV(op, v128.load32_splat(at(x, i)), alpha);
    store<f32>(at(out, i), f32x4.extract_lane(v, 0));
  }
}

/** out[i] = f(x[i]) for the unary op `op` (UNARY_*); alpha is leakyRelu's negative slope. */
export function unary_f32(op: i32, x: usize, out: usize, n: i32, alpha: f32): void {
  const a = f32x4.splat(alpha);
  switch (op) {
    case UNARY_NEG: unaryLoop(UNARY_NEG, x, out, n, a); break;
    case UNARY_EXP: unaryLoop(UNARY_EXP, x, out, n, a); break;
    case UNARY_LOG: unaryLoop(UNARY_LOG, x, out, n, a); break;
    case UNARY_SQRT: unaryLoop(UNARY_SQRT, x, out, n, a); break;
    case UNARY_ABS: unaryLoop(UNARY_ABS, x, out, n, a); break;
    case UNARY_RELU: unaryLoop(UNARY_RELU, x, out, n, a); break;
    case UNARY_LEAKY_RELU: unaryLoop(UNARY_LEAKY_RELU, x, out, n, a); break;
    case UNARY_SIGMOID: unaryLoop(UNARY_SIGMOID, x, out, n, a); break;
    case UNARY_TANH: unaryLoop(UNARY_TANH, x, out, n, a); break;
    case UNARY_GELU: unaryLoop(UNARY_GELU, x, out, n, a); break;
    case UNARY_SIGN: unaryLoop(UNARY_SIGN, x, out, n, a); break;
    case UNARY_STEP: unaryLoop(UNARY_STEP, x, out, n, a); break;
  }
}

/** erf(x[i]) (not an autograd op; exported for tests and for kernels built on erf). */
export function erf_f32(x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), erf4(v128.load(at(x, i))));
  for (; i < n; i++) store<f32>(at(out, i), f32x4.extract_lane(erf4(v128.load32_splat(at(x, i))), 0));
}

@inline function usesX(op: i32): bool {
  return op == UNARY_LOG || op == UNARY_ABS || op == UNARY_RELU || op == UNARY_LEAKY_RELU || op == UNARY_GELU;
}

@inline function usesY(op: i32): bool {
  return op == UNARY_EXP || op == UNARY_SQRT || op == UNARY_SIGMOID || op == UNARY_TANH;
}

@inline function backV(op: i32, x: v128, y: v128, dy: v128, alpha: v128): v128 {
  switch (op) {
    case UNARY_NEG:
      return f32x4.neg(dy);
    case UNARY_EXP:
      return f32x4.mul(dy, y);
    case UNARY_LOG:
      return f32x4.div(dy, x);
    case UNARY_SQRT:
      return f32x4.div(dy, f32x4.add(y, y));
    case UNARY_ABS: // dy * sign(x), 0 at x = 0
      return f32x4.mul(dy, unaryV(UNARY_SIGN, x, alpha));
    case UNARY_RELU:
      return v128.and(dy, f32x4.gt(x, k(0)));
    case UNARY_LEAKY_RELU:
      return v128.bitselect(dy, f32x4.mul(dy, alpha), f32x4.gt(x, k(0)));
    case UNARY_SIGMOID:
      return f32x4.mul(f32x4.mul(dy, y), f32x4.sub(k(1), y));
    case UNARY_TANH:
      return f32x4.mul(dy, f32x4.sub(k(1), f32x4.mul(y, y)));
    case UNARY_GELU:
      return f32x4.mul(dy, geluGrad4(x));
    default: // sign, step: zero almost everywhere
      return k(0);
  }
}

@inline function backLoop(op: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32, alpha: v128): void {
  // Only the inputs the rule uses are read: an unused pointer may be 0.
  const hasDy = op != UNARY_SIGN && op != UNARY_STEP;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    let xv = k(0);
    let yv = k(0);
    let dv = k(0);
    if (usesX(op)) xv = v128.load(at(x, i));
    if (usesY(op)) yv = v128.load(at(y, i));
    if (hasDy) dv = v128.load(at(dy, i));
    v128.store(at(dx, i), backV(op, xv, yv, dv, alpha));
  }
  for (; i < n; i++) {
    let xv = k(0);
    let yv = k(0);
    let dv = k(0);
    if (usesX(op)) xv = v128.load32_splat(at(x, i));
    if (usesY(op)) yv = v128.load32_splat(at(y, i));
    if (hasDy) dv = v128.load32_splat(at(dy, i));
    store<f32>(at(dx, i), f32x4.extract_lane(backV(op, xv, yv, dv, alpha), 0));
  }
}

/** dx[i] = dy[i] · f'(x[i]) for the unary op `op`; y = f(x) for the rules that use it. */
export function unary_backward_f32(op: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32, alpha: f32): void {
  const a = f32x4.splat(alpha);
  switch (op) {
    case UNARY_NEG: backLoop(UNARY_NEG, x, y, dy, dx, n, a); break;
    case UNARY_EXP: backLoop(UNARY_EXP, x, y, dy, dx, n, a); break;
    case UNARY_LOG: backLoop(UNARY_LOG, x, y, dy, dx, n, a); break;
    case UNARY_SQRT: backLoop(UNARY_SQRT, x, y, dy, dx, n, a); break;
    case UNARY_ABS: backLoop(UNARY_ABS, x, y, dy, dx, n, a); break;
    case UNARY_RELU: backLoop(UNARY_RELU, x, y, dy, dx, n, a); break;
    case UNARY_LEAKY_RELU: backLoop(UNARY_LEAKY_RELU, x, y, dy, dx, n, a); break;
    case UNARY_SIGMOID: backLoop(UNARY_SIGMOID, x, y, dy, dx, n, a); break;
    case UNARY_TANH: backLoop(UNARY_TANH, x, y, dy, dx, n, a); break;
    case UNARY_GELU: backLoop(UNARY_GELU, x, y, dy, dx, n, a); break;
    default: backLoop(UNARY_STEP, x, y, dy, dx, n, a); // sign, step
  }
}

// ---------------------------------------------------------------- binary

@inline function binaryV(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case BINARY_ADD:
      return f32x4.add(a, b);
    case BINARY_SUB:
      return f32x4.sub(a, b);
    case BINARY_MUL:
      return f32x4.mul(a, b);
    case BINARY_DIV:
      return f32x4.div(a, b);
    case BINARY_POW:
      return pow4(a, b);
    case BINARY_MAXIMUM: // NaN-propagating, like torch.maximum
      return f32x4.max(a, b);
    case BINARY_MINIMUM:
      return f32x4.min(a, b);
    case BINARY_GT:
      return v128.and(f32x4.gt(a, b), k(1));
    case BINARY_GE:
      return v128.and(f32x4.ge(a, b), k(1));
    case BINARY_LT:
      return v128.and(f32x4.lt(a, b), k(1));
    case BINARY_LE:
      return v128.and(f32x4.le(a, b), k(1));
    default: // BINARY_EQ
      return v128.and(f32x4.eq(a, b), k(1));
  }
}

/** One output row of `len` elements; a and b advance by sa and sb elements per element. */
@inline function binaryRow(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, len: i32): void {
  let i = 0;
  if (sa == 1 && sb == 1) {
    for (; i + 4 <= len; i += 4) v128.store(at(out, i), binaryV(op, v128.load(at(a, i)), v128.load(at(b, i))));
  } else if (sa == 1 && sb == 0) {
    const vb = v128.load32_splat(b);
    for (; i + 4 <= len; i += 4) v128.store(at(out, i), binaryV(op, v128.load(at(a, i)), vb));
  } else if (sa == 0 && sb == 1) {
    const va = v128.load32_splat(a);
    for (; i + 4 <= len; i += 4) v128.store(at(out, i), binaryV(op, va, v128.load(at(b, i))));
  } else if (sa == 0 && sb == 0) {
    const v = binaryV(op, v128.load32_splat(a), v128.load32_splat(b));
    for (; i + 4 <= len; i += 4) v128.store(at(out, i), v);
  } else {
    const stepA = <usize>(sa << 2);
    const stepB = <usize>(sb << 2);
    for (; i + 4 <= len; i += 4) {
      const va = gather4(a + <usize>(i * sa << 2), stepA);
      const vb = gather4(b + <usize>(i * sb << 2), stepB);
      v128.store(at(out, i), binaryV(op, va, vb));
    }
  }
  for (; i < len; i++) {
    const va = v128.load32_splat(a + <usize>(i * sa << 2));
    const vb = v128.load32_splat(b + <usize>(i * sb << 2));
    store<f32>(at(out, i), f32x4.extract_lane(binaryV(op, va, vb), 0));
  }
}

@inline function binaryRun(op: i32, a: usize, b: usize, out: usize, dims: usize, rank: i32): void {
  const last = rank - 1;
  const len = load<i32>(at(dims, last));
  const sa = load<i32>(at(dims, rank + last));
  const sb = load<i32>(at(dims, 2 * rank + last));
  const cnt = at(dims, 3 * rank);
  let rows = 1;
  for (let d = 0; d < last; d++) {
    rows *= load<i32>(at(dims, d));
    store<i32>(at(cnt, d), 0);
  }
  let offA = 0;
  let offB = 0;
  let po = out;
  for (let r = 0; r < rows; r++) {
    binaryRow(op, a + <usize>(offA << 2), sa, b + <usize>(offB << 2), sb, po, len);
    po = at(po, len);
    for (let d = last - 1; d >= 0; d--) {
      const c = load<i32>(at(cnt, d)) + 1;
      const sad = load<i32>(at(dims, rank + d));
      const sbd = load<i32>(at(dims, 2 * rank + d));
      if (c < load<i32>(at(dims, d))) {
        store<i32>(at(cnt, d), c);
        offA += sad;
        offB += sbd;
        break;
      }
      store<i32>(at(cnt, d), 0);
      offA -= sad * (c - 1);
      offB -= sbd * (c - 1);
    }
  }
}

/**
 * out = a (op) b with NumPy broadcasting expressed by strides; out is contiguous row-major.
 * `dims` points at 4·rank i32 words: outShape[rank], aStrides[rank], bStrides[rank], then rank
 * words of counter space this kernel uses. Strides are in elements, 0 on broadcast axes.
 * rank >= 1; the wrapper drops size-1 axes and merges axes contiguous in both operands, so
 * same-shape contiguous operands and scalar operands arrive as one row: the row loop then runs
 * pure SIMD (both contiguous), splat (one stride 0) or gathers four lanes (any other strides).
 */
export function binary_f32(op: i32, a: usize, b: usize, out: usize, dims: usize, rank: i32): void {
  switch (op) {
    case BINARY_ADD: binaryRun(BINARY_ADD, a, b, out, dims, rank); break;
    case BINARY_SUB: binaryRun(BINARY_SUB, a, b, out, dims, rank); break;
    case BINARY_MUL: binaryRun(BINARY_MUL, a, b, out, dims, rank); break;
    case BINARY_DIV: binaryRun(BINARY_DIV, a, b, out, dims, rank); break;
    case BINARY_POW: binaryRun(BINARY_POW, a, b, out, dims, rank); break;
    case BINARY_MAXIMUM: binaryRun(BINARY_MAXIMUM, a, b, out, dims, rank); break;
    case BINARY_MINIMUM: binaryRun(BINARY_MINIMUM, a, b, out, dims, rank); break;
    case BINARY_GT: binaryRun(BINARY_GT, a, b, out, dims, rank); break;
    case BINARY_GE: binaryRun(BINARY_GE, a, b, out, dims, rank); break;
    case BINARY_LT: binaryRun(BINARY_LT, a, b, out, dims, rank); break;
    case BINARY_LE: binaryRun(BINARY_LE, a, b, out, dims, rank); break;
    case BINARY_EQ: binaryRun(BINARY_EQ, a, b, out, dims, rank); break;
  }
}

/**
 * out = a (op) b over n contiguous elements: binary_f32's rank-1 contiguous case, the same
 * instructions, without the dims block (so a thread can take a chunk of it).
 */
export function binary_same_f32(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  switch (op) {
    case BINARY_ADD: binaryRow(BINARY_ADD, a, 1, b, 1, out, n); break;
    case BINARY_SUB: binaryRow(BINARY_SUB, a, 1, b, 1, out, n); break;
    case BINARY_MUL: binaryRow(BINARY_MUL, a, 1, b, 1, out, n); break;
    case BINARY_DIV: binaryRow(BINARY_DIV, a, 1, b, 1, out, n); break;
    case BINARY_POW: binaryRow(BINARY_POW, a, 1, b, 1, out, n); break;
    case BINARY_MAXIMUM: binaryRow(BINARY_MAXIMUM, a, 1, b, 1, out, n); break;
    case BINARY_MINIMUM: binaryRow(BINARY_MINIMUM, a, 1, b, 1, out, n); break;
    case BINARY_GT: binaryRow(BINARY_GT, a, 1, b, 1, out, n); break;
    case BINARY_GE: binaryRow(BINARY_GE, a, 1, b, 1, out, n); break;
    case BINARY_LT: binaryRow(BINARY_LT, a, 1, b, 1, out, n); break;
    case BINARY_LE: binaryRow(BINARY_LE, a, 1, b, 1, out, n); break;
    case BINARY_EQ: binaryRow(BINARY_EQ, a, 1, b, 1, out, n); break;
  }
}

/** out[i] = a[i] + b[i] over contiguous blocks (the first kernel; kept for its callers). */
export function add_f32(a: usize, b: usize, out: usize, n: i32): void {
  binaryRow(BINARY_ADD, a, 1, b, 1, out, n);
}

// ---------------------------------------------------------------- affine, power, clamp

/** out[i] = x[i] · scale + shift (a multiply then an add, not fused). */
export function affine_f32(x: usize, out: usize, n: i32, scale: f32, shift: f32): void {
  const s = f32x4.splat(scale);
  const t = f32x4.splat(shift);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), f32x4.add(f32x4.mul(v128.load(at(x, i)), s), t));
  for (; i < n; i++) store<f32>(at(out, i), load<f32>(at(x, i)) * scale + shift);
}

@inline function powV(mode: i32, x: v128, p: v128): v128 {
  switch (mode) {
    case 0:
      return f32x4.mul(x, x);
    case 1:
      return f32x4.sqrt(x);
    case 2:
      return f32x4.div(k(1), x);
    case 3:
      return f32x4.mul(f32x4.mul(x, x), x);
    case 4:
      return f32x4.div(k(1), f32x4.mul(x, x));
    case 5:
      return f32x4.div(k(1), f32x4.sqrt(x));
    default:
      return pow4(x, p);
  }
}

@inline function powLoop(mode: i32, x: usize, out: usize, n: i32, p: v128): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), powV(mode, v128.load(at(x, i)), p));
  for (; i < n; i++) store<f32>(at(out, i), f32x4.extract_lane(powV(mode, v128.load32_splat(at(x, i)), p), 0));
}

/** out[i] = x[i]^p; p = 2, 0.5, -1, 3, -2, -0.5 use exact forms (x·x, sqrt, 1/x, ...), 1 copies. */
export function pow_scalar_f32(x: usize, out: usize, n: i32, p: f32): void {
  const v = f32x4.splat(p);
  if (p == 1) copy_32(x, out, n);
  else if (p == 2) powLoop(0, x, out, n, v);
  else if (p == 0.5) powLoop(1, x, out, n, v);
  else if (p == -1) powLoop(2, x, out, n, v);
  else if (p == 3) powLoop(3, x, out, n, v);
  else if (p == -2) powLoop(4, x, out, n, v);
  else if (p == -0.5) powLoop(5, x, out, n, v);
  else powLoop(6, x, out, n, v);
}

/** out[i] = min(max(x[i], lo), hi) (hi wins when lo > hi, as in PyTorch; NaN stays NaN). */
export function clamp_f32(x: usize, out: usize, n: i32, lo: f32, hi: f32): void {
  const l = f32x4.splat(lo);
  const h = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), f32x4.min(f32x4.max(v128.load(at(x, i)), l), h));
  for (; i < n; i++) {
    const v = f32x4.min(f32x4.max(v128.load32_splat(at(x, i)), l), h);
    store<f32>(at(out, i), f32x4.extract_lane(v, 0));
  }
}

/** dx[i] = dy[i] where lo <= x[i] <= hi, else 0. */
export function clamp_backward_f32(x: usize, dy: usize, dx: usize, n: i32, lo: f32, hi: f32): void {
  const l = f32x4.splat(lo);
  const h = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const xv = v128.load(at(x, i));
    const keep = v128.and(f32x4.ge(xv, l), f32x4.le(xv, h));
    v128.store(at(dx, i), v128.and(v128.load(at(dy, i)), keep));
  }
  for (; i < n; i++) {
    const xv = load<f32>(at(x, i));
    store<f32>(at(dx, i), xv >= lo && xv <= hi ? load<f32>(at(dy, i)) : 0);
  }
}
