// Elementwise kernels: validated wrappers over the AssemblyScript exports.
import { checkCount, checkElems } from './check.js';
import { wasm } from './loader.js';

/** out[i] = a[i] + b[i] for i < n, over contiguous f32 blocks. */
export function addF32(a: number, b: number, out: number, n: number): void {
  checkCount('add', 'n', n);
  checkElems('add', 'a', a, n);
  checkElems('add', 'b', b, n);
  checkElems('add', 'out', out, n);
  wasm().add_f32(a, b, out, n);
}
