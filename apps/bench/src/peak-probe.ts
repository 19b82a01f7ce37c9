// Runs the peak-FLOP probe (assembly/peak.ts, built by scripts/build-wasm.mjs) on 1..n
// worker threads, each with its own instance, all started at once.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

export type Variant = 'simd128' | 'relaxed';

/** The loop each build runs and the exported global holding its flops per iteration (see peak.ts). */
export const VARIANTS: Record<Variant, { fn: 'mul_add' | 'fma'; flops: string; label: string }> = {
  simd128: {
    fn: 'mul_add',
    flops: 'MUL_ADD_FLOPS',
    label: 'SIMD128: independent f32x4.mul feeding f32x4.add',
  },
  relaxed: { fn: 'fma', flops: 'FMA_FLOPS', label: 'relaxed-SIMD: f32x4.relaxed_madd (FMA)' },
};

export function probeBytes(v: Variant): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(new URL(`../build/peak-${v}.wasm`, import.meta.url)));
}

/** Whether this runtime accepts the relaxed-SIMD build (Node 20 needs --experimental-wasm-relaxed-simd). */
export function relaxedSupported(): boolean {
  return WebAssembly.validate(probeBytes('relaxed'));
}

interface Msg {
  type: 'ready' | 'armed' | 'done';
  seconds?: number;
}

/** A pool of probe threads for one build. */
export class PeakPool {
  private readonly workers: Worker[] = [];
  private readonly ctrl = new SharedArrayBuffer(4);
  private gen = 0;

  private constructor(
    readonly variant: Variant,
    /** Floating-point operations one loop iteration does on one thread. */
    readonly flopsPerIter: number,
  ) {}

  /** Starts `threads` workers and waits until all have warmed up. */
  static async start(variant: Variant, threads: number): Promise<PeakPool> {
    const module = new WebAssembly.Module(probeBytes(variant));
    const flops = new WebAssembly.Instance(module, {}).exports[VARIANTS[variant].flops] as WebAssembly.Global;
    const pool = new PeakPool(variant, flops.value as number);
    const url = new URL('./peak-worker.js', import.meta.url);
    const ready: Promise<Msg>[] = [];
    for (let i = 0; i < threads; i++) {
      const w = new Worker(url, { workerData: { module, fn: VARIANTS[variant].fn, ctrl: pool.ctrl } });
      pool.workers.push(w);
      ready.push(pool.next(w, 'ready'));
    }
    await Promise.all(ready);
    return pool;
  }

  private next(w: Worker, type: Msg['type']): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const onMsg = (m: Msg) => {
        if (m.type !== type) return;
        w.off('message', onMsg);
        w.off('error', reject);
        resolve(m);
      };
      w.on('message', onMsg);
      w.once('error', reject);
    });
  }

  /** Runs `iters` iterations on each of the first `threads` workers; returns the slowest thread's seconds. */
  async run(iters: number, threads: number): Promise<number> {
    const ws = this.workers.slice(0, threads);
    const gen = ++this.gen;
    const armed = ws.map((w) => this.next(w, 'armed'));
    const done = ws.map((w) => this.next(w, 'done'));
    for (const w of ws) w.postMessage({ iters, gen });
    await Promise.all(armed);
    const g = new Int32Array(this.ctrl);
    Atomics.store(g, 0, gen);
    Atomics.notify(g, 0);
    const times = (await Promise.all(done)).map((m) => m.seconds ?? 0);
    return Math.max(...times);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
