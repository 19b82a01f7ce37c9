// The one allocator for all tensor memory. Blocks are 16-byte aligned so every SIMD
// load is aligned, freed blocks go to per-size-class free lists and are reused, and the
// memory grows on demand. Views over the memory are re-created after growth because
// growing detaches (or, for shared memory, outgrows) the old ArrayBuffer.

const ALIGN = 16;
const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB: the wasm32 limit

/** Accounting of the kernel heap. */
export interface HeapStats {
  /** Bytes in live (allocated, not yet freed) blocks, after rounding to the block's size class. */
  bytesLive: number;
  /** Highest `bytesLive` seen since load (or since `resetPeak()`). */
  peak: number;
  /** Number of live blocks. */
  blocks: number;
  /** Bytes in freed blocks waiting for reuse. */
  bytesFree: number;
  /** Size of the wasm linear memory in bytes. */
  heapBytes: number;
}

/** Rounds a request to its size class: multiples of 16 up to 256, then 8 classes per power of two. */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return Math.max(ALIGN, (bytes + ALIGN - 1) & ~(ALIGN - 1));
  const pow = 2 ** Math.floor(Math.log2(bytes - 1));
  const step = pow / 8;
  return Math.ceil(bytes / step) * step;
}

export class Allocator {
  private readonly live = new Map<number, number>();
  private readonly freeLists = new Map<number, number[]>();
  private top: number;
  private bytesLive = 0;
  private bytesFree = 0;
  private peak = 0;
  private buffer: ArrayBuffer | SharedArrayBuffer;
  private f32View: Float32Array;
  private i32View: Int32Array;
  private u8View: Uint8Array;
  /** In debug mode freed blocks are poisoned with NaN and never reused, so a read of freed memory shows. */
  debug = false;

  constructor(
    readonly memory: WebAssembly.Memory,
    base: number,
  ) {
    this.top = align(base);
    this.buffer = memory.buffer;
    this.f32View = new Float32Array(this.buffer);
    this.i32View = new Int32Array(this.buffer);
    this.u8View = new Uint8Array(this.buffer);
  }

  /** Returns a 16-byte aligned block of at least `bytes` bytes. */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0)
      throw new Error(`alloc: size must be a non-negative integer, got ${bytes}`);
    const size = sizeClass(bytes);
    const list = this.freeLists.get(size);
    let ptr = list?.pop();
    if (ptr === undefined) {
      ptr = this.top;
      this.ensure(ptr + size);
      this.top = ptr + size;
    } else {
      this.bytesFree -= size;
    }
    this.live.set(ptr, size);
    this.bytesLive += size;
    if (this.bytesLive > this.peak) this.peak = this.bytesLive;
    return ptr;
  }

  /** Returns a block to its free list. Freeing a pointer that is not live throws (double free). */
  free(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined)
      throw new Error(`free: pointer ${ptr} is not a live block (double free or foreign pointer)`);
    this.live.delete(ptr);
    this.bytesLive -= size;
    if (this.debug) {
      this.f32().fill(Number.NaN, ptr >>> 2, (ptr + size) >>> 2);
      return; // quarantined: never handed out again
    }
    this.bytesFree += size;
    let list = this.freeLists.get(size);
    if (!list) {
      list = [];
      this.freeLists.set(size, list);
    }
    list.push(ptr);
  }

  /** Whether `ptr` is the start of a live block. */
  isLive(ptr: number): boolean {
    return this.live.has(ptr);
  }

  /** Size in bytes of the live block at `ptr` (its size class), or throws. */
  sizeOf(ptr: number): number {
    const size = this.live.get(ptr);
    if (size === undefined) throw new Error(`pointer ${ptr} is not a live block (freed or never allocated)`);
    return size;
  }

  stats(): HeapStats {
    return {
      bytesLive: this.bytesLive,
      peak: this.peak,
      blocks: this.live.size,
      bytesFree: this.bytesFree,
      heapBytes: this.memory.buffer.byteLength,
    };
  }

  resetPeak(): void {
    this.peak = this.bytesLive;
  }

  /** A Float32Array over the whole heap, valid until the next allocation. */
  f32(): Float32Array {
    if (this.buffer !== this.memory.buffer) this.refresh();
    return this.f32View;
  }

  i32(): Int32Array {
    if (this.buffer !== this.memory.buffer) this.refresh();
    return this.i32View;
  }

  u8(): Uint8Array {
    if (this.buffer !== this.memory.buffer) this.refresh();
    return this.u8View;
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // Grow by at least half the current size so a growing workload re-maps rarely.
    const needPages = Math.ceil((end - have) / PAGE);
    const pages = Math.min(Math.max(needPages, Math.ceil(have / PAGE / 2)), MAX_PAGES - have / PAGE);
    if (pages < needPages) {
      throw new Error(`alloc: out of memory: need ${end} bytes, the 4 GiB wasm32 limit is reached`);
    }
    this.memory.grow(pages);
    this.refresh();
  }

  private refresh(): void {
    this.buffer = this.memory.buffer;
    this.f32View = new Float32Array(this.buffer);
    this.i32View = new Int32Array(this.buffer);
    this.u8View = new Uint8Array(this.buffer);
  }
}

function align(n: number): number {
  return (n + ALIGN - 1) & ~(ALIGN - 1);
}
