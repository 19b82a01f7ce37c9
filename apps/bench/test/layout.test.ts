import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  flattenedDenseToHwc,
  hwioToOihw,
  nchwToNhwc,
  nhwcToNchw,
  oihwToHwio,
  transpose2d,
} from '../src/layout.js';

const dims = fc.tuple(
  fc.integer({ min: 1, max: 4 }),
  fc.integer({ min: 1, max: 4 }),
  fc.integer({ min: 1, max: 4 }),
  fc.integer({ min: 1, max: 4 }),
);
const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

describe('layout conversions', () => {
  it('moves channels last and back (NCHW <-> NHWC) as inverses', () => {
    fc.assert(
      fc.property(dims, ([n, c, h, w]) => {
        const x = iota(n * c * h * w);
        const y = nchwToNhwc(x, n, c, h, w);
        // element (t, ch, r, q) of x sits at ((t*h + r)*w + q)*c + ch in y
        expect(y[((n - 1) * h * w + (h - 1) * w + (w - 1)) * c + (c - 1)]).toBe(x[x.length - 1]);
        expect(y[c > 1 ? 1 : 0]).toBe(x[c > 1 ? h * w : 0]);
        expect(nhwcToNchw(y, n, c, h, w)).toEqual(x);
      }),
    );
  });

  it('turns an OIHW conv weight into HWIO and back', () => {
    fc.assert(
      fc.property(dims, ([o, i, kh, kw]) => {
        const w = iota(o * i * kh * kw);
        const t = oihwToHwio(w, o, i, kh, kw);
        // weight (a, b, y, x) = ((a*i + b)*kh + y)*kw + x sits at ((y*kw + x)*i + b)*o + a
        const [a, b, y, x] = [o - 1, 0, kh - 1, 0];
        expect(t[((y * kw + x) * i + b) * o + a]).toBe(((a * i + b) * kh + y) * kw + x);
        expect(hwioToOihw(t, o, i, kh, kw)).toEqual(w);
      }),
    );
  });

  it('transposes a matrix', () => {
    expect(Array.from(transpose2d(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('reorders a dense weight so TF.js (flatten HWC, x·W) computes what PyTorch (flatten CHW, W·x) does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer(),
        (c, h, w, out, seed) => {
          const f = c * h * w;
          const rnd = (i: number) => Math.sin(seed + i * 12.9898);
          const act = Float32Array.from({ length: f }, (_, i) => rnd(i)); // one image, CHW
          const weight = Float32Array.from({ length: out * f }, (_, i) => rnd(1000 + i)); // [out, CHW]
          const kernel = flattenedDenseToHwc(weight, out, c, h, w); // [HWC, out]
          const hwc = nchwToNhwc(act, 1, c, h, w);
          for (let o = 0; o < out; o++) {
            let torch = 0;
            let tfjs = 0;
            for (let j = 0; j < f; j++) {
              torch += weight[o * f + j] * act[j];
              tfjs += hwc[j] * kernel[j * out + o];
            }
            expect(tfjs).toBeCloseTo(torch, 4);
          }
        },
      ),
    );
  });
});
