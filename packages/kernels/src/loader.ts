// Picks and instantiates the kernel binary: relaxed-SIMD when the runtime validates it,
// SIMD128 otherwise; on a shared memory (the threaded builds) where SharedArrayBuffer is
// available, so the thread pool can run kernels on the same memory. The binaries are
// embedded (build/wasm.js), so loading needs no file access, fetch or bundler configuration.
import * as binaries from '../build/wasm.js';
import { Allocator } from './memory.js';
import { CONTROL_BYTES, initThreads, threadCount, threadNotes } from './threads.js';

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
  let bytes = decode(threaded ? binaries.simd128Mt : binaries.simd128);
  if (forced !== 'simd128') {
    const relaxed = decode(threaded ? binaries.relaxedMt : binaries.relaxed);
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
  const module = await WebAssembly.compile(bytes);
  const memory = threaded ? shared : new WebAssembly.Memory({ initial: INITIAL_PAGES });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const exports = instance.exports as unknown as Record<string, Kernel>;
  // Static data, then the scratch area, then the threads' control block, then the heap.
  const scratch = (exports.heap_base() + 15) & ~15;
  const control = scratch + SCRATCH_BYTES;
  const heap = new Allocator(memory, control + (threaded ? CONTROL_BYTES : 0));
  heap.debug = env('ASGRAD_DEBUG') === '1';
  await initThreads(module, memory, exports, control, threaded ? undefined : shared);
  loaded = {
    exports,
    heap,
    scratch,
    module,
    info: { simd, threads: 1, sharedMemory: threaded, wasmBytes: bytes.length, notes },
  };
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
  return { ...info, threads: threadCount(), notes: [...info.notes, ...threadNotes()] };
}

/** Writes small integer arguments (shapes, strides) into the scratch area and returns its pointer. */
export function writeScratch(values: ArrayLike<number>): number {
  const { heap, scratch } = state();
  if (values.length * 4 > SCRATCH_BYTES)
    throw new Error(`kernels: ${values.length} scratch integers exceed the scratch area`);
  heap.i32().set(values, scratch >>> 2);
  return scratch;
}
