// binary: every op on every path (contiguous, scalar, broadcast, strided), against a plain-JS
// float64 reference, plus a property test over random broadcast shapes.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { BINARY_OPS, type BinaryOp, binary, ready, wasm } from '../src/index.js';
import { f32Block, free, outBlock, readF32, SIZES, ulpError, uniform } from './elementwise-helpers.js';

beforeAll(() => ready());

const fr = Math.fround;

/** The float64 result of one op, before rounding to f32. */
function ref(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case 'add':
      return a + b;
    case 'sub':
      return a - b;
    case 'mul':
      return a * b;
    case 'div':
      return a / b;
    case 'pow': // C99 powf, which differs from ** at 1^NaN and (-1)^±inf
      return a === 1 || (a === -1 && !Number.isFinite(b) && !Number.isNaN(b)) ? 1 : a ** b;
    case 'maximum':
      return Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b);
    case 'minimum':
      return Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.min(a, b);
    case 'gt':
      return a > b ? 1 : 0;
    case 'ge':
      return a >= b ? 1 : 0;
    case 'lt':
      return a < b ? 1 : 0;
    case 'le':
      return a <= b ? 1 : 0;
    case 'eq':
      return a === b ? 1 : 0;
  }
}

/** Whether the kernel's value is the reference: correctly rounded, pow within 3 ulp. */
function agrees(op: BinaryOp, got: number, want: number): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (op === 'pow') return ulpError(got, want) <= 3;
  return got === fr(want);
}

/** Plain-JS broadcasting: out[i] = op(a[offset_a(i)], b[offset_b(i)]) over row-major shape. */
function refBroadcast(
  op: BinaryOp,
  as: ArrayLike<number>,
  aStrides: number[],
  bs: ArrayLike<number>,
  bStrides: number[],
  shape: number[],
): number[] {
  const n = shape.reduce((p, s) => p * s, 1);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let rest = i;
    let oa = 0;
    let ob = 0;
    for (let d = shape.length - 1; d >= 0; d--) {
      const idx = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
      oa += idx * aStrides[d];
      ob += idx * bStrides[d];
    }
    out.push(ref(op, as[oa], bs[ob]));
  }
  return out;
}

/** Runs binary on fresh blocks and returns out. */
function run(
  op: BinaryOp,
  as: ArrayLike<number>,
  aStrides: number[],
  bs: ArrayLike<number>,
  bStrides: number[],
  shape: number[],
): Float32Array {
  const n = shape.reduce((p, s) => p * s, 1);
  const a = f32Block(as);
  const b = f32Block(bs);
  const out = outBlock(n + 3);
  binary(op, a, aStrides, b, bStrides, out, shape);
  const got = readF32(out, n + 3);
  free(a, b, out);
  expect(Array.from(got.subarray(n)), 'nothing written past out').toEqual([-12345, -12345, -12345]);
  return got.subarray(0, n);
}

/** Data in a range where every op is defined: pow gets positive bases. */
function data(op: BinaryOp, n: number, seed: number, which: 'a' | 'b'): Float32Array {
  if (op === 'pow') return which === 'a' ? uniform(n, 0.1, 4, seed) : uniform(n, -4, 4, seed);
  // Rounded to a coarse grid so that comparisons and max/min also meet equal values.
  return uniform(n, -4, 4, seed).map((v) => Math.round(v * 4) / 4 + (seed % 2) * 0.001 * v);
}

function check(
  op: BinaryOp,
  as: ArrayLike<number>,
  aStrides: number[],
  bs: ArrayLike<number>,
  bStrides: number[],
  shape: number[],
): void {
  const got = run(op, as, aStrides, bs, bStrides, shape);
  const want = refBroadcast(op, as, aStrides, bs, bStrides, shape);
  for (let i = 0; i < want.length; i++) {
    if (!agrees(op, got[i], want[i])) {
      expect.fail(`${op} [${shape}] a[${aStrides}] b[${bStrides}]: out[${i}] = ${got[i]}, want ${want[i]}`);
    }
  }
}

it('op codes match the kernel constants', () => {
  const exported = wasm() as unknown as Record<string, WebAssembly.Global | undefined>;
  BINARY_OPS.forEach((op, code) => {
    expect(exported[`BINARY_${op.toUpperCase()}`]?.value, op).toBe(code);
  });
});

describe('binary', () => {
  for (const op of BINARY_OPS) {
    it(`${op}: contiguous, same shape, sizes ${SIZES.join(', ')}`, () => {
      for (const n of SIZES) check(op, data(op, n, n, 'a'), [1], data(op, n, n + 1, 'b'), [1], [n]);
    });

    it(`${op}: one operand a scalar (stride 0 everywhere)`, () => {
      for (const n of SIZES) {
        check(op, data(op, n, n, 'a'), [1], data(op, 1, 7, 'b'), [0], [n]);
        check(op, data(op, 1, 8, 'a'), [0, 0], data(op, n, n, 'b'), [n, 1], [1, n]);
      }
      check(op, data(op, 1, 3, 'a'), [0, 0], data(op, 1, 4, 'b'), [0, 0], [3, 5]);
    });

    it(`${op}: size-1 broadcast axes (row, column, outer product)`, () => {
      for (const [r, c] of [
        [3, 5],
        [4, 17],
        [5, 1],
        [33, 4],
        [7, 33],
      ]) {
        const m = data(op, r * c, r + c, 'a');
        check(op, m, [c, 1], data(op, c, 2, 'b'), [0, 1], [r, c]); // [r,c] (op) [c]
        check(op, data(op, r, 3, 'a'), [1, 0], m, [c, 1], [r, c]); // [r,1] (op) [r,c]
        check(op, data(op, r, 4, 'a'), [1, 0], data(op, c, 5, 'b'), [0, 1], [r, c]); // [r,1] (op) [1,c]
      }
    });

    it(`${op}: non-contiguous operands (transposed, every other element)`, () => {
      for (const [r, c] of [
        [3, 5],
        [4, 4],
        [9, 17],
      ]) {
        const t = data(op, r * c, 11, 'a'); // stored [c, r]: read transposed
        const wide = data(op, r * c * 2, 12, 'b'); // [r, 2c]: read every other column
        check(op, t, [1, r], wide, [2 * c, 2], [r, c]);
        check(op, wide, [2 * c, 2], t, [1, r], [r, c]);
        check(op, t, [1, r], data(op, c, 13, 'b'), [0, 1], [r, c]);
      }
    });
  }

  it('handles rank 6 with mixed broadcast and strides', () => {
    const shape = [2, 3, 1, 4, 2, 5];
    const aStrides = [0, 40, 0, 10, 5, 1]; // a is [1,3,1,4,2,5] contiguous
    const bStrides = [1, 0, 0, 2, 8, 0]; // b is a [2,4,2] in some scrambled order
    for (const op of BINARY_OPS)
      check(op, data(op, 120, 1, 'a'), aStrides, data(op, 16, 2, 'b'), bStrides, shape);
  });

  it('writes nothing for an empty shape and one element for rank 0', () => {
    const a = f32Block([2]);
    const b = f32Block([3]);
    const out = outBlock(1);
    binary('mul', a, [0, 0], b, [0, 0], out, [4, 0]);
    expect(readF32(out, 1)[0]).toBe(-12345);
    binary('mul', a, [], b, [], out, []);
    expect(readF32(out, 1)[0]).toBe(6);
    free(a, b, out);
  });

  it('runs in place when out is a contiguous operand', () => {
    const as = data('mul', 17, 1, 'a');
    const bs = data('mul', 17, 2, 'b');
    const a = f32Block(as);
    const b = f32Block(bs);
    binary('mul', a, [1], b, [1], a, [17]);
    expect(Array.from(readF32(a, 17))).toEqual(Array.from(as, (v, i) => fr(v * bs[i])));
    free(a, b);
  });

  it('propagates NaN through arithmetic and max/min, and compares NaN as false', () => {
    const nan = Number.NaN;
    for (const op of BINARY_OPS) {
      const got = run(op, [nan, 1, nan, 2, 2], [1], [1, nan, nan, 2, 3], [1], [5]);
      for (let i = 0; i < 5; i++) {
        const want = ref(op, [nan, 1, nan, 2, 2][i], [1, nan, nan, 2, 3][i]);
        expect(agrees(op, got[i], want), `${op} lane ${i}: ${got[i]} vs ${want}`).toBe(true);
      }
    }
  });
});

describe('binary property: random broadcast shapes up to rank 4', () => {
  // An operand's shape: out's, right-aligned, with some axes set to 1 and maybe fewer leading
  // axes; it is stored contiguously, optionally with its axes permuted in memory.
  const operand = (rank: number) =>
    fc.record({
      dropLeading: fc.integer({ min: 0, max: rank }),
      ones: fc.array(fc.boolean(), { minLength: rank, maxLength: rank }),
      perm: fc.shuffledSubarray([0, 1, 2, 3].slice(0, rank), { minLength: rank, maxLength: rank }),
    });
  const arb = fc.integer({ min: 0, max: 4 }).chain((rank) =>
    fc.record({
      shape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: rank, maxLength: rank }),
      a: operand(rank),
      b: operand(rank),
      op: fc.constantFrom(...BINARY_OPS),
      seed: fc.integer({ min: 1, max: 1 << 30 }),
    }),
  );

  /** The operand's own shape, its element strides broadcast to out's shape, and its size. */
  function layout(shape: number[], o: { dropLeading: number; ones: boolean[]; perm: number[] }) {
    const own = shape.map((s, d) => (d < o.dropLeading || o.ones[d] ? 1 : s));
    // Memory order: axes in `perm` order, outermost first.
    const strides = new Array<number>(shape.length).fill(0);
    let step = 1;
    for (let j = o.perm.length - 1; j >= 0; j--) {
      const d = o.perm[j];
      strides[d] = own[d] === 1 ? 0 : step;
      step *= own[d];
    }
    return { strides, size: step };
  }

  it('matches the JS reference', () => {
    fc.assert(
      fc.property(arb, ({ shape, a, b, op, seed }) => {
        const la = layout(shape, a);
        const lb = layout(shape, b);
        check(
          op,
          data(op, la.size, seed, 'a'),
          la.strides,
          data(op, lb.size, seed + 1, 'b'),
          lb.strides,
          shape,
        );
      }),
      { numRuns: 300, seed: 20240607 },
    );
  });
});
