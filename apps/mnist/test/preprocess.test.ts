import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { centreOfMass, decodePng, resampleArea, toMnistSample } from '../src/preprocess.js';

/** A w x h RGBA PNG: background colour everywhere, `ink` colour where `stroke(x, y)` holds. */
function png(
  w: number,
  h: number,
  stroke: (x: number, y: number) => boolean,
  ink: [number, number, number, number],
  background: [number, number, number, number],
): Uint8Array {
  const img = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) img.data.set(stroke(x, y) ? ink : background, 4 * (y * w + x));
  }
  return PNG.sync.write(img);
}

// An "L": a tall bar and a foot, off-centre in a wide canvas, so scaling, aspect ratio and
// centring all have something to do. Its box is 40 wide and 80 tall.
const ell = (x: number, y: number) =>
  (x >= 30 && x < 42 && y >= 10 && y < 90) || (x >= 30 && x < 70 && y >= 78 && y < 90);

function inkBox(s: Float32Array): { w: number; h: number } {
  let x0 = 28;
  let x1 = -1;
  let y0 = 28;
  let y1 = -1;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      if (s[y * 28 + x] > 0) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  return { w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

describe('toMnistSample', () => {
  const dark = toMnistSample(decodePng(png(160, 100, ell, [20, 30, 200, 255], [250, 240, 230, 255])));

  it('makes a white-on-black 28x28 digit whose longer side is 20 pixels, aspect kept', () => {
    expect(dark.length).toBe(784);
    expect(Math.max(...dark)).toBeCloseTo(1, 5);
    expect(Math.min(...dark)).toBe(0);
    const box = inkBox(dark);
    expect(box.h).toBe(20);
    expect(box.w).toBe(10); // 40 x 80 scaled by 1/4
    // the corners are background
    expect(dark[0] + dark[27] + dark[27 * 28] + dark[783]).toBe(0);
  });

  it('puts the centre of mass at the centre of the field', () => {
    const [cx, cy] = centreOfMass(dark);
    expect(Math.abs(cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(cy - 14)).toBeLessThanOrEqual(0.5);
  });

  it('gives the same sample for light ink on a dark background (no inversion needed)', () => {
    const light = toMnistSample(decodePng(png(160, 100, ell, [255, 255, 255, 255], [0, 0, 0, 255])));
    for (let i = 0; i < 784; i++) expect(light[i]).toBeCloseTo(dark[i], 5);
  });

  it('treats transparency as background, for dark or light strokes', () => {
    const clear: [number, number, number, number] = [0, 0, 0, 0];
    const onClear = toMnistSample(decodePng(png(160, 100, ell, [0, 0, 0, 255], clear)));
    const whiteOnClear = toMnistSample(decodePng(png(160, 100, ell, [255, 255, 255, 255], clear)));
    for (let i = 0; i < 784; i++) {
      expect(onClear[i]).toBeCloseTo(dark[i], 5);
      expect(whiteOnClear[i]).toBeCloseTo(dark[i], 5);
    }
  });

  it('scales small images up too', () => {
    const tiny = toMnistSample(
      decodePng(
        png(12, 12, (x, y) => x >= 4 && x < 8 && y >= 1 && y < 11, [0, 0, 0, 255], [255, 255, 255, 255]),
      ),
    );
    expect(inkBox(tiny).h).toBe(20);
    expect(inkBox(tiny).w).toBe(8);
  });

  it('returns zeros for a blank image', () => {
    const blank = toMnistSample(decodePng(png(30, 30, () => false, [0, 0, 0, 255], [255, 255, 255, 255])));
    expect(blank.every((v) => v === 0)).toBe(true);
  });
});

describe('resampleArea', () => {
  it('averages blocks when shrinking and keeps the mean', () => {
    const src = Float32Array.from([1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1]);
    expect([...resampleArea(src, 4, 4, 2, 2)]).toEqual([0.75, 0, 0, 1]);
    const odd = resampleArea(src, 4, 4, 3, 3);
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(odd)).toBeCloseTo(mean(src), 5);
  });
});

describe('decodePng', () => {
  it('rejects bytes that are not a PNG with a one-line message', () => {
    expect(() => decodePng(new TextEncoder().encode('hello, not a png'))).toThrow(
      /^not a readable PNG \([^\n]*\)$/,
    );
  });
});
