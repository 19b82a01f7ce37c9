// Picks and instantiates the kernel binary: relaxed-SIMD when the runtime validates it,
// SIMD128 otherwise; on a shared memory (the threaded builds) where SharedArrayBuffer is
// available, so the thread pool can run kernels on the same memory. The binaries are
// embedded (build/wasm.js), so loading needs no file access, fetch or bundler configuration.
import * as binaries from '../build/wasm.js';
import { Allocator } from './memory.js';
import {
  CONTROL_BYTES,
  enterSolo,
  initThreads,
  inSolo,
  leaveSolo,
  threadCount,
  threadNotes,
} from './threads.js';

/** A kernel export: pointers and sizes in, nothing returned (a few return a scalar). */
export type Kernel = (...args: number[]) => number;

/** Which kernel build is running. */
export interface KernelInfo {
  /** `relaxed`: f32x4.relaxed_madd (FMA); `simd128`: plain SIMD128. */
  simd: 'relaxed' | 'simd128' | 'scalar';
  /** Threads kernels are split over (1 = the calling thread only). */
  threads: number;
  /** Whether the memory is a shared WebAssembly.Memory (a precondition for threads). */
  sharedMemory: boolean;
  /** Size in bytes of the running binary. */
  wasmBytes: number;
  /** Why a faster configuration is not in use, if one is not. */
  notes: string[];
}

interface Loaded {
  exports: Record<string, Kernel>;
  heap: Allocator;
  scratch: number;
  info: KernelInfo;
  module: WebAssembly.Module;
}

/** Bytes reserved below the heap for passing shapes and strides to kernels. */
export const SCRATCH_BYTES = 4096;
const INITIAL_PAGES = 256; // 16 MiB
const MAX_PAGES = 65536; // 4 GiB, the maximum the threaded builds declare

let loaded: Loaded | undefined;
let loading: Promise<void> | undefined;

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

function env(name: string): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return p?.env?.[name] || undefined; // set but empty counts as unset
}

/** A shared memory for the threaded builds, or why there is none. */
function sharedMemory(): WebAssembly.Memory | string {
  if (env('ASGRAD_SHARED_MEMORY') === '0') return 'shared memory disabled by ASGRAD_SHARED_MEMORY=0';
  if (
    typeof SharedArrayBuffer !== 'function' ||
    (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false
  )
    return 'SharedArrayBuffer is unavailable (a browser page needs cross-origin isolation: COOP same-origin and COEP require-corp)';
  try {
    return new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
  } catch (e) {
    return `a shared WebAssembly.Memory could not be created (${e})`;
  }
}

/** The embedded binary of `simd`, threaded (imports a shared memory) or not. */
function binary(simd: 'relaxed' | 'simd128', threaded: boolean): Uint8Array<ArrayBuffer> {
  if (simd === 'relaxed') return decode(threaded ? binaries.relaxedMt : binaries.relaxed);
  return decode(threaded ? binaries.simd128Mt : binaries.simd128);
}

/**
 * Instantiates a binary on `shared` (the threaded binaries) or, where there is no shared memory
 * (`shared` says why), on a private one. Memory layout: static data, then the scratch area, then
 * the threads' control block, then the heap.
 */
async function instantiate(
  bytes: Uint8Array<ArrayBuffer>,
  shared: WebAssembly.Memory | string,
): Promise<{
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  exports: Record<string, Kernel>;
  scratch: number;
  heap: Allocator;
}> {
  const threaded = typeof shared !== 'string';
  const memory = threaded ? shared : new WebAssembly.Memory({ initial: INITIAL_PAGES });
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const exports = instance.exports as unknown as Record<string, Kernel>;
  const scratch = (exports.heap_base() + 15) & ~15;
  const heap = new Allocator(memory, scratch + SCRATCH_BYTES + (threaded ? CONTROL_BYTES : 0));
  heap.debug = env('ASGRAD_DEBUG') === '1';
  return { module, memory, exports, scratch, heap };
}

async function load(): Promise<void> {
  const notes: string[] = [];
  if (typeof WebAssembly !== 'object')
    throw new Error('asgrad: WebAssembly is not available in this runtime');
  const forced = env('ASGRAD_SIMD');
  if (forced !== undefined && forced !== 'relaxed' && forced !== 'simd128') {
    throw new Error(`asgrad: ASGRAD_SIMD must be 'relaxed' or 'simd128', got '${forced}'`);
  }
  const shared = sharedMemory();
  const threaded = typeof shared !== 'string';
  let simd: 'relaxed' | 'simd128' = 'simd128';
  let bytes = binary('simd128', threaded);
  if (forced !== 'simd128') {
    const relaxed = binary('relaxed', threaded);
    if (WebAssembly.validate(relaxed)) {
      simd = 'relaxed';
      bytes = relaxed;
    } else {
      if (forced === 'relaxed')
        throw new Error('asgrad: ASGRAD_SIMD=relaxed but this runtime rejects relaxed-SIMD');
      notes.push(
        'relaxed-SIMD not supported by this runtime (Node >= 22 or --experimental-wasm-relaxed-simd)',
      );
    }
  } else {
    notes.push('SIMD128 build forced by ASGRAD_SIMD');
  }
  if (!WebAssembly.validate(bytes))
    throw new Error('asgrad: this runtime does not support WebAssembly SIMD128');
  const { module, memory, exports, scratch, heap } = await instantiate(bytes, shared);
  await initThreads(module, memory, exports, scratch + SCRATCH_BYTES, threaded ? undefined : shared);
  loaded = {
    exports,
    heap,
    scratch,
    module,
    info: { simd, threads: 1, sharedMemory: threaded, wasmBytes: bytes.length, notes },
  };
}

/**
 * A kernel binary instantiated beside the one `ready()` loaded, on a memory of its own, by
 * {@link loadBuild}; kernels run on it inside {@link withBuild}.
 */
export interface KernelBuild {
  /** Which binary it is; `threads` is always 1. */
  readonly info: KernelInfo;
}

/** The state behind a KernelBuild, out of its public type. */
const builds = new WeakMap<KernelBuild, Loaded>();

/**
 * Instantiates the `simd` build of the kernels on a new memory of its own, beside the build
 * `ready()` loaded, so both can be timed or compared in one process on the same thread (the
 * benchmarks compare relaxed-SIMD with SIMD128 this way). It is the threaded binary where
 * shared memory is available, as `ready()` would pick, but it has no worker threads: kernels
 * run on it on the calling thread only. Rejects when the runtime does not validate the build
 * (relaxed-SIMD on Node 20 needs `--experimental-wasm-relaxed-simd`).
 *
 * @example
 * ```ts
 * const other = await loadBuild('simd128');
 * withBuild(other, () => {
 *   const h = heap(); // the other build's allocator: its own memory
 *   const x = h.alloc(16);
 *   h.free(x);
 * });
 * ```
 */
export async function loadBuild(simd: 'relaxed' | 'simd128'): Promise<KernelBuild> {
  if (simd !== 'relaxed' && simd !== 'simd128')
    throw new Error(`loadBuild: simd must be 'relaxed' or 'simd128', got ${JSON.stringify(simd)}`);
  const shared = sharedMemory();
  const threaded = typeof shared !== 'string';
  const bytes = binary(simd, threaded);
  if (!WebAssembly.validate(bytes))
    throw new Error(
      simd === 'relaxed'
        ? 'loadBuild: this runtime rejects relaxed-SIMD (Node >= 22, or --experimental-wasm-relaxed-simd on Node 20)'
        : 'loadBuild: this runtime does not support WebAssembly SIMD128',
    );
  const { module, exports, scratch, heap } = await instantiate(bytes, shared);
  const notes = ['loaded by loadBuild beside the main build: runs on the calling thread only'];
  const info: KernelInfo = { simd, threads: 1, sharedMemory: threaded, wasmBytes: bytes.length, notes };
  // The public copy: kernelInfo() inside withBuild reads the private one.
  const build: KernelBuild = Object.freeze({ info: { ...info, notes: [...notes] } });
  builds.set(build, { exports, heap, scratch, module, info });
  return build;
}

/**
 * Runs `body` with every kernel function, `heap()`, `wasm()` and `kernelInfo()` of this package
 * on `build` instead of the loaded build, on the calling thread alone, and returns what it
 * returns. `body` must be synchronous: the switch ends when it returns. Pointers belong to one
 * build's memory: a block of one heap means nothing to the other's kernels.
 */
export function withBuild<T>(build: KernelBuild, body: () => T): T {
  const target = builds.get(build);
  if (!target) throw new Error('withBuild: build must be a KernelBuild returned by loadBuild');
  const saved = loaded;
  loaded = target;
  enterSolo();
  try {
    const result = body();
    if (result instanceof Promise)
      throw new Error('withBuild: body must be synchronous (it returned a Promise)');
    return result;
  } finally {
    leaveSolo();
    loaded = saved;
  }
}

/** Loads the kernels once; later calls return the same promise. */
export function ready(): Promise<void> {
  loading ??= load();
  return loading;
}

function state(): Loaded {
  if (!loaded) throw new Error('asgrad: kernels are not loaded yet: `await ready()` first');
  return loaded;
}

/** The raw kernel exports. Callers validate arguments first (see check.ts). */
export function wasm(): Record<string, Kernel> {
  return state().exports;
}

/** The allocator that owns all kernel memory. */
export function heap(): Allocator {
  return state().heap;
}

/** Which build is running and with how many threads. */
export function kernelInfo(): KernelInfo {
  const { info } = state();
  const pool = inSolo() ? [] : threadNotes(); // the pool's notes are the loaded build's
  return { ...info, threads: threadCount(), notes: [...info.notes, ...pool] };
}

/** Writes small integer arguments (shapes, strides) into the scratch area and returns its pointer. */
export function writeScratch(values: ArrayLike<number>): number {
  const { heap, scratch } = state();
  if (values.length * 4 > SCRATCH_BYTES)
    throw new Error(`kernels: ${values.length} scratch integers exceed the scratch area`);
  heap.i32().set(values, scratch >>> 2);
  return scratch;
}
