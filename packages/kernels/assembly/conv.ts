// 2-D convolution helpers: im2col / col2im and layout changes around the GEMM that does the
// arithmetic (src/conv.ts). A chunk of `batch` images is laid out "wide": the column matrix is
// [K, batch*P] with K = c*kh*kw rows and column t*P + oy*ow + ox, so one GEMM covers the chunk.
// Loops have a SIMD body and a scalar tail; bulk memory.copy / fill only for whole planes.

@inline function ceilDiv(a: i32, b: i32): i32 {
  return a >= 0 ? (a + b - 1) / b : -(-a / b);
}

@inline function floorDiv(a: i32, b: i32): i32 {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/** First output column whose input column ox*s - p + k is >= 0. */
@inline function firstCol(k: i32, s: i32, p: i32, ow: i32): i32 {
  return min(ow, max(0, ceilDiv(p - k, s)));
}

/** One past the last output column whose input column ox*s - p + k is < w (never below `lo`). */
@inline function endCol(k: i32, s: i32, p: i32, w: i32, ow: i32, lo: i32): i32 {
  return max(lo, min(ow, floorDiv(w - 1 + p - k, s) + 1));
}

/** dst[j] = 0 for j < n. A loop, not memory.fill: rows are short and the bulk call costs more. */
@inline function zero(dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(dst + (<usize>j << 2), z);
  for (; j < n; j++) store<f32>(dst + (<usize>j << 2), 0);
}

/** dst[j] = src[j*s] for j < n. Stride 2 reads lanes 0..3 and 3..6, never past src[2(n-1)]. */
function gather(dst: usize, src: usize, n: i32, s: i32): void {
  let j = 0;
  if (s == 1) {
    for (; j + 4 <= n; j += 4) v128.store(dst + (<usize>j << 2), v128.load(src + (<usize>j << 2)));
  } else if (s == 2) {
    for (; j + 4 <= n; j += 4) {
      const p = src + (<usize>j << 3);
      v128.store(dst + (<usize>j << 2), i32x4.shuffle(v128.load(p), v128.load(p, 12), 0, 2, 5, 7));
    }
  } else {
    const step = <usize>s << 2;
    for (; j + 4 <= n; j += 4) {
      const p = src + <usize>j * step;
      let v = f32x4.splat(load<f32>(p));
      v = f32x4.replace_lane(v, 1, load<f32>(p + step));
      v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * step));
      v = f32x4.replace_lane(v, 3, load<f32>(p + 3 * step));
      v128.store(dst + (<usize>j << 2), v);
    }
  }
  for (; j < n; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + ((<usize>j * <usize>s) << 2)));
}

/** dst[j*s] += src[j] for j < n. */
function scatterAdd(dst: usize, src: usize, n: i32, s: i32): void {
  let j = 0;
  if (s == 1) {
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
  }
  for (; j < n; j++) {
    const d = dst + ((<usize>j * <usize>s) << 2);
    store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>j << 2)));
  }
}

/**
 * col[(ci*kh + ki)*kw + kj, t*P + oy*ow + ox] = x[t, ci, oy*sh - ph + ki, ox*sw - pw + kj], zero
 * where that falls in the padding; x is [batch, c, h, w], P = oh*ow.
 */
export function im2col_f32(
  x: usize, col: usize, batch: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32,
): void {
  const P = oh * ow;
  const rowLen = <usize>batch * <usize>P;
  for (let ci = 0; ci < c; ci++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const row = col + ((<usize>((ci * kh + ki) * kw + kj) * rowLen) << 2);
        const lo = firstCol(kj, sw, pw, ow);
        const hi = endCol(kj, sw, pw, w, ow, lo);
        for (let t = 0; t < batch; t++) {
          const plane = x + (<usize>((t * c + ci) * h) * <usize>w << 2);
          for (let oy = 0; oy < oh; oy++) {
            const dst = row + ((<usize>t * <usize>P + <usize>(oy * ow)) << 2);
            const iy = oy * sh - ph + ki;
            if (iy < 0 || iy >= h) {
              zero(dst, ow);
              continue;
            }
            zero(dst, lo);
            gather(dst + (<usize>lo << 2), plane + (<usize>(iy * w + lo * sw - pw + kj) << 2), hi - lo, sw);
            zero(dst + (<usize>hi << 2), ow - hi);
          }
        }
      }
    }
  }
}

/**
 * The adjoint of im2col: dx = 0, then every column entry is added back to the input pixel it was
 * read from. dx is [batch, c, h, w]; col as in im2col.
 */
export function col2im_f32(
  col: usize, dx: usize, batch: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32,
): void {
  memory.fill(dx, 0, (<usize>batch * <usize>c * <usize>h * <usize>w) << 2);
  const P = oh * ow;
  const rowLen = <usize>batch * <usize>P;
  for (let ci = 0; ci < c; ci++) {
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const row = col + ((<usize>((ci * kh + ki) * kw + kj) * rowLen) << 2);
        const lo = firstCol(kj, sw, pw, ow);
        const hi = endCol(kj, sw, pw, w, ow, lo);
        for (let t = 0; t < batch; t++) {
          const plane = dx + (<usize>((t * c + ci) * h) * <usize>w << 2);
          for (let oy = 0; oy < oh; oy++) {
            const iy = oy * sh - ph + ki;
            if (iy < 0 || iy >= h) continue;
            const src = row + ((<usize>t * <usize>P + <usize>(oy * ow + lo)) << 2);
            scatterAdd(plane + (<usize>(iy * w + lo * sw - pw + kj) << 2), src, hi - lo, sw);
          }
        }
      }
    }
  }
}

/** dst[ci, t*p + j] = src[t, ci, j]: [batch, c, p] to the wide [c, batch*p] layout. */
export function nchw_to_cnhw_f32(src: usize, dst: usize, batch: i32, c: i32, p: i32): void {
  const run = <usize>p << 2;
  for (let t = 0; t < batch; t++) {
    for (let ci = 0; ci < c; ci++) {
      memory.copy(dst + (<usize>(ci * batch + t) * run), src + (<usize>(t * c + ci) * run), run);
    }
  }
}

/** dst[t, ci, j] = src[ci, t*p + j] (+ bias[ci] when bias != 0): the wide layout back to NCHW. */
export function cnhw_to_nchw_f32(src: usize, dst: usize, bias: usize, batch: i32, c: i32, p: i32): void {
  const run = <usize>p << 2;
  for (let t = 0; t < batch; t++) {
    for (let ci = 0; ci < c; ci++) {
      const s = src + <usize>(ci * batch + t) * run;
      const d = dst + <usize>(t * c + ci) * run;
      if (bias == 0) {
        memory.copy(d, s, run);
        continue;
      }
      const b = load<f32>(bias + (<usize>ci << 2));
      const bv = f32x4.splat(b);
      let j = 0;
      for (; j + 4 <= p; j += 4) {
        const o = <usize>j << 2;
        v128.store(d + o, f32x4.add(v128.load(s + o), bv));
      }
      for (; j < p; j++) store<f32>(d + (<usize>j << 2), load<f32>(s + (<usize>j << 2)) + b);
    }
  }
}

/**
 * dbias[ci] = sum over t, j of dy[t, ci, j]; dy is [batch, c, p]. Each plane is summed in four f32
 * lanes, the planes are added in f64.
 */
export function conv2d_bias_grad_f32(dy: usize, dbias: usize, batch: i32, c: i32, p: i32): void {
  for (let ci = 0; ci < c; ci++) {
    let total: f64 = 0;
    for (let t = 0; t < batch; t++) {
      const s = dy + (<usize>(t * c + ci) * <usize>p << 2);
      let acc = f32x4.splat(0);
      let j = 0;
      for (; j + 4 <= p; j += 4) acc = f32x4.add(acc, v128.load(s + (<usize>j << 2)));
      let tail: f32 = 0;
      for (; j < p; j++) tail += load<f32>(s + (<usize>j << 2));
      total +=
        <f64>(f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) +
        <f64>(f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3)) +
        <f64>tail;
    }
    store<f32>(dbias + (<usize>ci << 2), <f32>total);
  }
}
