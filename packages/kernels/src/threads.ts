// The thread pool: worker threads (worker_threads in Node, Web Workers in cross-origin
// isolated browsers) that each instantiate the kernel module on the one shared
// WebAssembly.Memory and park on Atomics.wait in a control block inside that memory. A large
// kernel call is cut into chunks of output rows or columns; the main thread publishes the
// job, wakes the threads and takes chunks itself. Thread t's chunks are the t-th run of the
// range, so a thread meets the same part of a buffer call after call; a thread done with its
// own run takes from the end of another's, so one the OS is slow to schedule delays nothing
// (see worker.ts). No thread start-up and no
// postMessage per call. Every output element is computed by exactly the same instructions
// whichever chunk and thread it lands in, so results are bit-identical for any thread count.
import { Form } from './form.js';
import { CONTROL, claimChunk, SPIN_MS, WORKER_SOURCE, type WorkerInit } from './worker.js';

/** Upper bound of setThreads. */
export const MAX_THREADS = 64;
const W = CONTROL;
const MAX_CHUNKS = 2 * MAX_THREADS;
const MAX_ARGS = 20;
/** Bytes of the control block the loader reserves in shared memory. */
export const CONTROL_BYTES = W.ARGS * 4 + MAX_ARGS * 32;

/** Kernels a worker can run; a job's op is an index into this list. */
const KERNELS = [
  'matmul_f32',
  'matmul_f32_range',
  'matmul_f32_range_cols',
  'unary_f32',
  'unary_backward_f32',
  'binary_same_f32',
  'conv2d_f32',
  'conv2d_backward_input_f32',
  'conv2d_backward_weight_range_f32',
  'maxpool2d_f32',
  'maxpool2d_backward_f32',
  'avgpool2d_f32',
  'avgpool2d_backward_f32',
  'sgd_f32',
  'adagrad_f32',
  'rmsprop_f32',
  'adam_f32',
  'adamax_f32',
  'nadam_f32',
  'adadelta_f32',
  'lion_f32',
] as const;
type KernelName = (typeof KERNELS)[number];

/**
 * Smallest chunk of a matmul (in multiply-adds) handed to the pool. Waking a parked thread
 * and waiting for it costs ~20-30 µs here, the time of ~0.5M multiply-adds, so only products
 * of at least two such chunks are split.
 */
export const MATMUL_MIN_MACS_PER_CHUNK = 1 << 18;
/**
 * Smallest chunk of an elementwise op worth handing to another thread (in elements): a relu
 * plus an add over 2^17 elements measured slower on 2 threads than on 1 here (110 against
 * 92 µs; the wake-up costs 20-30 µs), over 2^18 faster (143 against 165 µs).
 */
export const ELEMENTWISE_MIN_PER_CHUNK = 1 << 17;
/**
 * Fewest output rows (or columns) a matmul chunk gets when there is room for two chunks per
 * thread. Every chunk packs its own copy of the operand all chunks read, which costs about as
 * much as 4-5 rows of the product here, so the 16-row chunks of a 128-row product paid ~25%
 * for it: [128x784]·[784x128] on 2 threads measured 69 against 62 GFLOP/s (median of 15)
 * with one chunk per thread instead.
 */
export const MATMUL_MIN_ROWS_PER_SMALL_CHUNK = 64;

/**
 * Largest op(A) (m·k floats, 4 MiB) that a column split packs once per thread (runMatmul).
 * Packing it once paid even where it outgrows L2: on 2 threads 512³ ran up to 7% faster (11
 * of 12 forms and passes) and 1024³ 3-16% than with op(A) packed again for every chunk. The
 * limit bounds the scratch each thread keeps (one packed op(A)); larger products are split as
 * before.
 */
export const MATMUL_MAX_LEFT_FLOATS = 1 << 20;

/**
 * Smallest chunk of an optimizer update handed to another thread (in parameters). An update
 * reads and writes 4-6 streams per parameter, several times the work of a binary op per
 * element, and threads that have just run a kernel are still polling, so smaller chunks pay.
 */
export const UPDATE_MIN_PER_CHUNK = 1 << 15;

/** The fused optimizer updates: (...pointers, n, ...scalars), every element independent. */
export type UpdateKernel =
  | 'sgd_f32'
  | 'adagrad_f32'
  | 'rmsprop_f32'
  | 'adam_f32'
  | 'adamax_f32'
  | 'nadam_f32'
  | 'adadelta_f32'
  | 'lion_f32';

type Fn = (...args: number[]) => number;

interface PoolWorker {
  slot: number;
  ready: boolean;
}

interface Pool {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  exports: Record<string, Fn>;
  control: number;
  ctrl: Int32Array;
  form: Float64Array;
  /** Whether this thread may block in Atomics.wait (not on a browser's main thread). */
  canBlock: boolean;
  spawn: Spawner;
  /** Every worker started, starting or ready; those above `active` stay parked. */
  workers: PoolWorker[];
  ready: number;
  /** The thread count setThreads asked for, the calling thread included. */
  active: number;
  waiting: (() => void)[];
  /** An Int32Array over the whole memory, made again when the memory grows. */
  view?: Int32Array;
}

let pool: Pool | undefined;
let requested: number | undefined;
const notes: string[] = [];

/** The pool's view of the shared memory (a growth gives memory.buffer a new, longer buffer). */
function heapView(p: Pool): Int32Array {
  const buffer = p.memory.buffer;
  if (p.view?.buffer !== buffer) p.view = new Int32Array(buffer);
  return p.view;
}

/**
 * Open withBuild calls (loader.ts): kernels then run on a build whose memory the pool's workers
 * do not share, so every call stays on the calling thread.
 */
let solo = 0;

export function enterSolo(): void {
  solo++;
}

export function leaveSolo(): void {
  solo--;
}

export const inSolo = (): boolean => solo > 0;

/** Threads a large kernel call is currently split over (the calling thread included). */
export function threadCount(): number {
  if (solo > 0) return 1;
  return pool ? 1 + Math.min(pool.ready, pool.active - 1) : 1;
}

let jobs = 0;

/** Split calls made, and chunks the worker threads ran, since load (for tests and tuning). */
export function poolStats(): { jobs: number; workerChunks: number } {
  return { jobs, workerChunks: pool ? Atomics.load(pool.ctrl, W.TAKEN) : 0 };
}

/** Why fewer threads run than requested, if so (for kernelInfo). */
export function threadNotes(): string[] {
  return [...notes];
}

function envThreads(): number | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const raw = p?.env?.ASGRAD_THREADS;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS)
    throw new Error(`asgrad: ASGRAD_THREADS must be an integer from 1 to ${MAX_THREADS}, got '${raw}'`);
  return n;
}

// Node builtins are imported by a computed name so that bundlers leave them alone.
async function nodeModule<T>(name: string): Promise<T | undefined> {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (!p?.versions?.node) return undefined;
  const spec = `node:${name}`;
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ spec)) as T;
}

async function defaultThreads(): Promise<number> {
  const os = await nodeModule<{ availableParallelism?: () => number; cpus(): unknown[] }>('os');
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const cores = os ? (os.availableParallelism?.() ?? os.cpus().length) : (nav?.hardwareConcurrency ?? 1);
  return Math.max(1, Math.min(MAX_THREADS, cores));
}

/** Starts a thread; it reports 'ready' once parked, or an error. */
type Spawner = (init: WorkerInit, onReady: () => void, onError: (e: string) => void) => void;

interface NodeWorker {
  postMessage(m: unknown): void;
  on(ev: 'message', f: (m: unknown) => void): void;
  on(ev: 'error', f: (e: Error) => void): void;
  unref(): void;
}

async function spawner(): Promise<Spawner | string> {
  type WorkerThreads = { Worker: new (src: string, o: { eval: boolean }) => NodeWorker };
  const wt = await nodeModule<WorkerThreads>('worker_threads');
  if (wt) {
    return (init, onReady, onError) => {
      const w = new wt.Worker(WORKER_SOURCE, { eval: true });
      w.on('message', (m) => {
        if (m !== 'ready') return onError(String((m as { error?: unknown }).error));
        // A parked thread must not keep the process alive.
        w.unref();
        onReady();
      });
      w.on('error', (e) => onError(String(e)));
      w.postMessage(init);
    };
  }
  if (typeof Worker !== 'function' || typeof Blob !== 'function') return 'this runtime has no Worker';
  return (init, onReady, onError) => {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    const w = new Worker(url);
    w.onmessage = (e) => {
      if (e.data !== 'ready') return onError(String((e.data as { error?: unknown }).error));
      URL.revokeObjectURL(url);
      onReady();
    };
    w.onerror = (e) => onError(e.message);
    w.postMessage(init);
  };
}

/**
 * Called by the loader once the module is instantiated. With a shared memory it starts the
 * pool (the requested, ASGRAD_THREADS or default thread count) and resolves when the threads
 * are ready; without one it records why kernels run on one thread.
 */
export async function initThreads(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  exports: Record<string, Fn>,
  control: number,
  whySingle: string | undefined,
): Promise<void> {
  const want = requested ?? envThreads() ?? (await defaultThreads());
  const spawn = whySingle ?? (await spawner());
  if (typeof spawn === 'string') {
    if (want > 1) notes.push(`one thread: ${spawn}`);
    return;
  }
  const ctrl = new Int32Array(memory.buffer, control, CONTROL_BYTES / 4);
  ctrl.fill(0);
  let canBlock = true;
  try {
    Atomics.wait(ctrl, W.OP, 1, 0); // the value differs: returns at once where blocking is allowed
  } catch {
    canBlock = false; // a browser's main thread
  }
  const form = new Float64Array(memory.buffer, control + W.ARGS * 4, MAX_ARGS * 4);
  pool = {
    module,
    memory,
    exports,
    control,
    ctrl,
    form,
    canBlock,
    spawn,
    workers: [],
    ready: 0,
    active: 1,
    waiting: [],
  };
  await setThreads(want);
}

function settle(p: Pool): void {
  p.ready = p.workers.filter((w) => w.ready).length;
  if (p.workers.every((w) => w.ready)) for (const f of p.waiting.splice(0)) f();
}

/**
 * Sets how many threads large kernels (matmul, so also conv2d's GEMMs, and big unary ops)
 * are split over, the calling thread included. The default is the number of cores
 * (`os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in browsers) or the
 * `ASGRAD_THREADS` environment variable. Without shared memory (a browser page that is not
 * cross-origin isolated) kernels run on one thread and `kernelInfo().notes` says why. Results
 * are bit-identical for any thread count. Called before the kernels load, it sets the count
 * they start with. The promise resolves when the new threads are running; until then calls
 * use the threads that are. Idle threads sleep and never keep a Node process alive.
 *
 * @example
 * ```ts
 * await setThreads(2);
 * kernelInfo().threads; // 2
 * ```
 */
export function setThreads(n: number): Promise<void> {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS)
    throw new Error(`setThreads: n must be an integer from 1 to ${MAX_THREADS}, got ${n}`);
  const p = pool;
  if (!p) {
    requested = n;
    return Promise.resolve();
  }
  const { ctrl } = p;
  // Lowering the count parks the threads above it rather than ending them, so raising it
  // again (a benchmark comparing 1 and n threads, say) costs no thread start-up.
  p.active = n;
  Atomics.store(ctrl, W.ACTIVE, n);
  for (let slot = 0; p.workers.length < n - 1 && slot < MAX_THREADS - 1; slot++) {
    if (Atomics.load(ctrl, W.STATE + slot) !== 0) continue; // in use
    const w: PoolWorker = { slot, ready: false };
    Atomics.store(ctrl, W.STATE + slot, W.RUN);
    p.workers.push(w);
    const names = [...KERNELS];
    p.spawn(
      { module: p.module, memory: p.memory, control: p.control, slot, names },
      () => {
        w.ready = true;
        settle(p);
      },
      (error) => {
        if (w.ready) return; // a failed chunk: runChunks reports it
        notes.push(`thread ${slot + 1} failed to start: ${error}`);
        Atomics.store(ctrl, W.STATE + slot, 0);
        p.workers = p.workers.filter((x) => x !== w);
        settle(p);
      },
    );
  }
  settle(p);
  if (p.workers.every((w) => w.ready)) return Promise.resolve();
  return new Promise((resolve) => p.waiting.push(resolve));
}

/** Scratch shares a job needs: one per thread that may take a chunk (index slot + 1). */
function scratchShares(p: Pool): number {
  let last = -1;
  for (let slot = 0; slot < MAX_THREADS - 1; slot++)
    if (Atomics.load(p.ctrl, W.STATE + slot) !== 0) last = slot;
  return last + 2;
}

/**
 * Runs kernel `name` once per chunk [bounds[i], bounds[i+1]) and returns when all chunks are
 * done. Thread t (thread 0 is this one) starts with chunks [⌈t·chunks/T⌉, ⌈(t+1)·chunks/T⌉) of
 * the T running threads, then helps the others. Argument j of a chunk is
 * form[4j] + form[4j+1]·start + form[4j+2]·end + form[4j+3]·thread.
 */
function runChunks(name: KernelName, bounds: number[], job: Form): void {
  const form = job.terms;
  const p = pool!;
  const c = p.ctrl;
  const chunks = bounds.length - 1;
  const nargs = form.length / 4;
  const homes = threadCount();
  Atomics.store(c, W.DONE, 0);
  Atomics.store(c, W.ERROR, 0);
  c[W.OP] = KERNELS.indexOf(name);
  c[W.NARGS] = nargs;
  c[W.CHUNKS] = chunks;
  c.set(bounds, W.BOUNDS);
  p.form.set(form);
  Atomics.store(c, W.SPLIT, homes);
  // The claim words go last: a thread that reads one of them sees the whole job.
  for (let t = 0; t < homes; t++) {
    const start = Math.ceil((t * chunks) / homes);
    const end = Math.ceil(((t + 1) * chunks) / homes);
    Atomics.store(c, W.CLAIMS + t, (end << 8) | start);
  }
  Atomics.add(c, W.GEN, 1);
  Atomics.notify(c, W.GEN);
  jobs++;
  const kernel = p.exports[name];
  const args = new Array<number>(nargs);
  let failure: unknown;
  for (;;) {
    const chunk = claimChunk(c, W, 0);
    if (chunk < 0) break;
    if (failure === undefined) {
      const s = bounds[chunk];
      const e = bounds[chunk + 1];
      for (let j = 0; j < nargs; j++) args[j] = form[4 * j] + form[4 * j + 1] * s + form[4 * j + 2] * e;
      try {
        kernel(...args);
      } catch (err) {
        failure = err; // still count the remaining chunks, so no thread waits forever
      }
    }
    Atomics.add(c, W.DONE, 1);
  }
  // The others are finishing their last chunks: poll for a while, then sleep if allowed.
  const until = performance.now() + SPIN_MS;
  for (let spin = 0; ; spin++) {
    const done = Atomics.load(c, W.DONE);
    if (done === chunks) break;
    if (p.canBlock && (spin & 1023) === 1023 && performance.now() > until) Atomics.wait(c, W.DONE, done);
  }
  if (failure !== undefined) throw failure;
  if (c[W.ERROR] !== 0) throw new Error(`kernels: ${name} failed on a worker thread`);
}

/**
 * Chunk bounds over [0, len) at multiples of `unit` (the last ends at len), at most
 * `maxChunks` of them, and a multiple of the thread count when there are that many, so that
 * every thread's run (see runChunks) is the same size. With room for 2 per thread, each
 * thread's run is a large chunk with 3/4 of its work and then a small one with 1/4, so a
 * thread that starts late finds small chunks left to the others. Fewer than two chunks
 * means: do not split.
 */
export function chunkBounds(len: number, unit: number, threads: number, maxChunks: number): number[] {
  const units = Math.ceil(len / unit);
  let chunks = Math.min(units, maxChunks, 2 * threads, MAX_CHUNKS);
  if (chunks > threads && chunks < 2 * threads) chunks = threads;
  if (threads < 2 || chunks < 2) return [];
  const weight = (i: number) => (chunks === 2 * threads ? (i % 2 === 0 ? 3 : 1) : 1);
  let total = 0;
  for (let i = 0; i < chunks; i++) total += weight(i);
  const bounds = [0];
  let acc = 0;
  for (let i = 0; i < chunks; i++) {
    acc += weight(i);
    const end = Math.min(len, Math.round((acc / total) * units) * unit);
    if (end > bounds[bounds.length - 1]) bounds.push(end);
  }
  return bounds;
}

/** The size of each chunk of `bounds`. */
const widths = (bounds: number[]) => bounds.slice(1).map((end, i) => end - bounds[i]);
const align64 = (n: number) => Math.ceil(n / 64) * 64;

/**
 * matmul_f32 (arguments as in assembly/matmul.ts), split over the pool when the product is
 * large enough: one matrix by output rows or columns (whichever is longer, in multiples of 8,
 * so chunks keep whole register tiles; columns when they tie), a batch of small matrices by
 * whole matrices. Columns on a tie: in a layer's forward product X·Wᵀ (batch 128, 128 units)
 * each thread then reads only its own rows of W, the rows its optimizer chunk later writes.
 * Split by rows, both cores read all of W, and Adam's writes to lines the other core held made
 * the MNIST MLP's Adam step 175 µs against 75 on 2 threads. The product alone measured the
 * same either way within this machine's noise (56-66 against 56-57 GFLOP/s, alternating runs).
 * `scratch(bytes)` lends packing scratch (the caller keeps it between calls); each thread
 * packs into its own 64-byte aligned share. A split by columns of a product whose op(A) has
 * at most MATMUL_MAX_LEFT_FLOATS floats packs op(A) once per thread per call; other splits
 * pack the operand all chunks read once per chunk. Packing that operand once for all threads was tried: on the
 * 2-core EPYC the copy one core wrote had to move to the other core's cache on every call,
 * and each thread's rows ran 1.5x slower (10 against 6.5 µs per row of the MNIST product),
 * which cost more than the packing it saved.
 */
export function runMatmul(
  exports: Record<string, Fn>,
  a: number,
  b: number,
  c: number,
  bias: number,
  m: number,
  n: number,
  k: number,
  flags: number,
  batch: number,
  sA: number,
  sB: number,
  sC: number,
  scratch: (bytes: number) => number,
): void {
  const threads = threadCount();
  // m·batch rows: a batch sharing one B may run as one taller product (sizes saturate long before 2^31).
  const packBytes = (rows: number, cols: number) =>
    align64(exports.matmul_f32_pack_bytes(Math.min(rows, 0x7fffffff), cols, k));
  const serial = () =>
    exports.matmul_f32(a, b, c, bias, m, n, k, flags, batch, sA, sB, sC, scratch(packBytes(m * batch, n)));
  if (threads < 2 || batch * m * n * k < 2 * MATMUL_MIN_MACS_PER_CHUNK) return void serial();
  // One B shared by a stack of contiguous A and C matrices is one taller product (as the kernel does).
  if (batch > 1 && sB === 0 && (flags & 1) === 0 && sA === m * k && sC === m * n) {
    m *= batch;
    batch = 1;
  }
  const byRows = m > n;
  const len = byRows ? m : n;
  const maxChunks = Math.floor((m * n * k) / MATMUL_MIN_MACS_PER_CHUNK);
  if (batch === 1 && !byRows && !exports.matmul_f32_swaps(m, n) && m * k <= MATMUL_MAX_LEFT_FLOATS) {
    // Cuts every 16 columns: 64 bytes, so in an aligned output with rows a multiple of 16
    // floats (the allocator aligns large blocks) no line is written by two threads.
    const split = chunkBounds(n, 16, threads, maxChunks);
    if (split.length > 0) {
      // matmul_f32_range_cols: each thread packs op(A) once into its share (and sets the
      // share's header) on its first chunk, and keeps it for every chunk it runs, so the
      // columns are cut in chunkBounds' 3:1 runs with no packing repeated per chunk.
      const share = align64(exports.matmul_f32_cols_bytes(m, Math.max(...widths(split)), k));
      const shares = scratchShares(pool!);
      const pack = scratch(share * shares);
      const heap = heapView(pool!);
      for (let t = 0; t < shares; t++) heap[(pack + t * share) >>> 2] = 0;
      const form = new Form().fixedAll([a, b, c, bias, m, n, k, flags]).perThread(pack, share).start().end();
      return void runChunks('matmul_f32_range_cols', split, form);
    }
  }
  let split = chunkBounds(len, 8, threads, maxChunks);
  // Two chunks per thread split the rows 3:1 (see chunkBounds); the small ones must stay large.
  if (Math.min(...widths(split)) < MATMUL_MIN_ROWS_PER_SMALL_CHUNK)
    split = chunkBounds(len, 8, threads, Math.min(threads, maxChunks));
  if (split.length > 0) {
    const widest = Math.max(...widths(split));
    const share = byRows ? packBytes(widest, n) : packBytes(m, widest);
    const pack = scratch(share * scratchShares(pool!));
    for (let t = 0; t < batch; t++) {
      const form = new Form()
        .fixedAll([a + 4 * t * sA, b + 4 * t * sB, c + 4 * t * sC, bias, m, n, k, flags])
        .perThread(pack, share);
      if (byRows) form.start().end().fixed(0).fixed(n);
      else form.fixed(0).fixed(m).start().end();
      runChunks('matmul_f32_range', split, form);
    }
    return;
  }
  const perBatch = chunkBounds(
    batch,
    1,
    threads,
    Math.floor((batch * m * n * k) / MATMUL_MIN_MACS_PER_CHUNK),
  );
  if (perBatch.length > 0) {
    const widest = Math.max(...widths(perBatch));
    const share = packBytes(m * widest, n);
    const pack = scratch(share * scratchShares(pool!));
    const form = new Form()
      .advancing(a, 4 * sA)
      .advancing(b, 4 * sB)
      .advancing(c, 4 * sC)
      .fixedAll([bias, m, n, k, flags])
      .count() // matrices in the chunk
      .fixedAll([sA, sB, sC])
      .perThread(pack, share);
    runChunks('matmul_f32', perBatch, form);
    return;
  }
  serial();
}

/**
 * Runs unary_f32(code, x, out, n, alpha), unary_backward_f32(code, x, y, dy, dx, n, alpha) or
 * binary_same_f32(code, a, b, out, n) over contiguous chunks (starting at multiples of 16
 * elements, so every chunk but the last runs only the SIMD body, as the whole call would) when
 * n is large and threads are running. Returns false, having run nothing, when the call should
 * stay on this thread.
 */
export function parallelElementwise(
  name: 'unary_f32' | 'unary_backward_f32' | 'binary_same_f32',
  code: number,
  pointers: number[],
  n: number,
  alpha?: number,
): boolean {
  if (n < 2 * ELEMENTWISE_MIN_PER_CHUNK || threadCount() < 2) return false;
  const bounds = chunkBounds(n, 16, threadCount(), Math.floor(n / ELEMENTWISE_MIN_PER_CHUNK));
  if (bounds.length === 0) return false;
  const form = new Form().fixed(code);
  for (const ptr of pointers) form.optional(ptr, 4);
  form.count();
  if (alpha !== undefined) form.fixed(alpha);
  runChunks(name, bounds, form);
  return true;
}

/** The conv2d kernels a call can be split into; see runConv. */
export type ConvKernel = 'conv2d_f32' | 'conv2d_backward_input_f32' | 'conv2d_backward_weight_range_f32';

/**
 * Runs one conv2d pass, split over the pool when it is large enough. `geometry` is
 * [n, cIn, h, w, cOut, kh, kw, sh, sw, ph, pw]; `macs` its multiply-adds. `split()` (asked only
 * when the pass is worth splitting) gives the unit and rows: with unit > 0 (the forward pass and
 * the input gradient) chunks are whole images, in multiples of `unit`, and `perImage` says how many bytes
 * each pointer advances per image (0: the same for every chunk). With unit < 0 (the weight
 * gradient) chunks are ranges of its `rows` in multiples of -unit, passed as two trailing
 * arguments, each thread reading the whole batch. `scratchBytes(count)` is the scratch of a
 * call over `count` images; `alloc`/`free` lend it, one share per thread that may take a
 * chunk. Returns false, having run nothing, when the call should run on this thread alone.
 */
export function runConv(
  name: ConvKernel,
  pointers: number[],
  perImage: number[],
  geometry: number[],
  macs: number,
  split: () => { unit: number; rows: number },
  scratchBytes: (count: number) => number,
  alloc: (bytes: number) => number,
  free: (ptr: number) => void,
): boolean {
  const threads = threadCount();
  if (threads < 2 || macs < 2 * MATMUL_MIN_MACS_PER_CHUNK) return false;
  const { unit, rows } = split();
  const n = geometry[0];
  const byRows = unit < 0;
  const bounds = chunkBounds(
    byRows ? rows : n,
    Math.abs(unit),
    threads,
    Math.floor(macs / MATMUL_MIN_MACS_PER_CHUNK),
  );
  if (bounds.length === 0) return false;
  const widest = Math.max(...widths(bounds));
  const share = align64(scratchBytes(byRows ? n : widest));
  const scratch = alloc(share * scratchShares(pool!));
  try {
    const form = new Form();
    for (let i = 0; i < pointers.length; i++) form.advancing(pointers[i], perImage[i]);
    if (byRows) form.fixed(n);
    else form.count();
    for (let i = 1; i < geometry.length; i++) form.fixed(geometry[i]);
    form.perThread(scratch, share);
    if (byRows) form.start().end();
    runChunks(name, bounds, form);
  } finally {
    free(scratch);
  }
  return true;
}

/** Kernels over independent items (pooling planes) that runItems can split. */
export type ItemKernel =
  | 'maxpool2d_f32'
  | 'maxpool2d_backward_f32'
  | 'avgpool2d_f32'
  | 'avgpool2d_backward_f32';

/**
 * Runs kernel(...pointers, count, ...rest) over `items` independent items, split over the pool
 * in chunks of whole items when there is enough work (`elementsPerItem` each, measured as for
 * elementwise ops). Pointer i advances by perItem[i] bytes per item. Each item is computed by
 * the same instructions whichever chunk it lands in, so the bits never depend on the split.
 * Returns false, having run nothing, when the call should stay on this thread.
 */
export function runItems(
  name: ItemKernel,
  pointers: number[],
  perItem: number[],
  items: number,
  rest: number[],
  elementsPerItem: number,
): boolean {
  const work = items * elementsPerItem;
  if (threadCount() < 2 || work < 2 * ELEMENTWISE_MIN_PER_CHUNK) return false;
  const bounds = chunkBounds(items, 1, threadCount(), Math.floor(work / ELEMENTWISE_MIN_PER_CHUNK));
  if (bounds.length === 0) return false;
  const form = new Form();
  for (let i = 0; i < pointers.length; i++) form.advancing(pointers[i], perItem[i]);
  runChunks(name, bounds, form.count().fixedAll(rest));
  return true;
}

/**
 * Runs an optimizer update over contiguous chunks of its n parameters (starting at multiples
 * of 16, so every chunk but the last runs only the SIMD body, as the whole call would) when n
 * is large and threads are running; a pointer of 0 (an unused buffer) stays 0. Returns false,
 * having run nothing, when the call should stay on this thread.
 */
export function parallelUpdate(
  name: UpdateKernel,
  pointers: number[],
  n: number,
  scalars: number[],
): boolean {
  if (n < 2 * UPDATE_MIN_PER_CHUNK || threadCount() < 2) return false;
  const bounds = chunkBounds(n, 16, threadCount(), Math.floor(n / UPDATE_MIN_PER_CHUNK));
  if (bounds.length === 0) return false;
  const form = new Form();
  for (const ptr of pointers) form.optional(ptr, 4);
  runChunks(name, bounds, form.count().fixedAll(scalars));
  return true;
}
