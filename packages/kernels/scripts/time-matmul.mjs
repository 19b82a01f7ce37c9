// Throwaway timing loop for the GEMM (not a test, not a benchmark suite): best GFLOP/s of
// several runs per shape and form, single thread. The machine is shared, so each run is
// timed by this process's CPU time (time spent descheduled does not count) as well as
// wall time; both are the best of RUNS runs.
//   node scripts/time-matmul.mjs                                   # SIMD128 build on Node 20
//   node --experimental-wasm-relaxed-simd scripts/time-matmul.mjs  # relaxed build
import { heap, kernelInfo, matmul, ready } from '../dist/index.js';

await ready();
const shapes = [
  ['512^3', 512, 512, 512],
  ['MNIST fwd X·W', 128, 128, 784],
  ['MNIST dX=dY·W^T', 128, 784, 128],
  ['MNIST dW=X^T·dY', 784, 128, 128],
  ['[128x128]·[128x10]', 128, 10, 128],
  ['out layer dX m128n128k10', 128, 128, 10],
  ['out layer dW m10n128k128', 10, 128, 128],
];
const forms = [
  ['A·B', false, false],
  ['A·Bᵀ', false, true],
  ['Aᵀ·B', true, false],
];
const runs = Number(process.env.RUNS ?? 15);
console.log(`build: ${kernelInfo().simd}; GFLOP/s by CPU time (by wall time)`);
for (const [name, m, n, k] of shapes) {
  const a = heap().alloc(m * k * 4);
  const b = heap().alloc(k * n * 4);
  const out = heap().alloc(m * n * 4);
  const f = heap().f32();
  for (let i = 0; i < m * k; i++) f[a / 4 + i] = Math.random() - 0.5;
  for (let i = 0; i < k * n; i++) f[b / 4 + i] = Math.random() - 0.5;
  const row = [];
  for (const [form, transA, transB] of forms) {
    const args = { a, b, out, m, n, k, transA, transB };
    const flops = 2 * m * n * k;
    const reps = Math.max(1, Math.round((Number(process.env.GFLOP ?? 0.5) * 1e9) / 10 / flops));
    for (let i = 0; i < reps; i++) matmul(args); // warm up (tier-up to TurboFan)
    let bestCpu = 0;
    let bestWall = 0;
    for (let r = 0; r < runs; r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) matmul(args);
      const wall = performance.now() - t0;
      const c1 = process.cpuUsage(c0);
      const cpu = (c1.user + c1.system) / 1000;
      bestCpu = Math.max(bestCpu, (flops * reps) / cpu / 1e6);
      bestWall = Math.max(bestWall, (flops * reps) / wall / 1e6);
    }
    row.push(`${form} ${bestCpu.toFixed(1)} (${bestWall.toFixed(1)})`);
  }
  console.log(`${name.padEnd(26)} ${row.join('   ')}`);
  heap().free(a);
  heap().free(b);
  heap().free(out);
}
