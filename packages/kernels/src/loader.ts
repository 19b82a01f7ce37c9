// Picks and instantiates the kernel binary: relaxed-SIMD when the runtime validates it,
// SIMD128 otherwise. The binaries are embedded (build/wasm.js), so loading needs no file
// access, fetch or bundler configuration.
import * as binaries from '../build/wasm.js';
import { Allocator } from './memory.js';

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
  return p?.env?.[name];
}

async function load(): Promise<void> {
  const notes: string[] = [];
  if (typeof WebAssembly !== 'object')
    throw new Error('asgrad: WebAssembly is not available in this runtime');
  const forced = env('ASGRAD_SIMD');
  if (forced !== undefined && forced !== 'relaxed' && forced !== 'simd128') {
    throw new Error(`asgrad: ASGRAD_SIMD must be 'relaxed' or 'simd128', got '${forced}'`);
  }
  let simd: 'relaxed' | 'simd128' = 'simd128';
  let bytes = decode(binaries.simd128);
  if (forced !== 'simd128') {
    const relaxed = decode(binaries.relaxed);
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
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const exports = instance.exports as unknown as Record<string, Kernel>;
  const scratch = (exports.heap_base() + 15) & ~15;
  const heap = new Allocator(memory, scratch + SCRATCH_BYTES);
  heap.debug = env('ASGRAD_DEBUG') === '1';
  loaded = {
    exports,
    heap,
    scratch,
    module,
    info: { simd, threads: 1, sharedMemory: false, wasmBytes: bytes.length, notes },
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
  return { ...info, notes: [...info.notes] };
}

/** Writes small integer arguments (shapes, strides) into the scratch area and returns its pointer. */
export function writeScratch(values: ArrayLike<number>): number {
  const { heap, scratch } = state();
  if (values.length * 4 > SCRATCH_BYTES)
    throw new Error(`kernels: ${values.length} scratch integers exceed the scratch area`);
  heap.i32().set(values, scratch >>> 2);
  return scratch;
}
