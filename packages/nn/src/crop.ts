// Which part of its input a run of spatial layers in a Sequential depends on. Unpadded convs and
// pools in floor mode read their input from the top-left corner; when a window does not fit the
// last rows or columns, they are never read, and neither are the rows before them that only they
// would need. Cropping the run's input to the rows its output depends on gives the same output
// with less work: in the MNIST CNN (28 -> conv 26 -> pool 13 -> conv 11 -> pool 5), 26 x 26 of
// the image, so that the second conv computes 10 x 10 outputs instead of 11 x 11.
import { GELU, LeakyReLU, ReLU, Sigmoid, Tanh } from './activation.js';
import { Conv2d } from './conv.js';
import type { Module } from './module.js';
import { AvgPool2d, MaxPool2d } from './pool.js';

/** Exact classes only: a subclass may change what the layer computes. */
export const exactly = (m: Module | undefined, cls: abstract new (...args: never[]) => Module): boolean =>
  m !== undefined && m.constructor === cls;

type Pair = number | [number, number];
const pairOf = (p: Pair): [number, number] => (typeof p === 'number' ? [p, p] : p);

/** Element by element: output row r depends on input row r alone. (Dropout is not: a crop would move its random draws.) */
const POINTWISE = [ReLU, LeakyReLU, Sigmoid, Tanh, GELU];

/** A layer's kernel and stride along [rows, cols]. */
interface Window {
  k: [number, number];
  s: [number, number];
}

/** A layer's window; null if it needs all of its input (or pads it). */
function windowOf(m: Module): Window | null {
  if (exactly(m, Conv2d)) {
    const conv = m as Conv2d;
    const [ph, pw] = pairOf(conv.padding);
    if (ph !== 0 || pw !== 0 || conv.weight.rank !== 4) return null;
    return { k: [conv.weight.shape[2], conv.weight.shape[3]], s: pairOf(conv.stride) };
  }
  if (exactly(m, MaxPool2d) || exactly(m, AvgPool2d)) {
    const { kernelSize, stride, padding } = (m as MaxPool2d | AvgPool2d).options;
    const [ph, pw] = pairOf(padding ?? 0);
    if (ph !== 0 || pw !== 0) return null;
    return { k: pairOf(kernelSize), s: pairOf(stride ?? kernelSize) };
  }
  if (POINTWISE.some((cls) => exactly(m, cls))) return { k: [1, 1], s: [1, 1] };
  return null;
}

/**
 * For the run of windowed layers starting at `start` (it ends at the first layer that needs its
 * whole input), given the run's [N, C, H, W] input shape: the run's end, and the [rows, cols]
 * of the input its output depends on when that is less than all of it (never for a shape a
 * layer will reject: the layer then reports it). Null when no run starts there. A run that
 * needs all of its input needs all of it from every later start too: one call per run.
 */
export function inputCrop(
  layers: readonly Module[],
  start: number,
  shape: readonly number[],
): { end: number; crop: [number, number] | null } | null {
  const windows: Window[] = [];
  for (let i = start; i < layers.length; i++) {
    const w = windowOf(layers[i]);
    if (!w) break;
    windows.push(w);
  }
  if (windows.length === 0) return null;
  const end = start + windows.length;
  if (shape.length !== 4) return { end, crop: null };
  // Along each axis: the run's output size, then back through the windows to the input rows it needs.
  const need = [0, 1].map((axis) => {
    let size = shape[2 + axis];
    for (const { k, s } of windows) {
      if (!(size >= k[axis])) return Number.NaN; // the layer will throw; leave the shape as given
      size = Math.floor((size - k[axis]) / s[axis]) + 1;
    }
    for (let t = windows.length - 1; t >= 0; t--) size = (size - 1) * windows[t].s[axis] + windows[t].k[axis];
    return size;
  });
  if (need.some(Number.isNaN)) return { end, crop: null };
  return { end, crop: need[0] < shape[2] || need[1] < shape[3] ? [need[0], need[1]] : null };
}
