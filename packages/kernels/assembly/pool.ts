// 2-D max and average pooling over `planes` = n*c independent [h, w] planes, with stride and zero
// padding. Output columns whose window lies inside the input horizontally go four at a time
// (SIMD); the columns near the left and right padding, and the tail, go one at a time. Max
// pooling's 2x2 windows at stride 2 without padding (every CNN's pool) have their own paths.

/** Output columns [interiorLo, interiorHi) have windows ox*sw - pw .. + kw - 1 inside [0, w). */
let interiorLo: i32 = 0;
let interiorHi: i32 = 0;

function interior(w: i32, kw: i32, sw: i32, pw: i32, ow: i32): void {
  interiorLo = min(ow, (pw + sw - 1) / sw);
  interiorHi = w - kw + pw >= 0 ? max(interiorLo, min(ow, (w - kw + pw) / sw + 1)) : interiorLo;
}

@inline function ceilDiv(a: i32, b: i32): i32 {
  return a >= 0 ? (a + b - 1) / b : -(-a / b);
}

/** Lanes x[0], x[s], x[2s], x[3s]; stride 2 reads x[0..6] only. */
@inline function load4(p: usize, s: i32): v128 {
  if (s == 1) return v128.load(p);
  if (s == 2) return i32x4.shuffle(v128.load(p), v128.load(p, 12), 0, 2, 5, 7);
  const step = <usize>s << 2;
  let v = f32x4.splat(load<f32>(p));
  v = f32x4.replace_lane(v, 1, load<f32>(p + step));
  v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * step));
  return f32x4.replace_lane(v, 3, load<f32>(p + 3 * step));
}

/** One output of max pooling (rows [ys, ye), columns from ix0 clipped to the plane). */
@inline function maxOne(X: usize, out: usize, argmax: usize, o: usize, ys: i32, ye: i32, ix0: i32, w: i32, kw: i32): void {
  const xs = max(ix0, 0);
  const xe = min(ix0 + kw, w);
  let best: f32 = -Infinity;
  let bi = ys * w + xs;
  for (let iy = ys; iy < ye; iy++) {
    for (let ix = xs; ix < xe; ix++) {
      const v = load<f32>(X + (<usize>(iy * w + ix) << 2));
      if (v > best || v != v) {
        best = v;
        bi = iy * w + ix;
      }
    }
  }
  store<f32>(out + (o << 2), best);
  store<i32>(argmax + (o << 2), bi);
}

/** One output of average pooling: the in-plane part of the window summed, over the full size. */
@inline function avgOne(X: usize, out: usize, o: usize, ys: i32, ye: i32, ix0: i32, w: i32, kw: i32, div: f32): void {
  const xs = max(ix0, 0);
  const xe = min(ix0 + kw, w);
  let sum: f32 = 0;
  for (let iy = ys; iy < ye; iy++) {
    for (let ix = xs; ix < xe; ix++) sum += load<f32>(X + (<usize>(iy * w + ix) << 2));
  }
  store<f32>(out + (o << 2), sum / div);
}

/**
 * The 2x2 / stride 2 / no padding case with at least 4 output columns: both window rows read
 * as whole vectors and split into even and odd columns. Whether b (a later tap) replaces a is
 * the scan's rule, b > a or b is NaN, so pairing taps (0,1), (2,3), then the winners, keeps the
 * element that the row-major scan of maxOne keeps, with no chain through all four taps. A
 * row's last block overlaps the one before it when ow is not a multiple of 4 (same values).
 */
@inline function maxPool2x2(x: usize, out: usize, argmax: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32): void {
  const row = <usize>w << 2;
  const even = i32x4(0, 2, 4, 6);
  const odd = i32x4(1, 3, 5, 7);
  const below = i32x4.splat(w);
  for (let pl = 0; pl < planes; pl++) {
    const X = x + (<usize>pl * <usize>h * <usize>w << 2);
    for (let oy = 0; oy < oh; oy++) {
      const r0 = X + <usize>(2 * oy) * row;
      const o = out + ((<usize>pl * <usize>oh + <usize>oy) * <usize>ow << 2);
      const g = argmax + (o - out);
      let ox = 0;
      while (true) {
        const p = r0 + (<usize>ox << 3);
        const a0 = v128.load(p);
        const a1 = v128.load(p, 16);
        const b0 = v128.load(p + row);
        const b1 = v128.load(p + row, 16);
        const t0 = i32x4.shuffle(a0, a1, 0, 2, 4, 6);
        const t1 = i32x4.shuffle(a0, a1, 1, 3, 5, 7);
        const t2 = i32x4.shuffle(b0, b1, 0, 2, 4, 6);
        const t3 = i32x4.shuffle(b0, b1, 1, 3, 5, 7);
        const at = i32x4.splat(2 * oy * w + 2 * ox);
        const i0 = i32x4.add(at, even);
        const i2 = i32x4.add(i0, below);
        const w01 = v128.or(f32x4.gt(t1, t0), f32x4.ne(t1, t1));
        const w23 = v128.or(f32x4.gt(t3, t2), f32x4.ne(t3, t3));
        const v01 = v128.bitselect(t1, t0, w01);
        const v23 = v128.bitselect(t3, t2, w23);
        const j01 = v128.bitselect(i32x4.add(at, odd), i0, w01);
        const j23 = v128.bitselect(i32x4.add(i2, i32x4.splat(1)), i2, w23);
        const last = v128.or(f32x4.gt(v23, v01), f32x4.ne(v23, v23));
        const q = <usize>ox << 2;
        v128.store(o + q, v128.bitselect(v23, v01, last));
        v128.store(g + q, v128.bitselect(j23, j01, last));
        if (ox + 4 == ow) break;
        ox = min(ox + 4, ow - 4);
      }
    }
  }
}

/**
 * out = max over each window, argmax = the index iy*w + ix of that maximum in its input plane.
 * As PyTorch: the first maximum in row-major window order wins, a NaN wins over any number (the
 * last NaN is kept), and padding never wins.
 */
export function maxpool2d_f32(
  x: usize, out: usize, argmax: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32,
): void {
  if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && ow >= 4) {
    maxPool2x2(x, out, argmax, planes, h, w, oh, ow);
    return;
  }
  interior(w, kw, sw, pw, ow);
  const lanes = i32x4(0, sw, 2 * sw, 3 * sw);
  for (let pl = 0; pl < planes; pl++) {
    const X = x + (<usize>pl * <usize>h * <usize>w << 2);
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      const ys = max(iy0, 0);
      const ye = min(iy0 + kh, h);
      const o = (<usize>pl * <usize>oh + <usize>oy) * <usize>ow;
      let ox = 0;
      for (; ox < interiorLo; ox++) maxOne(X, out, argmax, o + <usize>ox, ys, ye, ox * sw - pw, w, kw);
      for (; ox + 4 <= interiorHi; ox += 4) {
        const ix0 = ox * sw - pw;
        let best = f32x4.splat(-Infinity);
        let idx = i32x4.add(i32x4.splat(ys * w + ix0), lanes);
        for (let iy = ys; iy < ye; iy++) {
          for (let kj = 0; kj < kw; kj++) {
            const at = iy * w + ix0 + kj;
            const v = load4(X + (<usize>at << 2), sw);
            const win = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
            best = v128.bitselect(v, best, win);
            idx = v128.bitselect(i32x4.add(i32x4.splat(at), lanes), idx, win);
          }
        }
        v128.store(out + ((o + <usize>ox) << 2), best);
        v128.store(argmax + ((o + <usize>ox) << 2), idx);
      }
      for (; ox < ow; ox++) maxOne(X, out, argmax, o + <usize>ox, ys, ye, ox * sw - pw, w, kw);
    }
  }
}

/**
 * dx[argmax] += dy for the plane's p outputs, indices outside the plane skipped; with clear,
 * the plane's hw elements are zeroed first.
 */
function scatterPlane(dy: usize, argmax: usize, D: usize, hw: i32, p: i32, clear: bool): void {
  if (clear) memory.fill(D, 0, <usize>hw << 2);
  for (let j = 0; j < p; j++) {
    const o = <usize>j << 2;
    const a = load<i32>(argmax + o);
    if (<u32>a >= <u32>hw) continue;
    const d = D + (<usize>a << 2);
    store<f32>(d, load<f32>(d) + load<f32>(dy + o));
  }
}

/**
 * One plane of the gradient of maxPool2x2, its windows disjoint: each window's four inputs are
 * stored (0 + dy at the argmax, 0 elsewhere: the sum scatterPlane makes) rather than cleared
 * and added to. The row and column past 2*oh x 2*ow are cleared. Returns false, leaving the
 * plane for scatterPlane, if an argmax lies outside its own window (not maxPool2x2's output).
 */
@inline function plane2x2(dy: usize, argmax: usize, D: usize, h: i32, w: i32, oh: i32, ow: i32): bool {
  const row = <usize>w << 2;
  const even = i32x4(0, 2, 4, 6);
  const below = i32x4.splat(w);
  const one = i32x4.splat(1);
  const zero = f32x4.splat(0);
  let inside = i32x4.splat(-1);
  for (let oy = 0; oy < oh; oy++) {
    const r0 = D + <usize>(2 * oy) * row;
    const o = <usize>(oy * ow) << 2;
    let ox = 0;
    while (true) {
      const q = o + (<usize>ox << 2);
      const d = f32x4.add(zero, v128.load(dy + q));
      const a = v128.load(argmax + q);
      const i0 = i32x4.add(i32x4.splat(2 * oy * w + 2 * ox), even);
      const i2 = i32x4.add(i0, below);
      const m0 = i32x4.eq(a, i0);
      const m1 = i32x4.eq(a, i32x4.add(i0, one));
      const m2 = i32x4.eq(a, i2);
      const m3 = i32x4.eq(a, i32x4.add(i2, one));
      inside = v128.and(inside, v128.or(v128.or(m0, m1), v128.or(m2, m3)));
      const v0 = v128.and(d, m0);
      const v1 = v128.and(d, m1);
      const v2 = v128.and(d, m2);
      const v3 = v128.and(d, m3);
      const p = r0 + (<usize>ox << 3);
      v128.store(p, i32x4.shuffle(v0, v1, 0, 4, 1, 5));
      v128.store(p, i32x4.shuffle(v0, v1, 2, 6, 3, 7), 16);
      v128.store(p + row, i32x4.shuffle(v2, v3, 0, 4, 1, 5));
      v128.store(p + row, i32x4.shuffle(v2, v3, 2, 6, 3, 7), 16);
      if (ox + 4 == ow) break;
      ox = min(ox + 4, ow - 4);
    }
    if (w > 2 * ow) {
      store<f32>(r0 + (<usize>(2 * ow) << 2), 0);
      store<f32>(r0 + row + (<usize>(2 * ow) << 2), 0);
    }
  }
  // A loop, not memory.fill: a call per plane costs more than these few stores.
  if (h > 2 * oh) for (let i: usize = 0, r = D + <usize>(2 * oh) * row; i < row; i += 4) store<f32>(r + i, 0);
  return i32x4.all_true(inside);
}

/** dx = 0, then dx[plane, argmax] += dy for every output; indices outside the plane are skipped. */
export function maxpool2d_backward_f32(dy: usize, argmax: usize, dx: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32): void {
  const hw = h * w;
  const p = oh * ow;
  // The forward's geometry is not passed: windows are 2x2 at stride 2 when the plane is that
  // of such a pool, which plane2x2 confirms from the argmax it reads.
  if (ow >= 4 && w >> 1 == ow && h >> 1 == oh) {
    for (let pl = 0; pl < planes; pl++) {
      const D = dx + (<usize>pl * <usize>hw << 2);
      const o = <usize>pl * <usize>p << 2;
      if (!plane2x2(dy + o, argmax + o, D, h, w, oh, ow)) scatterPlane(dy + o, argmax + o, D, hw, p, true);
    }
    return;
  }
  memory.fill(dx, 0, (<usize>planes * <usize>hw) << 2);
  for (let pl = 0; pl < planes; pl++) {
    const o = <usize>pl * <usize>p << 2;
    scatterPlane(dy + o, argmax + o, dx + (<usize>pl * <usize>hw << 2), hw, p, false);
  }
}

/** out = (sum of the window's input values) / (kh*kw): padding counts as zeros (count_include_pad). */
export function avgpool2d_f32(
  x: usize, out: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32,
): void {
  interior(w, kw, sw, pw, ow);
  const div = <f32>(kh * kw);
  const divv = f32x4.splat(div);
  for (let pl = 0; pl < planes; pl++) {
    const X = x + (<usize>pl * <usize>h * <usize>w << 2);
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      const ys = max(iy0, 0);
      const ye = min(iy0 + kh, h);
      const o = (<usize>pl * <usize>oh + <usize>oy) * <usize>ow;
      let ox = 0;
      for (; ox < interiorLo; ox++) avgOne(X, out, o + <usize>ox, ys, ye, ox * sw - pw, w, kw, div);
      for (; ox + 4 <= interiorHi; ox += 4) {
        const ix0 = ox * sw - pw;
        let sum = f32x4.splat(0);
        for (let iy = ys; iy < ye; iy++) {
          const row = X + (<usize>(iy * w + ix0) << 2);
          for (let kj = 0; kj < kw; kj++) sum = f32x4.add(sum, load4(row + (<usize>kj << 2), sw));
        }
        v128.store(out + ((o + <usize>ox) << 2), f32x4.div(sum, divv));
      }
      for (; ox < ow; ox++) avgOne(X, out, o + <usize>ox, ys, ye, ox * sw - pw, w, kw, div);
    }
  }
}

/** dx = 0, then every dy / (kh*kw) is added to the input pixels of its window. */
export function avgpool2d_backward_f32(
  dy: usize, dx: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32,
): void {
  memory.fill(dx, 0, (<usize>planes * <usize>h * <usize>w) << 2);
  const div = <f32>(kh * kw);
  const divv = f32x4.splat(div);
  for (let pl = 0; pl < planes; pl++) {
    const D = dx + (<usize>pl * <usize>h * <usize>w << 2);
    const G = dy + (<usize>pl * <usize>oh * <usize>ow << 2);
    for (let oy = 0; oy < oh; oy++) {
      for (let ki = 0; ki < kh; ki++) {
        const iy = oy * sh - ph + ki;
        if (iy < 0 || iy >= h) continue;
        for (let kj = 0; kj < kw; kj++) {
          // Output columns whose input column ox*sw - pw + kj is inside [0, w).
          const lo = min(ow, max(0, ceilDiv(pw - kj, sw)));
          const last = w - 1 + pw - kj;
          const hi = last < 0 ? lo : max(lo, min(ow, last / sw + 1));
          const src = G + (<usize>(oy * ow + lo) << 2);
          const dst = D + (<usize>(iy * w + lo * sw - pw + kj) << 2);
          const n = hi - lo;
          let j = 0;
          if (sw == 1) {
            for (; j + 4 <= n; j += 4) {
              const q = <usize>j << 2;
              v128.store(dst + q, f32x4.add(v128.load(dst + q), f32x4.div(v128.load(src + q), divv)));
            }
          }
          for (; j < n; j++) {
            const d = dst + ((<usize>j * <usize>sw) << 2);
            store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>j << 2)) / div);
          }
        }
      }
    }
  }
}
