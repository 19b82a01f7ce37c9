// Run by threads-process.test.ts in a fresh `node` with the environment under test: loads the
// built package, runs one matmul big enough to be split, prints kernelInfo, the split-call
// count and the output as JSON, and then simply ends — the process must exit by itself.
import { heap, kernelInfo, matmul, ready, setThreads } from '../../dist/index.js';
import { poolStats } from '../../dist/threads.js';

// CHILD_SET_THREADS: call setThreads before the kernels load.
if (process.env.CHILD_SET_THREADS) setThreads(Number(process.env.CHILD_SET_THREADS));
await ready();
const [m, n, k] = [67, 45, 301];
let s = 12345;
const rnd = () => {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  return s / 2 ** 32 - 0.5;
};
const a = heap().alloc(m * k * 4);
const b = heap().alloc(k * n * 4);
const out = heap().alloc(m * n * 4);
const f = heap().f32();
for (let i = 0; i < m * k; i++) f[a / 4 + i] = rnd();
for (let i = 0; i < k * n; i++) f[b / 4 + i] = rnd();
matmul({ a, b, out, m, n, k });
// The float64 product and the sum of magnitudes of its terms, to bound rounding differences.
const f64 = heap().f32();
const ref = [];
const mag = [];
for (let i = 0; i < m; i++) {
  for (let j = 0; j < n; j++) {
    let sum = 0;
    let abs = 0;
    for (let p = 0; p < k; p++) {
      const t = f64[a / 4 + i * k + p] * f64[b / 4 + p * n + j];
      sum += t;
      abs += Math.abs(t);
    }
    ref.push(sum);
    mag.push(abs);
  }
}
console.log(
  JSON.stringify({
    info: kernelInfo(),
    jobs: poolStats().jobs,
    k,
    out: Array.from(
      heap()
        .f32()
        .subarray(out / 4, out / 4 + m * n),
    ),
    ref,
    mag,
  }),
);
