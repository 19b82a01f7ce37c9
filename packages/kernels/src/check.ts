// Argument checks that run before any kernel, so a bad size is a clear Error and never
// an out-of-bounds write into someone else's block.
import { heap } from './loader.js';

/** Throws unless `n` is a non-negative integer. */
export function checkCount(op: string, name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${op}: ${name} must be a non-negative integer, got ${n}`);
}

/** Throws unless `ptr` is a live block with room for `bytes` bytes. */
export function checkBlock(op: string, name: string, ptr: number, bytes: number): void {
  const h = heap();
  if (!h.isLive(ptr))
    throw new Error(`${op}: ${name} (pointer ${ptr}) is not a live block (freed or never allocated)`);
  const size = h.sizeOf(ptr);
  if (bytes > size) throw new Error(`${op}: ${name} needs ${bytes} bytes but its block holds ${size}`);
}

/** Checks a block of `n` f32/i32 elements. */
export function checkElems(op: string, name: string, ptr: number, n: number): void {
  checkBlock(op, name, ptr, n * 4);
}
