// The one allocator for all tensor memory. Blocks are 16-byte aligned so every SIMD
// load is aligned, and blocks over 256 bytes start a cache line (64 bytes) so that threads
// splitting a tensor at line-aligned offsets never write the same line. Freed blocks go to
// per-size-class free lists and are reused, and the
// memory grows on demand. Views over the memory are re-created after growth because
// growing detaches (or, for shared memory, outgrows) the old ArrayBuffer.

const ALIGN = 16;
/**
 * Alignment of blocks over 256 bytes. A matmul split by columns between two threads writes
 * every row of its output on both sides of the cut; with the output 32 bytes off a line, the
 * line across the cut went back and forth between the cores, and [128x784]·[784x128]ᵀ on 2
 * threads ran 5-12% slower than into an aligned output (interleaved in one process).
 */
const LINE = 64;
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

/** Every size class up to 4 GiB, ascending; a block's class index is stored in one byte. */
const CLASS_SIZES: number[] = [];
for (let b = 16; b <= 2 ** 32; ) {
  CLASS_SIZES.push(b);
  b = sizeClass(b + 1);
}
const CLASS_INDEX = new Map(CLASS_SIZES.map((s, i) => [s, i + 1]));

export class Allocator {
  // One byte per 16-byte unit of the heap: 0 = no live block starts here, else its class index.
  // (A Map keyed by pointer degrades badly under the set/delete churn of a training loop.)
  private owner = new Uint8Array(0);
  private readonly freeLists: number[][] = CLASS_SIZES.map(() => []);
  private top: number;
  private bytesLive = 0;
  private bytesFree = 0;
  private blocks = 0;
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
    this.owner = new Uint8Array(this.buffer.byteLength >>> 4);
  }

  /** Returns a block of at least `bytes` bytes: 16-byte aligned, 64-byte aligned over 256 bytes. */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0)
      throw new Error(`alloc: size must be a non-negative integer, got ${bytes}`);
    const size = sizeClass(bytes);
    const cls = CLASS_INDEX.get(size)!;
    let ptr = this.freeLists[cls - 1].pop();
    if (ptr === undefined) {
      ptr = size > 256 ? Math.ceil(this.top / LINE) * LINE : this.top; // arithmetic: top may pass 2^31
      this.ensure(ptr + size);
      this.top = ptr + size;
    } else {
      this.bytesFree -= size;
    }
    this.owner[ptr >>> 4] = cls;
    this.blocks++;
    this.bytesLive += size;
    if (this.bytesLive > this.peak) this.peak = this.bytesLive;
    return ptr;
  }

  /** Returns a block to its free list. Freeing a pointer that is not live throws (double free). */
  free(ptr: number): void {
    const cls = this.classOf(ptr);
    if (cls === 0)
      throw new Error(`free: pointer ${ptr} is not a live block (double free or foreign pointer)`);
    const size = CLASS_SIZES[cls - 1];
    this.owner[ptr >>> 4] = 0;
    this.blocks--;
    this.bytesLive -= size;
    if (this.debug) {
      this.f32().fill(Number.NaN, ptr >>> 2, (ptr + size) >>> 2);
      return; // quarantined: never handed out again
    }
    this.bytesFree += size;
    this.freeLists[cls - 1].push(ptr);
  }

  private classOf(ptr: number): number {
    if (!Number.isInteger(ptr) || ptr < 0 || (ptr & 15) !== 0 || ptr >= this.top) return 0;
    return this.owner[ptr >>> 4];
  }

  /** Whether `ptr` is the start of a live block. */
  isLive(ptr: number): boolean {
    return this.classOf(ptr) !== 0;
  }

  /** Size in bytes of the live block at `ptr` (its size class), or throws. */
  sizeOf(ptr: number): number {
    const cls = this.classOf(ptr);
    if (cls === 0) throw new Error(`pointer ${ptr} is not a live block (freed or never allocated)`);
    return CLASS_SIZES[cls - 1];
  }

  stats(): HeapStats {
    return {
      bytesLive: this.bytesLive,
      peak: this.peak,
      blocks: this.blocks,
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
    const units = this.buffer.byteLength >>> 4;
    if (units > this.owner.length) {
      const grown = new Uint8Array(units);
      grown.set(this.owner);
      this.owner = grown;
    }
  }
}

function align(n: number): number {
  return (n + ALIGN - 1) & ~(ALIGN - 1);
}
