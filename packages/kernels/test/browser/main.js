// Runs in headless Chromium after a plain Vite build: loads the kernels as a user's bundle would.
import { addF32, heap, kernelInfo, ready } from '../../dist/index.js';

try {
  await ready();
  const h = heap();
  const a = h.alloc(20);
  const b = h.alloc(20);
  const c = h.alloc(20);
  h.f32().set([1, 2, 3, 4, 5], a / 4);
  h.f32().set([10, 20, 30, 40, 50], b / 4);
  addF32(a, b, c, 5);
  window.__result = {
    sum: Array.from(h.f32().subarray(c / 4, c / 4 + 5)),
    info: kernelInfo(),
    isolated: self.crossOriginIsolated,
  };
} catch (e) {
  window.__result = { error: String(e?.stack ? e.stack : e) };
}
