// asgrad's other kernel build on one thread, in the run's own process: @asgrad/kernels' loadBuild
// instantiates it beside the loaded build and withBuild runs the same wrappers on it, so its
// rounds run on the thread asgrad's do, not on whichever core a child process lands on. (Slow
// stretches of the machine still fall on single rounds: ../suites/builds.ts pairs the two
// builds in short slices.) Thread counts above one need the other build's own pool: ./other-build.ts.
import { setFlagsFromString } from 'node:v8';
import { loadBuild, setThreads, withBuild } from '@asgrad/kernels';
import { type Build, buildPeerName, kernelsLibrary, RELAXED_FLAG } from '../builds.js';
import { relaxedSupported } from '../peak-probe.js';
import { prepareConv, prepareMatmul } from './asgrad.js';
import type { Peer, Prepared } from './types.js';

/**
 * Loads `build` beside the run's kernels. On Node 20, relaxed-SIMD validates only with
 * RELAXED_FLAG: it is turned on for the compile alone, so jax-js's feature probe (which runs
 * later) sees the runtime as the run was started, and its figures stay comparable.
 */
async function load(build: Build) {
  const flip = build === 'relaxed' && !relaxedSupported();
  if (flip) setFlagsFromString(RELAXED_FLAG);
  try {
    return await loadBuild(build);
  } finally {
    if (flip) setFlagsFromString(RELAXED_FLAG.replace('--', '--no-'));
  }
}

/** `asgrad-relaxed` (or `asgrad-simd128`): matmul and conv2d on `build`, one thread, this process. */
export async function sameProcessBuildPeer(build: Build): Promise<Peer> {
  const kernels = await load(build);
  const name = buildPeerName(build, 1);
  const on = (prepared: Prepared): Prepared => ({
    run: () => withBuild(kernels, prepared.run),
    output: () => withBuild(kernels, prepared.output) as Float32Array,
    // The pool's workers parked, as when asgrad runs on one thread.
    enter: () => setThreads(1),
    dispose: () => withBuild(kernels, prepared.dispose),
  });
  return {
    name,
    library: kernelsLibrary(name, kernels.info, 1),
    matmul: async (spec) => on(withBuild(kernels, () => prepareMatmul(spec))),
    conv2d: async (spec) => on(withBuild(kernels, () => prepareConv(spec))),
  };
}
