// Command-line parsing: `bench [suite...] [--quick] [--json FILE] [--markdown FILE]`.
import { parseArgs } from 'node:util';

/** The suites, in the order a full run takes them (peak first: the others cite it). */
export const SUITE_NAMES = [
  'peak',
  'matmul',
  'conv',
  'builds',
  'targets',
  'ops',
  'optim',
  'train',
  'pytorch',
] as const;
export type SuiteName = (typeof SUITE_NAMES)[number];

export interface CliOptions {
  suites: SuiteName[];
  quick: boolean;
  json?: string;
  markdown?: string;
  help: boolean;
}

export const USAGE = `Usage: pnpm bench [suite...] [--quick] [--json FILE] [--markdown FILE]

Suites (default: all of them):
  peak     the machine's wasm SIMD mul+add (and relaxed FMA) GFLOP/s, 1 thread and all threads
  matmul   square and MNIST-shaped A·B, A·Bᵀ, Aᵀ·B: asgrad vs TF.js wasm/cpu, jax-js, plain JS
  conv     the CNN's conv2d forward, dx and dw: asgrad vs TF.js wasm/cpu, jax-js
  builds   asgrad's relaxed-SIMD against its SIMD128 build on the matmul and conv cases,
           both in this process on one thread, in alternating slices (paired ratios)
  targets  the issue's matmul targets, paired the same way: asgrad on one thread against
           TF.js wasm's A·B, and on n threads against one (512³ and the MNIST shapes)
  ops      per-op overhead of a 1, 1,000 and 100,000-element add
  optim    one step of each optimizer over 1M parameters: asgrad vs TF.js wasm/cpu
  train    MNIST MLP and CNN samples/s and peak RSS: asgrad vs TF.js model.fit, jax-js jit step
  pytorch  the train and matmul cases in PyTorch CPU, 1 and all threads (optional: only where
           /usr/bin/python3 can import torch; otherwise the report says it was skipped)

Options:
  --quick          a short smoke run (< 1 minute): fewer shapes and repetitions
  --json FILE      also write the report as JSON
  --markdown FILE  also write the Markdown table to FILE (it is always printed)
  -h, --help       this text

Node 20 validates relaxed-SIMD only with a flag; to include it:
  node --experimental-wasm-relaxed-simd apps/bench/dist/cli.js [suite...]`;

/** Parses argv (without node and the script). Throws Error('bench: ...') on anything unknown. */
export function parseCliArgs(argv: string[]): CliOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    throw new Error(`bench: ${(e as Error).message}`);
  }
  const { values, positionals } = parsed;
  const suites: SuiteName[] = [];
  for (const name of positionals) {
    if (!(SUITE_NAMES as readonly string[]).includes(name))
      throw new Error(`bench: unknown suite '${name}'; available: ${SUITE_NAMES.join(', ')}`);
    if (!suites.includes(name as SuiteName)) suites.push(name as SuiteName);
  }
  for (const flag of ['json', 'markdown'] as const) {
    if (values[flag] === '') throw new Error(`bench: --${flag} needs a file name`);
  }
  // Run in the canonical order whatever order they were named in.
  const chosen = suites.length === 0 ? [...SUITE_NAMES] : SUITE_NAMES.filter((s) => suites.includes(s));
  return {
    suites: chosen,
    quick: values.quick ?? false,
    json: values.json,
    markdown: values.markdown,
    help: values.help ?? false,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      quick: { type: 'boolean' },
      json: { type: 'string' },
      markdown: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
