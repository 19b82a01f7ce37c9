// Compares asgrad's two kernel builds on one thread: run it once per build, alternately, e.g.
//   for i in 1 2 3; do for b in simd128 relaxed; do
//     ASGRAD_SIMD=$b node --experimental-wasm-relaxed-simd apps/bench/scripts/simd-builds.mjs
//   done; done
// (Node 20 accepts the relaxed-SIMD build only with that flag; ASGRAD_SIMD forces a build.)
// Prints the best GFLOP/s of 15 rounds for 512³ and the MNIST MLP's shapes in all three forms.
import { heap, kernelInfo, matmul, ready, setThreads } from '@asgrad/kernels';

await ready();
await setThreads(1);
const h = heap();

function best(m, n, k, form) {
  const a = h.alloc(m * k * 4);
  const b = h.alloc(k * n * 4);
  const out = h.alloc(m * n * 4);
  const args = { a, b, out, m, n, k, ...form };
  for (let i = 0; i < 20; i++) matmul(args);
  let seconds = Infinity;
  const reps = Math.max(1, Math.round(1e8 / (m * n * k)));
  for (let r = 0; r < 15; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) matmul(args);
    seconds = Math.min(seconds, (performance.now() - t0) / 1e3 / reps);
  }
  for (const p of [a, b, out]) h.free(p);
  return (2 * m * n * k) / seconds / 1e9;
}

const forms = { A·B: {}, Aᵀ·B: { transA: true }, A·Bᵀ: { transB: true } };
console.log(`build ${kernelInfo().simd}, 1 thread, best GFLOP/s of 15 rounds`);
for (const [m, n, k] of [
  [512, 512, 512],
  [128, 128, 784],
  [784, 128, 128],
  [128, 784, 128],
]) {
  const cells = Object.entries(forms).map(([name, f]) => `${name} ${best(m, n, k, f).toFixed(1)}`);
  console.log(`${m}x${n}x${k}: ${cells.join(', ')}`);
}
