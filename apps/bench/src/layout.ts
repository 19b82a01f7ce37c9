// Layout conversions between asgrad's PyTorch layouts (NCHW activations, OIHW conv weights,
// [out, in] dense weights) and TF.js's (NHWC, HWIO, [in, out]). Used to hand every peer the
// same numbers and to bring its results back for the cross-peer check; never timed.

/** [n, c, h, w] -> [n, h, w, c]. */
export function nchwToNhwc(src: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let t = 0; t < n; t++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[((t * h + y) * w + x) * c + ch] = src[((t * c + ch) * h + y) * w + x];
  return out;
}

/** [n, h, w, c] -> [n, c, h, w]. */
export function nhwcToNchw(src: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let t = 0; t < n; t++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[((t * c + ch) * h + y) * w + x] = src[((t * h + y) * w + x) * c + ch];
  return out;
}

/** Conv weight [o, i, kh, kw] -> [kh, kw, i, o]. */
export function oihwToHwio(src: Float32Array, o: number, i: number, kh: number, kw: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          out[((y * kw + x) * i + b) * o + a] = src[((a * i + b) * kh + y) * kw + x];
  return out;
}

/** Conv weight [kh, kw, i, o] -> [o, i, kh, kw]. */
export function hwioToOihw(src: Float32Array, o: number, i: number, kh: number, kw: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          out[((a * i + b) * kh + y) * kw + x] = src[((y * kw + x) * i + b) * o + a];
  return out;
}

/** [rows, cols] -> [cols, rows]. */
export function transpose2d(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return out;
}

/**
 * A dense weight [out, c*h*w] that follows a PyTorch flatten of [c, h, w] features, as the
 * [h*w*c, out] kernel of a TF.js Dense layer that follows a flatten of [h, w, c] features,
 * so both layers compute the same function of the same activations.
 */
export function flattenedDenseToHwc(
  src: Float32Array,
  out: number,
  c: number,
  h: number,
  w: number,
): Float32Array {
  const res = new Float32Array(src.length);
  const inF = c * h * w;
  for (let o = 0; o < out; o++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          res[((y * w + x) * c + ch) * out + o] = src[o * inF + (ch * h + y) * w + x];
  return res;
}
