// The suites by name. To add one: write src/suites/<name>.ts exporting a `Suite`, register it
// here and add its name to SUITE_NAMES in ../args.ts.
import type { SuiteName } from '../args.js';
import { buildsSuite } from './builds.js';
import { convSuite } from './conv.js';
import { matmulSuite } from './matmul.js';
import { opsSuite } from './ops.js';
import { optimSuite } from './optim.js';
import { peakSuite } from './peak.js';
import { pytorchSuite } from './pytorch.js';
import { targetsSuite } from './targets.js';
import { trainSuite } from './train.js';
import type { Suite } from './types.js';

export const SUITES: Record<SuiteName, Suite> = {
  peak: peakSuite,
  matmul: matmulSuite,
  conv: convSuite,
  builds: buildsSuite,
  targets: targetsSuite,
  ops: opsSuite,
  optim: optimSuite,
  train: trainSuite,
  pytorch: pytorchSuite,
};
