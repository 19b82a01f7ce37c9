// What a peer (asgrad, TF.js wasm, TF.js cpu, jax-js, plain JS) offers the suites. A suite
// asks each peer to prepare a case (upload inputs, compile), then times `run`. New suites
// add an optional method here (conv2d, optimizer step, train step) and implement it per peer.
import type { OptimizerName } from '../optimizers.js';
import type { Library } from '../report.js';

/** C = op(A)·op(B): A is stored [m,k] (or [k,m] with transA), B [k,n] (or [n,k] with transB). */
export interface MatmulSpec {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  a: Float32Array;
  b: Float32Array;
}

/** out = a + b over n contiguous f32. */
export interface AddSpec {
  n: number;
  a: Float32Array;
  b: Float32Array;
}

/** A pass of a 2-D convolution (stride 1, no padding). */
export type ConvPass = 'forward' | 'backwardInput' | 'backwardWeight';

/**
 * One conv2d pass in PyTorch layouts: x [n, cIn, h, w], weight [cOut, cIn, k, k] and the
 * output gradient dy [n, cOut, h-k+1, w-k+1]. The output is y (forward), dx (backwardInput)
 * or dw (backwardWeight), in the same layouts whatever the peer uses inside.
 */
export interface ConvSpec {
  pass: ConvPass;
  n: number;
  cIn: number;
  h: number;
  w: number;
  cOut: number;
  k: number;
  x: Float32Array;
  weight: Float32Array;
  dy: Float32Array;
}

/** One optimizer step over `param` with a fixed gradient; output is the parameter's change after one step from fresh state. */
export interface OptimSpec {
  name: OptimizerName;
  param: Float32Array;
  grad: Float32Array;
}

/** A case made ready to time. */
export interface Prepared {
  /** One call of the operation (may return a promise, which the harness awaits). */
  run: () => unknown;
  /** The result of one call, for the cross-peer check. */
  output: () => Float32Array | Promise<Float32Array>;
  /**
   * A peer in another process times itself: one round of at least `minMs` after `rewarmMs` of
   * untimed calls, its median seconds per call.
   */
  measureRound?: (minMs: number, rewarmMs: number) => Promise<number>;
  /** Makes this peer's runtime current before its rounds (TF.js switches backends). */
  enter?: () => Promise<void>;
  dispose: () => void;
}

export interface Peer {
  name: string;
  library: Library;
  /** Set when the library failed to load; every case then shows this error. */
  loadError?: string;
  matmul?: (spec: MatmulSpec) => Promise<Prepared>;
  add?: (spec: AddSpec) => Promise<Prepared>;
  conv2d?: (spec: ConvSpec) => Promise<Prepared>;
  /** Throws (with the reason) for an optimizer the library does not have. */
  optimizer?: (spec: OptimSpec) => Promise<Prepared>;
}

/** A peer stand-in for a library that failed to load, so its column shows why. */
export function failedPeer(name: string, library: string, error: string): Peer {
  return {
    name,
    library: { peer: name, name: library, version: '—', build: `failed to load: ${error}` },
    loadError: error,
  };
}
