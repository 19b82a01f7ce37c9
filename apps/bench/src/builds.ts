// asgrad's two kernel builds side by side: how a child process is made to load a given one.
// One process loads one build, so the build the run's own process did not load runs in a child.
import { packageVersion } from './machine.js';
import { relaxedSupported } from './peak-probe.js';
import type { Library } from './report.js';

export type Build = 'simd128' | 'relaxed';

/** Node 20 validates relaxed-SIMD only behind this flag; later versions have it on. */
export const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';

/** The build a run's own process does not load: relaxed where it rejects relaxed-SIMD (or ASGRAD_SIMD forces SIMD128). */
export function otherBuild(): Build {
  const forced = process.env.ASGRAD_SIMD;
  if (forced === 'simd128' || forced === 'relaxed') return forced === 'simd128' ? 'relaxed' : 'simd128';
  return relaxedSupported() ? 'simd128' : 'relaxed';
}

/** Peer name of a build on `threads` threads: asgrad-relaxed, asgrad-relaxed-2t, … */
export const buildPeerName = (build: Build, threads: number) =>
  threads === 1 ? `asgrad-${build}` : `asgrad-${build}-${threads}t`;

/**
 * Node flags (after the parent's own) and environment for a child that loads `build` of
 * @asgrad/kernels: ASGRAD_SIMD, and the relaxed-SIMD flag where this Node needs it.
 */
export function buildChildOptions(build: Build): { flags: string[]; env: NodeJS.ProcessEnv } {
  const flags = build === 'relaxed' && !relaxedSupported() ? [RELAXED_FLAG] : [];
  return { flags, env: { ...process.env, ASGRAD_SIMD: build } };
}

/** The fields of @asgrad/kernels' kernelInfo() a library table shows (a child sends them as JSON). */
export interface BuildInfo {
  simd: string;
  sharedMemory: boolean;
  wasmBytes: number;
  notes: string[];
}

/**
 * The library table's entry for a peer of @asgrad/kernels on `threads` threads; its build column
 * lists the kernelInfo() fields, then `extra`, then the build's notes.
 */
export function kernelsLibrary(
  peer: string,
  info: BuildInfo,
  threads: number,
  extra: string[] = [],
): Library {
  const build = [
    info.simd,
    `${threads} thread${threads === 1 ? '' : 's'}`,
    info.sharedMemory ? 'shared memory' : 'private memory',
    `${info.wasmBytes} B wasm`,
    ...extra,
    ...info.notes,
  ].join(', ');
  return { peer, name: '@asgrad/kernels', version: packageVersion('@asgrad/kernels'), build };
}
