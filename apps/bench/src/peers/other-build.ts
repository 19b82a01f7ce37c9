// asgrad's other kernel build on several threads as peers of the run: `asgrad-relaxed-<n>t`
// when the run's own kernels are SIMD128, `asgrad-simd128-<n>t` when they are relaxed. The
// issue's "relaxed never slower than SIMD128" then compares figures timed in one rotation rather
// than in two runs minutes apart. A build's thread pool needs a process of its own: they run in
// ./build-child.ts, which times itself. (On one thread: ./same-process-build.ts.)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Build, type BuildInfo, buildChildOptions, buildPeerName, kernelsLibrary } from '../builds.js';
import { Child } from '../train/child.js';
import type { BuildRequest } from './build-child.js';
import type { ConvSpec, MatmulSpec, Peer, Prepared } from './types.js';

/** Scalars of a spec for the request, and its arrays concatenated for the file. */
function split(spec: MatmulSpec | ConvSpec): {
  scalars: Record<string, number | string | boolean>;
  arrays: [string, number][];
  data: Float32Array;
} {
  const scalars: Record<string, number | string | boolean> = {};
  const arrays: [string, number][] = [];
  const parts: Float32Array[] = [];
  for (const [key, value] of Object.entries(spec)) {
    if (value instanceof Float32Array) {
      arrays.push([key, value.length]);
      parts.push(value);
    } else scalars[key] = value;
  }
  const data = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return { scalars, arrays, data };
}

/**
 * Starts the child for `build` and returns a peer per thread count in `threads`, with matmul
 * and conv2d. `close` ends the child.
 */
export async function otherBuildPeers(
  build: Build,
  threads: number[],
): Promise<{ peers: Peer[]; close: () => void }> {
  const script = fileURLToPath(new URL('./build-child.js', import.meta.url));
  const { flags, env } = buildChildOptions(build);
  const child = new Child(
    spawn(process.execPath, [...process.execArgv, ...flags, script], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env,
    }),
  );
  const dir = mkdtempSync(path.join(os.tmpdir(), 'asgrad-bench-build-'));
  const close = () => {
    child.finish().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  let info: BuildInfo;
  try {
    info = await child.request<BuildInfo>({ cmd: 'info' } satisfies BuildRequest);
    if (info.simd !== build) throw new Error(`the child loaded the ${info.simd} build, not ${build}`);
  } catch (e) {
    close();
    throw e;
  }
  let ids = 0;
  const prepare = async (
    op: 'matmul' | 'conv2d',
    t: number,
    spec: MatmulSpec | ConvSpec,
  ): Promise<Prepared> => {
    const id = ids++;
    const file = path.join(dir, `in-${id}.bin`);
    const out = path.join(dir, `out-${id}.bin`);
    const { scalars, arrays, data } = split(spec);
    writeFileSync(file, data);
    try {
      await child.request({
        cmd: 'prepare',
        id,
        op,
        threads: t,
        spec: scalars,
        arrays,
        file,
        out,
      } satisfies BuildRequest);
    } finally {
      rmSync(file, { force: true });
    }
    const result = new Float32Array(new Uint8Array(readFileSync(out)).buffer);
    rmSync(out, { force: true });
    return {
      run: () => {
        throw new Error(`${buildPeerName(build, t)}: timed in its own process (measureRound)`);
      },
      measureRound: async (minMs, rewarmMs) =>
        (
          await child.request<{ seconds: number }>({
            cmd: 'round',
            id,
            threads: t,
            minMs,
            rewarmMs,
          } satisfies BuildRequest)
        ).seconds,
      output: () => result,
      dispose: () => {
        child.request({ cmd: 'drop', id } satisfies BuildRequest).catch(() => {});
      },
    };
  };
  const peers = threads.map((t): Peer => {
    const name = buildPeerName(build, t);
    return {
      name,
      library: kernelsLibrary(name, info, t, ['in a child process of its own (ASGRAD_SIMD)']),
      matmul: (spec) => prepare('matmul', t, spec),
      conv2d: (spec) => prepare('conv2d', t, spec),
    };
  });
  return { peers, close };
}
