// Random numbers from Philox4x32-10, a counter-based generator: the seed is the key, and the
// position in the stream is the counter, so a checkpoint is just (seed, position) and any part of
// the stream can be computed independently (by any thread) with identical results.
import { checkCount, checkElems } from './check.js';
import { wasm } from './loader.js';

const U32 = 0x1_0000_0000;
/** Positions are counted in 32-bit words; numbers stay exact up to here. */
const MAX_POSITION = Number.MAX_SAFE_INTEGER;

/** A {@link Philox} generator's position, plain JSON for checkpoints. */
export interface PhiloxState {
  /** The 64-bit seed as a decimal string (JSON has no bigint). */
  seed: string;
  /** 128-bit counters fully consumed. */
  offset: number;
  /** 32-bit words already used from the next counter (0..3). */
  lane: number;
}

/**
 * A Philox4x32-10 generator (Random123, as in PyTorch and cuRAND). The 64-bit seed is the key
 * (low word first); stream word q is word q mod 4 of the block for counter floor(q/4).
 * Every output element uses one word of the stream, so generating n values and then m gives the
 * same numbers as generating n + m at once, for every distribution.
 *
 * @example
 * ```ts
 * const gen = new Philox(42);
 * uniform(gen, out, 1000);        // words 0..999
 * const saved = gen.state();      // { seed: '42', offset: 250, lane: 0 }
 * normal(gen, out, 10);
 * gen.setState(saved);
 * normal(gen, out, 10);           // the same ten numbers again
 * ```
 */
export class Philox {
  /** The 64-bit key; a negative or wider seed is taken modulo 2^64. */
  readonly seed: bigint;
  private position = 0;

  constructor(seed: number | bigint) {
    this.seed = toSeed(seed);
  }

  /** 128-bit counters fully consumed. Assigning it moves to the start of that counter. */
  get offset(): number {
    return Math.floor(this.position / 4);
  }

  set offset(value: number) {
    if (!Number.isSafeInteger(value) || value < 0 || value * 4 > MAX_POSITION)
      throw new Error(`Philox: offset must be an integer in [0, 2^51), got ${value}`);
    this.position = value * 4;
  }

  /** Words already used from the counter at `offset` (0..3). */
  get lane(): number {
    return this.position % 4;
  }

  state(): PhiloxState {
    return { seed: this.seed.toString(), offset: this.offset, lane: this.lane };
  }

  /** Restores a {@link state}; the seed must match this generator's. */
  setState(state: PhiloxState): void {
    if (toSeed(BigInt(state.seed)) !== this.seed)
      throw new Error(
        `Philox.setState: state is for seed ${state.seed}, this generator has seed ${this.seed}`,
      );
    if (!Number.isInteger(state.lane) || state.lane < 0 || state.lane > 3)
      throw new Error(`Philox.setState: lane must be 0..3, got ${state.lane}`);
    this.offset = state.offset;
    this.position += state.lane;
  }

  /**
   * Reserves n words and returns the kernel arguments for them: key (k0, k1), start counter
   * (c0, c1, 0, 0) and the first word within it. For kernel wrappers; users call the
   * distributions instead.
   * @internal
   */
  take(n: number): [number, number, number, number, number, number, number] {
    const start = this.position;
    if (start + n > MAX_POSITION) throw new Error(`Philox: stream exhausted (position ${start} + ${n})`);
    this.position = start + n;
    const ctr = Math.floor(start / 4);
    const k0 = Number(this.seed & 0xffffffffn);
    const k1 = Number(this.seed >> 32n);
    return [k0, k1, ctr % U32, Math.floor(ctr / U32), 0, 0, start % 4];
  }
}

function toSeed(seed: number | bigint): bigint {
  if (typeof seed === 'number' && !Number.isSafeInteger(seed))
    throw new Error(`Philox: seed must be a safe integer or a bigint, got ${seed}`);
  if (typeof seed !== 'number' && typeof seed !== 'bigint')
    throw new Error(`Philox: seed must be a number or a bigint, got ${typeof seed}`);
  return BigInt.asUintN(64, BigInt(seed));
}

function checkGen(op: string, gen: Philox): void {
  if (!(gen instanceof Philox)) throw new Error(`${op}: gen must be a Philox generator`);
}

function checkProbability(op: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new Error(`${op}: p must be in [0, 1], got ${p}`);
}

/** The largest float32 strictly below the float32 `x` (x finite, not the most negative). */
function f32Below(x: number): number {
  const f = new Float32Array([x]);
  const bits = new Int32Array(f.buffer);
  if (f[0] === 0) return -(2 ** -149);
  bits[0] += f[0] > 0 ? -1 : 1;
  return f[0];
}

/**
 * The raw 32-bit words of the stream (written as i32; read them with `>>> 0` for unsigned).
 * Useful for integer draws such as shuffling.
 */
export function philoxU32(gen: Philox, out: number, n: number): void {
  checkGen('philoxU32', gen);
  checkCount('philoxU32', 'n', n);
  checkElems('philoxU32', 'out', out, n);
  if (n === 0) return;
  wasm().philox_u32(out, n, ...gen.take(n));
}

/**
 * Fills `out` with n float32 uniform on [low, high): the top 24 bits of each word scaled to
 * [0, 1), then low + u * (high - low), capped below high.
 */
export function uniform(gen: Philox, out: number, n: number, low = 0, high = 1): void {
  checkGen('uniform', gen);
  checkCount('uniform', 'n', n);
  const lo = Math.fround(low);
  const hi = Math.fround(high);
  const range = Math.fround(hi - lo);
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi && Number.isFinite(range)))
    throw new Error(`uniform: need finite float32 bounds with low < high, got [${low}, ${high})`);
  checkElems('uniform', 'out', out, n);
  if (n === 0) return;
  wasm().philox_uniform_f32(out, n, ...gen.take(n), lo, range, f32Below(hi));
}

/**
 * Fills `out` with n float32 from N(mean, std^2) by the Box-Muller transform: stream words
 * (2j, 2j+1) give the pair (r cos θ, r sin θ) with r = sqrt(-2 ln u1), θ = 2π u2, computed in
 * float64 from the full 32-bit words.
 */
export function normal(gen: Philox, out: number, n: number, mean = 0, std = 1): void {
  checkGen('normal', gen);
  checkCount('normal', 'n', n);
  if (!Number.isFinite(mean) || !(std >= 0) || !Number.isFinite(std))
    throw new Error(`normal: need a finite mean and a finite std >= 0, got mean ${mean}, std ${std}`);
  checkElems('normal', 'out', out, n);
  if (n === 0) return;
  wasm().philox_normal_f32(out, n, ...gen.take(n), mean, std);
}

/** Probability p as a 24-bit threshold on the top bits of a word (exact at multiples of 2^-24). */
function threshold(p: number): number {
  return Math.round(p * 2 ** 24);
}

/**
 * Fills `out` with an inverted-dropout mask: 0 with probability p, else 1/(1-p), so that
 * `x * mask` keeps the expected value of x. p = 1 gives all zeros.
 */
export function dropoutMask(gen: Philox, out: number, n: number, p: number): void {
  checkGen('dropoutMask', gen);
  checkCount('dropoutMask', 'n', n);
  checkProbability('dropoutMask', p);
  checkElems('dropoutMask', 'out', out, n);
  if (n === 0) return;
  wasm().philox_threshold_f32(out, n, ...gen.take(n), threshold(p), 0, p < 1 ? 1 / (1 - p) : 0);
}

/** Fills `out` with n Bernoulli(p) draws as float32 1 (probability p) or 0. */
export function bernoulli(gen: Philox, out: number, n: number, p: number): void {
  checkGen('bernoulli', gen);
  checkCount('bernoulli', 'n', n);
  checkProbability('bernoulli', p);
  checkElems('bernoulli', 'out', out, n);
  if (n === 0) return;
  wasm().philox_threshold_f32(out, n, ...gen.take(n), threshold(p), 1, 0);
}
