// Timing. mitata rather than tinybench: its `measure()` is a bare measurement primitive
// (it returns per-call percentiles and leaves the loop around it to us, which interleaving
// peers needs), and it batches sub-microsecond calls into one timed sample so a 1-element
// add is not swamped by timer overhead, which tinybench's one-call-per-sample loop is.
// Each `measure()` has a fixed cost (it preallocates a 2^20-entry sample array, ~0.1 s on a
// VM where fresh pages fault slowly), so there are a few rounds of at least `minMs` each
// rather than many short ones.
//
// Method: every peer is warmed up first (JIT tiers, jax-js's jit compile, TF.js kernel
// setup); then `reps` rounds each time every peer once, in an order rotated per round, so
// drift of a shared machine lands on all peers alike. A round's figure is mitata's median
// per-call time (a call of half a second or more is simply timed once per round); the cell
// reports the median of the rounds with their min and max.
import { measure } from 'mitata';
import type { Stat } from './report.js';

export interface TimingOptions {
  reps: number;
  /** Minimum measured time per round and peer, ms. */
  minMs: number;
  /** Warm-up per peer before the rounds: at least this many ms and `warmupCalls` calls. */
  warmupMs: number;
  warmupCalls: number;
  /**
   * Untimed calls for this long (ms) before each round: the other peers' rounds leave a core
   * idle (every peer but asgrad-<n>t runs on one), and an idle core takes a while to come back
   * up to speed.
   */
  rewarmMs: number;
}

export const QUICK: TimingOptions = { reps: 3, minMs: 10, warmupMs: 10, warmupCalls: 1, rewarmMs: 0 };
export const FULL: TimingOptions = { reps: 5, minMs: 150, warmupMs: 200, warmupCalls: 3, rewarmMs: 50 };

/** Seconds one `performance.now()` costs here (a VM's clock can be slow). */
function clockCost(): number {
  const n = 20_000;
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sink += performance.now();
  return sink > 0 ? (performance.now() - t0) / 1e3 / n : 0;
}

/**
 * Calls shorter than this (seconds) are timed in batches that last about this long, so the
 * two clock reads around a sample stay under ~1% of it.
 */
export const SAMPLE_SECONDS = Math.max(100e-6, 200 * clockCost());

/** Calls per timed sample for a call of `perCall` seconds (mitata unrolls by 4). */
export function batchSize(perCall: number): number {
  if (perCall >= SAMPLE_SECONDS) return 1;
  return 4 * Math.ceil(SAMPLE_SECONDS / Math.max(perCall, 1e-9) / 4);
}

/** A prepared benchmark body: inputs are in place, `run` does one call of the operation. */
export interface Timed {
  peer: string;
  run: () => unknown;
  /**
   * For a peer in another process that times itself: one round of at least `minMs` after
   * `rewarmMs` of untimed calls, resolving to its median seconds per call. Used instead of
   * timing `run` here.
   */
  measureRound?: (minMs: number, rewarmMs: number) => Promise<number>;
  /** Called before each of this peer's rounds (e.g. to make its TF.js backend current). */
  enter?: () => Promise<void>;
}

export type Outcome = { ok: true; seconds: Stat; reps: number } | { ok: false; error: string };

/** Median, min and max of a non-empty list. */
export function summarize(xs: readonly number[]): Stat {
  if (xs.length === 0) throw new Error('summarize: no values');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1] };
}

export function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].slice(0, 200);
}

/**
 * Calls at least this long (seconds) are timed one call per round without mitata: the clock
 * is irrelevant at that length, and mitata's unmeasured first call would double the cost.
 */
const LONG_CALL = 0.5;

async function timeOnce(run: () => unknown): Promise<number> {
  const t0 = performance.now();
  await run();
  return (performance.now() - t0) / 1e3;
}

async function warmup(t: Timed, opts: TimingOptions): Promise<number> {
  await t.enter?.();
  if (t.measureRound) return t.measureRound(opts.warmupMs, 0);
  const start = performance.now();
  let calls = 0;
  let last = 0;
  while (calls < opts.warmupCalls || performance.now() - start < opts.warmupMs) {
    last = await timeOnce(t.run);
    calls++;
    // One call longer than the whole warm-up budget has warmed up enough.
    if (last * 1e3 > opts.warmupMs) break;
  }
  return last;
}

/** Untimed calls for `ms`. */
async function rewarm(run: () => unknown, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const r = run();
    if (r instanceof Promise) await r;
  }
}

/** mitata's median seconds per call over at least `minMs`, calls batched `batch` to a sample. */
async function timeRound(run: () => unknown, batch: number, minMs: number): Promise<number> {
  const stats = await measure(run, {
    gc: false,
    // Samples are taken until minMs have been measured; a call slower than that is one sample.
    min_cpu_time: minMs * 1e6,
    min_samples: 1,
    // mitata turns batching on in its own one-sample warm-up when that call is under
    // batch_threshold; short calls get a batch sized from the warm-up estimate.
    warmup_samples: batch > 1 ? 1 : 0,
    batch_threshold: SAMPLE_SECONDS * 1e9,
    batch_samples: Math.max(4, batch),
  });
  return stats.p50 / 1e9;
}

/**
 * One round as timeInterleaved times it, for a peer that times itself in another process
 * (Timed.measureRound): a call to size the batch, `rewarmMs` of untimed calls, then the round;
 * a call of 0.5 s or more is the round. Seconds per call.
 */
export async function selfTimedRound(run: () => unknown, minMs: number, rewarmMs: number): Promise<number> {
  const perCall = await timeOnce(run);
  if (perCall >= LONG_CALL) return perCall;
  await rewarm(run, rewarmMs);
  return timeRound(run, batchSize(perCall), minMs);
}

/** Times every entry, interleaved; an entry that throws is reported with its error, not dropped. */
export async function timeInterleaved(entries: Timed[], opts: TimingOptions): Promise<Map<string, Outcome>> {
  const out = new Map<string, Outcome>();
  const live: { t: Timed; rounds: number[]; batch: number; long: boolean }[] = [];
  for (const t of entries) {
    try {
      const perCall = await warmup(t, opts);
      live.push({ t, rounds: [], batch: batchSize(perCall), long: perCall >= LONG_CALL });
    } catch (e) {
      out.set(t.peer, { ok: false, error: errorText(e) });
    }
  }
  for (let r = 0; r < opts.reps; r++) {
    for (let i = 0; i < live.length; i++) {
      const e = live[(i + r) % live.length];
      if (out.has(e.t.peer)) continue;
      try {
        await e.t.enter?.();
        if (e.t.measureRound) {
          e.rounds.push(await e.t.measureRound(opts.minMs, opts.rewarmMs));
          continue;
        }
        if (e.long) {
          e.rounds.push(await timeOnce(e.t.run));
          continue;
        }
        await rewarm(e.t.run, opts.rewarmMs);
        e.rounds.push(await timeRound(e.t.run, e.batch, opts.minMs));
      } catch (err) {
        out.set(e.t.peer, { ok: false, error: errorText(err) });
      }
    }
  }
  for (const e of live) {
    if (!out.has(e.t.peer))
      out.set(e.t.peer, { ok: true, seconds: summarize(e.rounds), reps: e.rounds.length });
  }
  return out;
}
