// The run's shared state: timing options, lazily loaded peers, and the peak figures.
import { errorText, FULL, QUICK } from './harness.js';
import { asgradThreads } from './peer-names.js';
import { failedPeer, type Peer } from './peers/types.js';
import { measurePeak, PEAK_ROUNDS } from './suites/peak.js';
import type { BenchContext, PeakFigures } from './suites/types.js';

async function loadPeers(
  relaxedSimd: boolean,
  log: (m: string) => void,
  onClose: (close: () => void) => void,
): Promise<Peer[]> {
  // Dynamic imports: a run of `peak` alone never loads TF.js or jax-js, and a library that
  // fails to load costs its own column, not the run.
  const peers: Peer[] = [];
  log('loading asgrad (both builds), TF.js (wasm, cpu), jax-js');
  try {
    const { availableParallelism } = await import('node:os');
    const own = await (await import('./peers/asgrad.js')).asgradPeers(availableParallelism());
    peers.push(...own);
    peers.push(...(await otherBuildOf(own, onClose)));
  } catch (e) {
    peers.push(failedPeer('asgrad', '@asgrad/kernels', errorText(e)));
  }
  try {
    peers.push(...(await (await import('./peers/tfjs.js')).tfjsPeers()));
  } catch (e) {
    peers.push(failedPeer('tfjs-wasm', '@tensorflow/tfjs-backend-wasm', errorText(e)));
    peers.push(failedPeer('tfjs-cpu', '@tensorflow/tfjs-backend-cpu', errorText(e)));
  }
  try {
    peers.push(await (await import('./peers/jax.js')).jaxPeer(relaxedSimd));
  } catch (e) {
    peers.push(failedPeer('jax-js', '@jax-js/jax', errorText(e)));
  }
  peers.push((await import('./peers/plain.js')).plainPeer());
  return peers;
}

/**
 * The kernels' other build on the same thread counts as `own`: one thread in this process
 * (peers/same-process-build.ts), more in a child with a pool of its own (peers/other-build.ts).
 */
async function otherBuildOf(own: Peer[], onClose: (close: () => void) => void): Promise<Peer[]> {
  const { kernelInfo } = await import('@asgrad/kernels');
  const { buildPeerName } = await import('./builds.js');
  const build = kernelInfo().simd === 'relaxed' ? 'simd128' : 'relaxed';
  const threads = own.map((p) => asgradThreads(p.name) ?? 1);
  const peers: Peer[] = [];
  try {
    const { sameProcessBuildPeer } = await import('./peers/same-process-build.js');
    peers.push(await sameProcessBuildPeer(build));
  } catch (e) {
    peers.push(failedPeer(buildPeerName(build, 1), '@asgrad/kernels', errorText(e)));
  }
  const many = threads.filter((t) => t > 1);
  if (many.length === 0) return peers;
  try {
    const { otherBuildPeers } = await import('./peers/other-build.js');
    const child = await otherBuildPeers(build, many);
    onClose(child.close);
    return [...peers, ...child.peers];
  } catch (e) {
    return [
      ...peers,
      ...many.map((t) => failedPeer(buildPeerName(build, t), '@asgrad/kernels', errorText(e))),
    ];
  }
}

export interface Run extends BenchContext {
  /** Peers if any suite loaded them (for the report's library table). */
  loadedPeers: () => Peer[] | undefined;
  /** Ends the child processes peers run in. */
  close: () => void;
}

export function createContext(quick: boolean, relaxedSimd: boolean, log: (m: string) => void): Run {
  let peers: Promise<Peer[]> | undefined;
  let loaded: Peer[] | undefined;
  let peak: PeakFigures | undefined;
  const closers: (() => void)[] = [];
  const timing = quick ? QUICK : FULL;
  return {
    quick,
    timing,
    log,
    peers: () => {
      peers ??= loadPeers(relaxedSimd, log, (c) => closers.push(c)).then((p) => {
        loaded = p;
        return p;
      });
      return peers;
    },
    loadedPeers: () => loaded,
    close: () => {
      for (const c of closers.splice(0)) c();
    },
    async peak() {
      if (!peak) {
        log('measuring the single-thread SIMD peak (run the peak suite for the full figures)');
        const { reps, seconds } = PEAK_ROUNDS.quick;
        peak = (await measurePeak([1], reps, seconds, log)).figures;
      }
      return peak;
    },
    setPeak: (p) => {
      peak = p;
    },
  };
}
