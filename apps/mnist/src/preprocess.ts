// Turning an arbitrary picture of a digit into an MNIST sample, the way the MNIST digits were
// made (LeCun et al.): grey, white ink on black, the digit's bounding box scaled to fit 20x20
// with its aspect ratio kept (anti-aliased), then placed in a 28x28 field so that its centre of
// mass sits at the centre.
import { PNG } from 'pngjs';

/** An image as 8-bit RGBA, row-major (what pngjs decodes to). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Decodes a PNG of any bit depth / colour type; throws a one-line Error on a bad file. */
export function decodePng(bytes: Uint8Array): RgbaImage {
  try {
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
  } catch (e) {
    throw new Error(`not a readable PNG (${(e as Error).message.split('\n')[0]})`);
  }
}

/**
 * Ink intensity in [0, 1] per pixel (1 = stroke), whatever the picture's polarity: transparent
 * pixels become the background, and a light background is inverted.
 */
export function inkLevels(img: RgbaImage): Float32Array {
  const { width: w, height: h, data } = img;
  const n = w * h;
  const grey = new Float32Array(n);
  const alpha = new Float32Array(n);
  let opaqueSum = 0;
  let opaqueWeight = 0;
  for (let i = 0; i < n; i++) {
    const r = data[4 * i];
    const g = data[4 * i + 1];
    const b = data[4 * i + 2];
    grey[i] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    alpha[i] = data[4 * i + 3] / 255;
    opaqueSum += grey[i] * alpha[i];
    opaqueWeight += alpha[i];
  }
  // Transparent areas are background: composite over the colour opposite to the visible strokes
  // (dark strokes on transparency over white, light strokes over black).
  const backdrop = opaqueWeight > 0 && opaqueSum / opaqueWeight < 0.5 ? 1 : 0;
  for (let i = 0; i < n; i++) grey[i] = grey[i] * alpha[i] + backdrop * (1 - alpha[i]);
  // The border is background: its median tells the polarity and the level to subtract.
  const border: number[] = [];
  for (let x = 0; x < w; x++) border.push(grey[x], grey[(h - 1) * w + x]);
  for (let y = 0; y < h; y++) border.push(grey[y * w], grey[y * w + w - 1]);
  border.sort((a, b) => a - b);
  const bg = border[border.length >> 1];
  const ink = new Float32Array(n);
  let peak = 0;
  for (let i = 0; i < n; i++) {
    ink[i] = Math.max(0, bg > 0.5 ? bg - grey[i] : grey[i] - bg);
    peak = Math.max(peak, ink[i]);
  }
  if (peak > 0) for (let i = 0; i < n; i++) ink[i] /= peak;
  return ink;
}

/** Box-filter resampling of a `w` x `h` grid to `ow` x `oh` (area-weighted averages). */
export function resampleArea(src: Float32Array, w: number, h: number, ow: number, oh: number): Float32Array {
  const out = new Float32Array(ow * oh);
  const fx = w / ow;
  const fy = h / oh;
  for (let oy = 0; oy < oh; oy++) {
    const y0 = oy * fy;
    const y1 = y0 + fy;
    for (let ox = 0; ox < ow; ox++) {
      const x0 = ox * fx;
      const x1 = x0 + fx;
      let sum = 0;
      for (let y = Math.floor(y0); y < Math.min(h, Math.ceil(y1)); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.min(w, Math.ceil(x1)); x++) {
          sum += src[y * w + x] * wy * (Math.min(x + 1, x1) - Math.max(x, x0));
        }
      }
      out[oy * ow + ox] = sum / (fx * fy);
    }
  }
  return out;
}

/**
 * An MNIST-style 28x28 sample (784 values in [0, 1], white digit on black) from an image:
 * ink levels, bounding box of the ink, scaled so its longer side is 20 pixels, centred by
 * centre of mass. A blank image gives all zeros.
 */
export function toMnistSample(img: RgbaImage): Float32Array {
  const { width: w, height: h } = img;
  const ink = inkLevels(img);
  // Faint noise (JPEG-like artefacts, paper texture) must not stretch the box.
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (ink[y * w + x] < 0.2) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  const out = new Float32Array(28 * 28);
  if (x1 < 0) return out;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const crop = new Float32Array(bw * bh);
  for (let y = 0; y < bh; y++) crop.set(ink.subarray((y0 + y) * w + x0, (y0 + y) * w + x0 + bw), y * bw);
  const scale = 20 / Math.max(bw, bh);
  const ow = Math.max(1, Math.round(bw * scale));
  const oh = Math.max(1, Math.round(bh * scale));
  const digit = resampleArea(crop, bw, bh, ow, oh);
  const [cx, cy] = centreOfMass(digit, ow, oh);
  const dx = Math.round(14 - cx);
  const dy = Math.round(14 - cy);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const tx = x + dx;
      const ty = y + dy;
      if (tx >= 0 && tx < 28 && ty >= 0 && ty < 28) out[ty * 28 + tx] = Math.min(1, digit[y * ow + x]);
    }
  }
  return out;
}

/** Centre of mass (x, y) of a `w` x `h` grid, in pixel units (pixel centres at i + 0.5). */
export function centreOfMass(values: Float32Array, w = 28, h = 28): [number, number] {
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = values[y * w + x];
      mass += v;
      cx += v * (x + 0.5);
      cy += v * (y + 0.5);
    }
  }
  return [cx / mass, cy / mass];
}
