// The contract between the CLI and a suite. One file per suite in this folder; a new suite
// (conv, optim, train, pytorch) is a file exporting a `Suite` plus a line in ./index.ts.
import type { TimingOptions } from '../harness.js';
import type { Peer } from '../peers/types.js';
import type { SuiteResult } from '../report.js';

/** Single-thread SIMD peaks in GFLOP/s (best round), per probe build (relaxed only where the runtime has it). */
export interface PeakFigures {
  simd128: number;
  relaxed?: number;
}

export interface BenchContext {
  quick: boolean;
  timing: TimingOptions;
  /** Progress for the person watching (stderr); results go in the report only. */
  log: (msg: string) => void;
  /** Every peer, loaded once on first use; a library that failed to load is a peer with `loadError`. */
  peers: () => Promise<Peer[]>;
  /** The single-thread peaks: from the `peak` suite when it ran, else measured briefly on demand. */
  peak: () => Promise<PeakFigures>;
  /** Lets the `peak` suite hand its figures to later suites. */
  setPeak: (p: PeakFigures) => void;
}

export interface Suite {
  name: string;
  title: string;
  /** One section of the report, or several (a suite with cases in different units). */
  run: (ctx: BenchContext) => Promise<SuiteResult | SuiteResult[]>;
}
