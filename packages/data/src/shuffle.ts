// Seeded shuffling for the data pipeline. The generator is xoshiro128** (Blackman & Vigna,
// https://prng.di.unimi.it/xoshiro128starstar.c): 128 bits of state, 32-bit outputs, only
// 32-bit integer arithmetic, so it is exact and fast in JavaScript. Its state is filled from
// (seed, stream) by the lowbias32 integer hash (C. Wellons, hash-prospector), so stream k of a
// seed -- the DataLoader uses the epoch number -- is an unrelated sequence for every k.

const TWO_32 = 2 ** 32;

/** lowbias32: a bijective 32-bit mixer with low bias; the same input always gives the same output. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

function checkSeed(seed: number, caller: string): void {
  if (!Number.isSafeInteger(seed)) throw new Error(`${caller}: seed must be a safe integer, got ${seed}`);
}

/**
 * The xoshiro128** generator. Construct it from raw state words, or with {@link Xoshiro128.fromSeed}.
 *
 * @example
 * ```ts
 * const rng = Xoshiro128.fromSeed(42, 0);
 * rng.nextUint32(); // an integer in [0, 2^32)
 * rng.below(10);    // an unbiased integer in [0, 10)
 * ```
 */
export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(s0: number, s1: number, s2: number, s3: number) {
    if ((s0 | s1 | s2 | s3) === 0) throw new Error('Xoshiro128: the state must not be all zero');
    this.s0 = s0 | 0;
    this.s1 = s1 | 0;
    this.s2 = s2 | 0;
    this.s3 = s3 | 0;
  }

  /**
   * A generator for stream `stream` of `seed` (both safe integers; the data loader passes the
   * epoch as the stream). Equal arguments give equal sequences on every platform.
   */
  static fromSeed(seed: number, stream = 0): Xoshiro128 {
    checkSeed(seed, 'Xoshiro128.fromSeed');
    checkSeed(stream, 'Xoshiro128.fromSeed');
    let key = mix32((seed >>> 0) ^ 0x243f6a88);
    key = mix32(key ^ Math.floor(seed / TWO_32));
    key = mix32(key ^ (stream >>> 0));
    key = mix32(key ^ Math.floor(stream / TWO_32));
    // mix32 is a bijection, so at most one of the four words can be zero.
    const word = (i: number) => mix32((key + Math.imul(i + 1, 0x9e3779b9)) >>> 0);
    return new Xoshiro128(word(0), word(1), word(2), word(3));
  }

  /** The next output, an integer in [0, 2^32). */
  nextUint32(): number {
    const s1 = this.s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** An unbiased integer in [0, n) for 1 <= n <= 2^32, by rejecting the top partial range. */
  below(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_32) {
      throw new Error(`Xoshiro128.below: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = TWO_32 - (TWO_32 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }
}

/**
 * A uniformly random permutation of 0..n-1 (Fisher–Yates driven by {@link Xoshiro128}),
 * fully determined by `(seed, stream)`.
 *
 * @example
 * ```ts
 * permutation(5, 42, 0); // e.g. Int32Array [3, 0, 4, 1, 2], the same on every run
 * permutation(5, 42, 1); // the order for the next epoch
 * ```
 */
export function permutation(n: number, seed: number, stream = 0): Int32Array {
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) {
    throw new Error(`permutation: n must be an integer in [0, 2^31), got ${n}`);
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  const rng = Xoshiro128.fromSeed(seed, stream);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
