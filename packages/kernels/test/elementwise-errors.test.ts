// Bad arguments throw an Error naming the op and the problem, before any kernel runs: the
// output block still holds its sentinel afterwards.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  affine,
  binary,
  castF32ToI32,
  clamp,
  clampBackward,
  copy32,
  fillF32,
  fillI32,
  powScalar,
  ready,
  stridedCopy32,
  type UnaryOp,
  unary,
  unaryBackward,
} from '../src/index.js';
import { f32Block, free, outBlock, readF32 } from './elementwise-helpers.js';

beforeAll(() => ready());

let blocks: number[] = [];
function block(n: number): number {
  const p = outBlock(n);
  blocks.push(p);
  return p;
}
afterEach(() => {
  free(...blocks);
  blocks = [];
});

/** Asserts fn throws `message` and leaves `out`'s n elements untouched. */
function rejects(fn: () => void, message: RegExp, out?: number, n = 4): void {
  expect(fn).toThrow(message);
  if (out !== undefined) expect(Array.from(readF32(out, n))).toEqual(new Array(n).fill(-12345));
}

describe('counts and block sizes', () => {
  it('fills, copies and casts check n against every block', () => {
    const small = block(4);
    const big = block(16);
    rejects(() => fillF32(small, 5, 0), /fillF32: out needs 20 bytes but its block holds 16/, small);
    rejects(() => fillF32(small, -1, 0), /fillF32: n must be a non-negative integer, got -1/, small);
    rejects(() => fillF32(small, 2.5, 0), /fillF32: n must be a non-negative integer, got 2.5/, small);
    rejects(() => fillI32(small, 4, 1.5), /fillI32: value 1.5 is not a 32-bit integer/, small);
    rejects(() => fillI32(small, 4, 2 ** 31), /fillI32: value 2147483648 is not a 32-bit integer/, small);
    rejects(() => copy32(small, big, 8), /copy32: src needs 32 bytes but its block holds 16/, big, 16);
    rejects(() => castF32ToI32(big, small, 8), /castF32ToI32: dst needs 32 bytes/, small);
  });

  it('rejects pointers that are not live blocks', () => {
    const out = block(4);
    const gone = f32Block([1, 2, 3, 4]);
    free(gone);
    rejects(() => unary('exp', gone, out, 4), /exp: x \(pointer \d+\) is not a live block/, out);
    rejects(() => affine(out + 4, out, 1, 1, 0), /affine: x \(pointer \d+\) is not a live block/, out);
  });

  it('unary / unaryBackward check the op, alpha and only the inputs the rule reads', () => {
    const x = block(4);
    const out = block(4);
    rejects(
      () => unary('cube' as UnaryOp, x, out, 4),
      /unary: unknown op 'cube' \(expected one of neg, exp/,
      out,
    );
    rejects(() => unary('tanh', x, out, 8), /tanh: x needs 32 bytes but its block holds 16/, out);
    rejects(() => unary('leakyRelu', x, out, 4, Number.NaN), /leakyRelu: alpha must be a finite number/, out);
    rejects(
      () => unaryBackward('exp', x, 0, x, out, 4),
      /expBackward: y \(pointer 0\) is not a live block/,
      out,
    );
    rejects(
      () => unaryBackward('log', 0, x, x, out, 4),
      /logBackward: x \(pointer 0\) is not a live block/,
      out,
    );
    rejects(() => unaryBackward('relu', x, 0, x, out, 5), /reluBackward: x needs 20 bytes/, out);
    rejects(
      () => unaryBackward('neg', 0, 0, x, out, 4.5),
      /negBackward: n must be a non-negative integer/,
      out,
    );
    rejects(() => unaryBackward('sign', 0, 0, 0, out, 5), /signBackward: dx needs 20 bytes/, out);
  });

  it('affine, powScalar, clamp and clampBackward check blocks and bounds', () => {
    const x = block(4);
    const wide = block(8);
    const out = block(2); // 16 bytes: the smallest block
    rejects(() => affine(wide, out, 5, 2, 1), /affine: out needs 20 bytes but its block holds 16/, out);
    rejects(() => powScalar(x, out, 5, 2), /powScalar: x needs 20 bytes/, out);
    rejects(() => clamp(x, x, 4, Number.NaN, 1), /clamp: bounds must not be NaN, got \[NaN, 1\]/, x);
    rejects(() => clampBackward(x, x, out, 5, 0, 1), /clampBackward: x needs 20 bytes/, out);
  });
});

describe('binary', () => {
  it('checks op, rank, stride lists and sizes', () => {
    const a = block(6);
    const b = block(3);
    const out = block(6);
    rejects(() => binary('mod' as 'add', a, [3, 1], b, [0, 1], out, [2, 3]), /binary: unknown op 'mod'/, out);
    rejects(
      () => binary('add', a, [0, 0, 0, 0, 0, 0, 0], b, [0, 0, 0, 0, 0, 0, 0], out, [1, 1, 1, 1, 1, 1, 1]),
      /add: outShape \[1,1,1,1,1,1,1\] has rank 7, more than 6/,
      out,
    );
    rejects(
      () => binary('add', a, [1], b, [0, 1], out, [2, 3]),
      /add: aStrides \[1\] must have one stride per axis of shape \[2,3\] \(2\)/,
      out,
    );
    rejects(
      () => binary('mul', a, [3, 1], b, [0, 0.5], out, [2, 3]),
      /mul: bStrides \[0,0.5\] has a stride/,
      out,
    );
    rejects(
      () => binary('mul', a, [3, 1], b, [0, 1], out, [2, -3]),
      /mul: outShape \[2,-3\] has a size/,
      out,
    );
  });

  it('computes the highest element a strided operand reads and checks it fits', () => {
    const a = block(6);
    const b = block(3);
    const out = block(6);
    // b read as [2,3] contiguous would need 6 elements, its block holds 4 (16 bytes).
    rejects(
      () => binary('sub', a, [3, 1], b, [3, 1], out, [2, 3]),
      /sub: b needs 24 bytes but its block holds 16/,
      out,
    );
    // a (6 elements, a 32-byte block) read with strides [1, 6] reaches element 2·1 + 1·6 = 8.
    rejects(
      () => binary('sub', a, [1, 6], b, [0, 1], out, [3, 2]),
      /sub: a needs 36 bytes but its block holds 32/,
      out,
    );
    rejects(
      () => binary('sub', a, [-1, 1], b, [0, 1], out, [2, 3]),
      /sub: a with shape \[2,3\].* reads element -1/,
      out,
    );
    const small = block(2);
    rejects(
      () => binary('add', a, [3, 1], b, [0, 1], small, [2, 3]),
      /add: out needs 24 bytes but its block holds 16/,
    );
  });

  it('refuses to write over an operand it still reads', () => {
    const a = block(6);
    const b = block(3);
    rejects(
      () => binary('add', a, [0, 1], b, [0, 1], a, [2, 3]),
      /add: out is the same block as a, whose strides \[0,1\] are not contiguous for \[2,3\]/,
    );
  });
});

describe('stridedCopy32', () => {
  it('checks rank, strides, offset and the range of elements read', () => {
    const src = block(8);
    const dst = block(8);
    rejects(
      () => stridedCopy32(src, 0, dst, [1, 1, 1, 1, 1, 1, 2], [0, 0, 0, 0, 0, 0, 1]),
      /rank 7, more than 6/,
      dst,
      8,
    );
    rejects(
      () => stridedCopy32(src, 0, dst, [2, 2], [1]),
      /srcStrides \[1\] must have one stride per axis/,
      dst,
      8,
    );
    rejects(
      () => stridedCopy32(src, -1, dst, [2], [1]),
      /stridedCopy32: srcOffset must be a non-negative integer/,
      dst,
      8,
    );
    rejects(
      () => stridedCopy32(src, 4, dst, [2, 3], [3, 1]),
      /stridedCopy32: src needs 40 bytes but its block holds 32/,
      dst,
      8,
    );
    rejects(
      () => stridedCopy32(src, 1, dst, [3], [-1]),
      /src with shape \[3\], strides \[-1\] and offset 1 reads element -1/,
      dst,
      8,
    );
    rejects(() => stridedCopy32(src, 0, dst, [3, 3], [0, 1]), /stridedCopy32: dst needs 36 bytes/, dst, 8);
    rejects(() => stridedCopy32(src, 0, src, [2], [1]), /dst must be a different block from src/);
    expect(() => stridedCopy32(src, 7, dst, [4], [0])).not.toThrow();
  });
});
