// Paired timing: two bodies in alternating short slices, one ratio per pair of neighbouring
// slices. This VM has slow stretches of seconds; separate rounds of 150 ms can fall one in a slow
// stretch and the other not, while a pair of ~10 ms slices is slowed (nearly) alike. (mitata,
// which times the rotation rounds in ../harness.ts, measures one body per call; the alternation
// is what is needed here, and a slice is a plain loop between two clock reads.)
import { summarize } from './harness.js';
import type { Cell } from './report.js';

/** Seconds per call over `calls` calls. */
function slice(run: () => unknown, calls: number): number {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) run();
  return (performance.now() - t0) / 1e3 / calls;
}

const quantile = (sorted: number[], q: number) => sorted[Math.round(q * (sorted.length - 1))];
const fmt = (x: number) => `${x.toFixed(3)}×`;

/** Table cells of per-pair ratios: median, quartiles, range. */
export function ratioCells(ratios: number[]): string[] {
  const r = [...ratios].sort((x, y) => x - y);
  return [
    fmt(quantile(r, 0.5)),
    `${fmt(quantile(r, 0.25))}–${fmt(quantile(r, 0.75))}`,
    `${fmt(r[0])}–${fmt(r[r.length - 1])}`,
  ];
}

/** A report cell of one side's per-call seconds over `pairs` slices, with a mismatch if any. */
export const pairedCell = (peer: string, seconds: number[], pairs: number, mismatch?: string): Cell => ({
  peer,
  status: 'ok',
  seconds: summarize(seconds),
  reps: pairs,
  ...(mismatch ? { mismatch } : {}),
});

/** Untimed set-up before each slice of a side (e.g. the thread count it runs on). */
export interface PairedEnter {
  own?: () => void;
  other?: () => void;
}

/**
 * Times `own` and `other` in `pairs` pairs of slices (AB, then BA, …), each slice about `sliceMs`
 * long after warming both for `warmupMs`; `enter` runs before every slice (and warm-up call) of
 * its side, outside the timing. Returns each body's per-call seconds and, per pair, own's
 * seconds / other's (other's speed / own's).
 */
export function timePaired(
  own: () => unknown,
  other: () => unknown,
  pairs: number,
  sliceMs: number,
  warmupMs: number,
  enter: PairedEnter = {},
): { own: number[]; other: number[]; ratios: number[] } {
  const sides = { own: [own, enter.own], other: [other, enter.other] } as const;
  const timeSide = (side: keyof typeof sides, calls: number) => {
    const [run, before] = sides[side];
    before?.();
    return slice(run, calls);
  };
  let perCall = 0;
  const until = performance.now() + warmupMs;
  do perCall = Math.max(timeSide('own', 1), timeSide('other', 1));
  while (performance.now() < until);
  const calls = Math.max(1, Math.round(sliceMs / 1e3 / perCall));
  const times = { own: [] as number[], other: [] as number[], ratios: [] as number[] };
  for (let p = 0; p < pairs; p++) {
    const [first, second] = p % 2 === 0 ? (['own', 'other'] as const) : (['other', 'own'] as const);
    const a = timeSide(first, calls);
    const b = timeSide(second, calls);
    const [o, t] = p % 2 === 0 ? [a, b] : [b, a];
    times.own.push(o);
    times.other.push(t);
    times.ratios.push(o / t);
  }
  return times;
}
