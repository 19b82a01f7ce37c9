// One case (or a few) across all peers: prepare each (or say why not), check that their
// outputs agree, time them interleaved, release everything. Shared by every suite that
// compares peers.
import { type KernelInfo, kernelInfo } from '@asgrad/kernels';
import { errorText, type Timed, timeInterleaved } from '../harness.js';
import type { Peer, Prepared } from '../peers/types.js';
import { relativeError } from '../random.js';
import type { Cell } from '../report.js';
import type { BenchContext } from './types.js';

/** The peer named `name`, loaded; a suite that cannot run without it says so. */
export function needPeer(suite: string, peers: Peer[], name: string): Peer {
  const peer = peers.find((p) => p.name === name);
  if (!peer || peer.loadError)
    throw new Error(`${suite}: needs ${name} (${peer?.loadError ?? 'not loaded'})`);
  return peer;
}

/** A peer's preparation for a case, or the reason it sits this case out. */
export type Plan = { prepare: () => Promise<Prepared> } | { skip: string };

/**
 * Runs one case. `plan(peer)` says how each peer takes part. Outputs are compared with the
 * `reference` peer's (or the first peer that produced one) and a relative error above
 * `tolerance` marks the cell as a mismatch. Returns a cell per peer, in `peers` order.
 */
export async function runCase(
  ctx: BenchContext,
  peers: Peer[],
  plan: (p: Peer) => Plan,
  reference: string,
  tolerance: number,
): Promise<Cell[]> {
  return (await runCases(ctx, peers, [plan], reference, tolerance))[0];
}

/**
 * Runs several cases as runCase does, but times all their cells in one interleaved rotation,
 * so cells of different cases are measured over the same stretch of time: a ratio between
 * them (asgrad's A·Bᵀ against TF.js's A·B on the same shape) then does not depend on the
 * machine's state when each case happened to run. Returns the cells of each case in order.
 */
export async function runCases(
  ctx: BenchContext,
  peers: Peer[],
  plans: ((p: Peer) => Plan)[],
  reference: string,
  tolerance: number,
): Promise<Cell[][]> {
  const cells = plans.map(() => new Map<string, Cell>());
  const ready: { kase: number; key: string; peer: Peer; prep: Prepared; out: Float32Array }[] = [];
  try {
    for (const [kase, plan] of plans.entries()) {
      for (const peer of peers) {
        if (peer.loadError) {
          cells[kase].set(peer.name, { peer: peer.name, status: 'error', error: peer.loadError });
          continue;
        }
        const p = plan(peer);
        if ('skip' in p) {
          cells[kase].set(peer.name, { peer: peer.name, status: 'skipped', reason: p.skip });
          continue;
        }
        let prep: Prepared | undefined;
        try {
          prep = await p.prepare();
          await prep.enter?.();
          ready.push({ kase, key: `${kase} ${peer.name}`, peer, prep, out: await prep.output() });
        } catch (e) {
          prep?.dispose();
          cells[kase].set(peer.name, { peer: peer.name, status: 'error', error: errorText(e) });
        }
      }
    }
    const timed: Timed[] = ready.map((r) => ({
      peer: r.key,
      run: r.prep.run,
      enter: r.prep.enter,
      measureRound: r.prep.measureRound,
    }));
    const outcomes = await timeInterleaved(timed, ctx.timing);
    for (const [kase, own] of cells.entries()) {
      const mine = ready.filter((r) => r.kase === kase);
      const ref = mine.find((r) => r.peer.name === reference) ?? mine[0];
      for (const r of mine) {
        const o = outcomes.get(r.key)!;
        if (!o.ok) {
          own.set(r.peer.name, { peer: r.peer.name, status: 'error', error: o.error });
          continue;
        }
        const cell: Cell = { peer: r.peer.name, status: 'ok', seconds: o.seconds, reps: o.reps };
        const err = relativeError(ref.out, r.out);
        if (err > tolerance) cell.mismatch = `max rel. error ${err.toPrecision(2)} vs ${ref.peer.name}`;
        own.set(r.peer.name, cell);
      }
    }
  } finally {
    for (const r of ready) r.prep.dispose();
  }
  return cells.map((own) => peers.map((p) => own.get(p.name)!));
}

/** The kernels' build (undefined if asgrad failed to load) and the single-thread peak that build can reach. */
export interface AsgradPeak {
  info?: KernelInfo;
  /** GFLOP/s of the probe matching the build: relaxed FMA when asgrad runs relaxed and it was measured. */
  gflops: number;
  relaxed: boolean;
}

export async function asgradPeak(ctx: BenchContext, peers: Peer[]): Promise<AsgradPeak> {
  const peak = await ctx.peak();
  // kernelInfo() needs loaded kernels; a failed load is already in the asgrad column.
  const info = peers.find((p) => p.name === 'asgrad')?.loadError ? undefined : kernelInfo();
  const relaxed = info?.simd === 'relaxed' && peak.relaxed !== undefined;
  return { info, gflops: relaxed ? peak.relaxed! : peak.simd128, relaxed };
}

/** Says which asgrad columns run on how many threads (every peer but asgrad-<n>t runs on one). */
export function threadNote(peers: Peer[]): string {
  const many = peers.find((p) => /^asgrad-\d+t$/.test(p.name));
  return many
    ? `asgrad runs on 1 thread and ${many.name} on ${many.name.slice(7, -1)} (\`setThreads\` before each round, the same kernels split by output rows or columns); every other peer runs on 1 thread (TF.js wasm has no threaded build in Node, jax-js no workers).`
    : 'asgrad runs on 1 thread (one core, or no shared memory), as every other peer does.';
}

/** Says what the columns of asgrad's other kernel build are (peers/other-build.ts), if present. */
export function buildNote(peers: Peer[]): string | undefined {
  const other = peers.filter((p) => /^asgrad-(simd128|relaxed)/.test(p.name) && !p.loadError);
  if (other.length === 0) return undefined;
  const build = other[0].name.startsWith('asgrad-relaxed') ? 'relaxed-SIMD' : 'SIMD128';
  return `${other.map((p) => p.name).join(' and ')}: the ${build} build of the same kernels, on one thread in this process on asgrad's thread (loadBuild), on more in a Node child process of its own that times its own rounds in the same rotation; its ratio column is against asgrad on the same thread count.`;
}
