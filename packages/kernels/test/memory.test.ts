import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Allocator, heap, ready, sizeClass } from '../src/index.js';

beforeAll(() => ready());

describe('sizeClass', () => {
  it('is 16-aligned, never smaller than the request, and wastes at most 1/8 above 256', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 << 30 }), (n) => {
        const s = sizeClass(n);
        expect(s % 16).toBe(0);
        expect(s).toBeGreaterThanOrEqual(n);
        if (n > 256) expect(s).toBeLessThanOrEqual(n * 1.125 + 16);
      }),
    );
  });
});

describe('Allocator', () => {
  it('survives a random alloc/free workload with growth: aligned, disjoint, contents intact', () => {
    const mem = new WebAssembly.Memory({ initial: 1 });
    const a = new Allocator(mem, 64);
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.boolean(),
            fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 200_000 })),
          ),
          {
            minLength: 1,
            maxLength: 120,
          },
        ),
        (ops) => {
          const live: { ptr: number; n: number; tag: number }[] = [];
          let tag = 1;
          for (const [doAlloc, bytes] of ops) {
            if (doAlloc || live.length === 0) {
              const ptr = a.alloc(bytes);
              expect(ptr % 16).toBe(0);
              // Over 256 bytes a block starts a cache line (threads split large tensors at lines).
              if (sizeClass(bytes) > 256) expect(ptr % 64, `${bytes} bytes`).toBe(0);
              a.u8().fill(tag & 255, ptr, ptr + bytes);
              live.push({ ptr, n: bytes, tag: tag & 255 });
              tag++;
            } else {
              const b = live.splice(bytes % live.length, 1)[0];
              a.free(b.ptr);
            }
          }
          // Every live block still holds its own tag: no overlap, nothing lost to growth.
          const u8 = a.u8();
          for (const b of live) {
            expect(u8.subarray(b.ptr, b.ptr + b.n).every((v) => v === b.tag)).toBe(true);
          }
          for (const b of live) a.free(b.ptr);
          expect(a.stats().bytesLive).toBe(0);
          expect(a.stats().blocks).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
    expect(mem.buffer.byteLength).toBeGreaterThan(65536);
  });

  it('reuses a freed block of the same size class', () => {
    const a = new Allocator(new WebAssembly.Memory({ initial: 1 }), 0);
    const p = a.alloc(1000);
    a.free(p);
    expect(a.alloc(990)).toBe(p);
  });

  it('accounts live bytes, blocks and peak', () => {
    const a = new Allocator(new WebAssembly.Memory({ initial: 1 }), 0);
    const p = a.alloc(100);
    const q = a.alloc(300);
    expect(a.stats()).toMatchObject({ bytesLive: 112 + 320, blocks: 2, peak: 432 });
    a.free(p);
    expect(a.stats()).toMatchObject({ bytesLive: 320, blocks: 1, peak: 432, bytesFree: 112 });
    a.free(q);
  });

  it('rejects a double free and a bad size with a clear error', () => {
    const a = new Allocator(new WebAssembly.Memory({ initial: 1 }), 0);
    const p = a.alloc(64);
    a.free(p);
    expect(() => a.free(p)).toThrow(/not a live block/);
    expect(() => a.alloc(-1)).toThrow(/non-negative integer/);
    expect(() => a.alloc(1.5)).toThrow(/non-negative integer/);
  });

  it('in debug mode poisons freed memory and never reuses it', () => {
    const a = new Allocator(new WebAssembly.Memory({ initial: 1 }), 0);
    a.debug = true;
    const p = a.alloc(64);
    a.f32().fill(1, p / 4, p / 4 + 16);
    a.free(p);
    expect(Number.isNaN(a.f32()[p / 4])).toBe(true);
    expect(a.alloc(64)).not.toBe(p);
  });

  it('the shared heap views stay valid after the memory grows', () => {
    const h = heap();
    const p = h.alloc(16);
    h.f32().set([1, 2, 3, 4], p / 4);
    const big = h.alloc(64 << 20);
    expect(Array.from(h.f32().subarray(p / 4, p / 4 + 4))).toEqual([1, 2, 3, 4]);
    h.free(big);
    h.free(p);
  });
});
