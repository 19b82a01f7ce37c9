// The program every pool thread runs. It is shipped as source text (WORKER_SOURCE) and started
// from a string in Node (`new Worker(src, { eval: true })`) or a blob: URL in browsers, so it
// loads with no file, no URL resolution and no bundler configuration. It therefore must not
// reference anything outside its own body and its arguments (the control block layout and
// claimChunk, whose source is pasted in).
//
// The control block is an Int32Array in the shared memory. A job is one kernel split into
// chunks: the main thread writes the kernel's index, the chunk count and bounds and each
// argument as a linear form base + cs·start + ce·end + ct·thread, then gives each thread a
// home: a contiguous run of chunks, published as CLAIMS[t] = end << 8 | next. It bumps GEN and
// wakes everyone. A thread claims the next chunk of its own run with a compare-exchange on its
// word; once its run is empty it takes the last chunk of another thread's run, so a thread the
// OS is slow to schedule still delays nothing. A claim holds the job open (the main thread
// waits for DONE = chunks before it writes the next one), so the job read after a successful
// claim is consistent.
//
// Why homes: the same thread then gets the same part of a buffer from one call to the next (the
// first half of a weight matrix in the forward product and in the optimizer step, say). With
// one shared claim counter the part a core got was a race, and a core writing lines the other
// core had read paid for it: on the 2-core EPYC, Adam over the MNIST MLP's 101,770 weights took
// 175 µs after a 2-thread forward pass against 80 µs after a 1-thread one.

/**
 * Word offsets in the control block. GEN is bumped to wake the threads; CHUNKS is the job's
 * chunk count and SPLIT the number of homes; DONE counts finished chunks; ERROR flags a failed
 * one; OP and NARGS describe the kernel; TAKEN counts chunks run by workers; ACTIVE is the
 * thread count setThreads asked for (a worker whose thread index is not below it takes no
 * chunks); STATE[slot] is 0 (free) or RUN per worker; BOUNDS holds the chunk bounds; CLAIMS[t]
 * thread t's home run (end << 8 | next, empty when next = end); from ARGS, four f64 per argument.
 */
export const CONTROL = {
  GEN: 0,
  CHUNKS: 1,
  DONE: 2,
  ERROR: 3,
  OP: 4,
  NARGS: 5,
  TAKEN: 6,
  ACTIVE: 7,
  SPLIT: 8,
  STATE: 16,
  BOUNDS: 80,
  CLAIMS: 216,
  ARGS: 280,
  RUN: 1,
} as const;

/**
 * Claims a chunk of the current job for thread `me` (0 is the main thread): the next of its
 * own run, else the last unclaimed chunk of another thread's run, scanning from the thread
 * after it. Returns the chunk index, or -1 when every chunk is taken. It must stay
 * self-contained: the worker program gets its source text.
 */
export function claimChunk(ctrl: Int32Array, W: typeof CONTROL, me: number): number {
  const homes = Atomics.load(ctrl, W.SPLIT);
  if (me < homes) {
    for (;;) {
      const v = Atomics.load(ctrl, W.CLAIMS + me);
      const next = v & 255;
      if (next >= v >>> 8) break;
      if (Atomics.compareExchange(ctrl, W.CLAIMS + me, v, v + 1) === v) return next;
    }
  }
  for (let i = 1; i <= homes; i++) {
    const t = (me + i) % homes;
    for (;;) {
      const v = Atomics.load(ctrl, W.CLAIMS + t);
      const end = v >>> 8;
      if ((v & 255) >= end) break;
      if (Atomics.compareExchange(ctrl, W.CLAIMS + t, v, v - 256) === v) return end - 1;
    }
  }
  return -1;
}

/**
 * How long a thread that has run out of chunks keeps polling before it sleeps, in ms. A
 * training step runs its large kernels a fraction of a millisecond apart, and a sleeping thread
 * takes 20-40 µs to wake (measured here), 3-5% of an MNIST-sized matmul; polling for 1 ms
 * made 2-thread MLP training 2-11% faster (median to best of 40 rounds).
 */
export const SPIN_MS = 1;

/** The first message a pool thread receives. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of the control block. */
  control: number;
  /** This thread's slot: its state word, and scratch index slot + 1. */
  slot: number;
  /** Kernel export names; a job's op indexes this list. */
  names: string[];
}

function workerProgram(W: typeof CONTROL, spinMs: number, claim: typeof claimChunk): void {
  type Port = { postMessage(m: unknown): void };
  const run = (init: WorkerInit, port: Port, done: () => void): void => {
    const { module, memory, control, slot, names } = init;
    let fns: ((...args: number[]) => unknown)[];
    try {
      const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
      fns = names.map((n) => exports[n] as (...args: number[]) => unknown);
    } catch (e) {
      port.postMessage({ error: String(e) });
      done();
      return;
    }
    // The control block never moves and a shared buffer never detaches, so these views stay
    // valid after the memory grows.
    const ctrl = new Int32Array(memory.buffer, control);
    const form = new Float64Array(memory.buffer, control + W.ARGS * 4);
    const thread = slot + 1;
    const list: number[] = [];
    // Read GEN before saying ready: the first job may follow at once.
    let seen = Atomics.load(ctrl, W.GEN);
    port.postMessage('ready');
    // A parked thread never leaves: setThreads lowers ACTIVE instead, so raising it again is
    // instant, and the thread's handle is unref'd, so it never keeps a process alive.
    for (;;) {
      while (thread < Atomics.load(ctrl, W.ACTIVE)) {
        const chunk = claim(ctrl, W, thread);
        if (chunk < 0) break;
        const chunks = ctrl[W.CHUNKS];
        const s = ctrl[W.BOUNDS + chunk];
        const e = ctrl[W.BOUNDS + chunk + 1];
        const n = ctrl[W.NARGS];
        list.length = n;
        for (let i = 0; i < n; i++)
          list[i] = form[4 * i] + form[4 * i + 1] * s + form[4 * i + 2] * e + form[4 * i + 3] * thread;
        try {
          fns[ctrl[W.OP]](...list);
        } catch (err) {
          Atomics.store(ctrl, W.ERROR, 1);
          port.postMessage({ error: String(err) });
        }
        Atomics.add(ctrl, W.TAKEN, 1);
        if (Atomics.add(ctrl, W.DONE, 1) + 1 === chunks) Atomics.notify(ctrl, W.DONE);
      }
      const until = performance.now() + spinMs;
      for (let i = 0; Atomics.load(ctrl, W.GEN) === seen; i++) {
        if ((i & 1023) === 0 && performance.now() > until) {
          Atomics.wait(ctrl, W.GEN, seen);
          break;
        }
      }
      seen = Atomics.load(ctrl, W.GEN);
    }
  };

  const g = globalThis as unknown as {
    require?: (id: string) => unknown;
    postMessage?: (m: unknown) => void;
    close?: () => void;
    onmessage?: ((e: { data: WorkerInit }) => void) | null;
  };
  if (typeof g.require === 'function') {
    type NodePort = Port & { once(ev: 'message', f: (m: WorkerInit) => void): void; close(): void };
    const { parentPort } = g.require('node:worker_threads') as { parentPort: NodePort };
    parentPort.once('message', (init) => run(init, parentPort, () => parentPort.close()));
  } else {
    const port: Port = { postMessage: (m) => g.postMessage?.(m) };
    g.onmessage = (e) => {
      g.onmessage = null;
      run(e.data, port, () => g.close?.());
    };
  }
}

/** Source text of the pool thread's program, ready to evaluate. */
export const WORKER_SOURCE = `(${workerProgram.toString()})(${JSON.stringify(CONTROL)}, ${SPIN_MS}, ${claimChunk.toString()});\n`;
