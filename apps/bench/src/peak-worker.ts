// One thread of the peak probe: its own instance of the probe module, warmed up until V8 has
// tiered the loop up, then one timed call per request, started together with the other
// threads through a shared generation counter.
import { parentPort, workerData } from 'node:worker_threads';

interface Data {
  module: WebAssembly.Module;
  fn: 'mul_add' | 'fma';
  ctrl: SharedArrayBuffer;
}

const { module, fn, ctrl } = workerData as Data;
const gen = new Int32Array(ctrl);
const instance = new WebAssembly.Instance(module, {});
const loop = instance.exports[fn] as (iters: number) => number;
let sink = 0;

// V8 compiles wasm with Liftoff first and swaps in TurboFan code only between calls (no
// on-stack replacement), so warm up with many short calls rather than one long one.
const start = performance.now();
for (let calls = 0; calls < 400 || performance.now() - start < 100; calls++) sink += loop(10_000);

parentPort!.on('message', (msg: { iters: number; gen: number }) => {
  parentPort!.postMessage({ type: 'armed' });
  while (Atomics.load(gen, 0) < msg.gen) Atomics.wait(gen, 0, Atomics.load(gen, 0));
  const t0 = performance.now();
  sink += loop(msg.iters);
  const seconds = (performance.now() - t0) / 1e3;
  parentPort!.postMessage({ type: 'done', seconds, sink });
});
parentPort!.postMessage({ type: 'ready' });
