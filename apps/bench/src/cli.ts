#!/usr/bin/env node
// pnpm bench [suite...] [--quick] [--json FILE] [--markdown FILE]
// Prints the Markdown report on stdout, progress on stderr.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type CliOptions, parseCliArgs, USAGE } from './args.js';
import { createContext } from './context.js';
import { machineInfo } from './machine.js';
import { relaxedSupported } from './peak-probe.js';
import { SEED } from './random.js';
import { type Report, renderJson, renderMarkdown } from './report.js';
import { SUITES } from './suites/index.js';

function commandLine(argv: string[]): string {
  const args = argv.join(' ');
  if (process.env.npm_lifecycle_event === 'bench') return `pnpm bench ${args}`.trim();
  const script = path.relative(process.cwd(), process.argv[1]);
  return ['node', ...process.execArgv, script, args].filter(Boolean).join(' ');
}

function method(opts: CliOptions, reps: number, minMs: number, rewarmMs: number): string {
  return [
    `Each figure is the median (min–max) of ${reps} repetitions; a repetition is mitata's median per-call time over at least ${minMs} ms after a warm-up (a call of 0.5 s or more is timed once per repetition)${rewarmMs > 0 ? `, and each repetition follows ${rewarmMs} ms of untimed calls, since the peers before it left a core idle` : ''}.`,
    "Peers run interleaved in one process (the order rotates each repetition), so drift on the machine falls on all of them alike; the matmul suite's three forms of a shape share one rotation.",
    `Inputs are uniform in [-1, 1) from seed ${SEED}; every peer's output is checked against asgrad's (≠ marks a mismatch).`,
    'Ratios are asgrad speed / peer speed from the medians: > 1 means asgrad is faster.',
    opts.quick
      ? 'Quick mode: fewer shapes and short repetitions; for smoke testing, not for judging speed.'
      : '',
  ]
    .filter(Boolean)
    .join(' ');
}

function write(file: string, text: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, text);
}

async function main(argv: string[]): Promise<number> {
  let opts: CliOptions;
  try {
    opts = parseCliArgs(argv);
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const relaxed = relaxedSupported();
  const loadAtStart = os.loadavg();
  const started = performance.now();
  const log = (m: string) =>
    process.stderr.write(`bench [${((performance.now() - started) / 1000).toFixed(1)} s] ${m}\n`);
  const ctx = createContext(opts.quick, relaxed, log);
  const suites = [];
  try {
    for (const name of opts.suites) {
      log(`suite ${name}`);
      const result = await SUITES[name].run(ctx);
      suites.push(...(Array.isArray(result) ? result : [result]));
    }
  } finally {
    ctx.close();
  }
  const report: Report = {
    tool: 'asgrad-bench',
    date: new Date().toISOString(),
    command: commandLine(argv),
    quick: opts.quick,
    seed: SEED,
    method: method(opts, ctx.timing.reps, ctx.timing.minMs, ctx.timing.rewarmMs),
    machine: { ...machineInfo(relaxed), loadAverage: { start: loadAtStart, end: os.loadavg() } },
    libraries: (ctx.loadedPeers() ?? []).map((p) => p.library),
    suites,
  };
  const md = renderMarkdown(report);
  process.stdout.write(md);
  if (opts.json) write(opts.json, renderJson(report));
  if (opts.markdown) write(opts.markdown, md);
  log('done');
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
