import { QUICK } from '../src/harness.js';
import type { Peer } from '../src/peers/types.js';
import type { BenchContext } from '../src/suites/types.js';

/** A quick-mode context over `peers`, silent, for running a suite whole in a test. */
export function quickContext(peers: Peer[]): BenchContext {
  return {
    quick: true,
    timing: QUICK,
    log: () => {},
    peers: async () => peers,
    peak: async () => ({ simd128: 1 }),
    setPeak: () => {},
  };
}
