// Runs in headless Chromium after a plain Vite build: loads the kernels as a user's bundle would.
import { addF32, heap, kernelInfo, matmul, ready, setThreads } from '../../dist/index.js';
import { poolStats } from '../../dist/threads.js';

/** A matmul big enough to be split; returns the output's bit patterns. */
function product() {
  const [m, n, k] = [96, 80, 121];
  const h = heap();
  const a = h.alloc(m * k * 4);
  const b = h.alloc(k * n * 4);
  const out = h.alloc(m * n * 4);
  for (let i = 0; i < m * k; i++) h.f32()[a / 4 + i] = Math.sin(i);
  for (let i = 0; i < k * n; i++) h.f32()[b / 4 + i] = Math.cos(i);
  matmul({ a, b, out, m, n, k });
  const bits = Array.from(new Uint32Array(h.f32().buffer, out, m * n));
  for (const p of [a, b, out]) h.free(p);
  return bits;
}

try {
  await ready();
  const h = heap();
  const a = h.alloc(20);
  const b = h.alloc(20);
  const c = h.alloc(20);
  h.f32().set([1, 2, 3, 4, 5], a / 4);
  h.f32().set([10, 20, 30, 40, 50], b / 4);
  addF32(a, b, c, 5);
  const info = kernelInfo();
  // On the page's main thread (which may not block), split across Web Workers.
  await setThreads(2);
  const threads = kernelInfo().threads;
  const split = product();
  const stats = poolStats();
  for (let i = 0; i < 100 && poolStats().workerChunks === stats.workerChunks; i++) product();
  await setThreads(1);
  const single = product();
  window.__result = {
    sum: Array.from(h.f32().subarray(c / 4, c / 4 + 5)),
    info,
    threads,
    splitCalls: stats.jobs,
    workerChunks: poolStats().workerChunks,
    sameBits: split.length === single.length && split.every((v, i) => v === single[i]),
    isolated: self.crossOriginIsolated,
  };
} catch (e) {
  window.__result = { error: String(e?.stack ? e.stack : e) };
}
