#!/usr/bin/env node
// A training child: one library, one model, driven by the `train` suite over stdin/stdout
// (a JSON request per line in, a marked JSON reply per line out), so each peer's memory is
// its own process's and its peak RSS can be read at the end.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { errorText } from '../harness.js';
import { decodeTrainData, REPLY_MARK, type Reply, type Request, type TrainInit } from './spec.js';
import type { Trainer, TrainerFactory } from './trainer.js';

/**
 * Peak RSS of this process in bytes: Linux's VmHWM, which starts afresh at exec (getrusage's
 * maxRSS carries the parent's peak over a fork + exec, so it would report the suite's);
 * elsewhere `resourceUsage().maxRSS`.
 */
function peakRss(): number {
  try {
    const kb = readFileSync('/proc/self/status', 'utf8').match(/^VmHWM:\s+(\d+) kB/m)?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

function reply(r: Reply): void {
  process.stdout.write(`${REPLY_MARK}${JSON.stringify(r)}\n`);
}

async function factory(init: TrainInit): Promise<TrainerFactory> {
  // Only the library asked for is loaded, so the process's memory is that library's.
  if (init.library === 'asgrad') return (await import('./asgrad.js')).asgradTrainer;
  if (init.library === 'tfjs-wasm' || init.library === 'tfjs-cpu')
    return (await import('./tfjs.js')).tfjsTrainer;
  if (init.library === 'jax-js') return (await import('./jax.js')).jaxTrainer;
  throw new Error(`train worker: no Node trainer for '${init.library}'`);
}

let trainer: Trainer | undefined;
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue;
  const req = JSON.parse(line) as Request;
  try {
    if (req.cmd === 'init') {
      const make = await factory(req);
      trainer = await make(req, decodeTrainData(readFileSync(req.dataFile)));
      // Set-up garbage (JSON weights, file buffer) should not count as the library's memory.
      (globalThis as { gc?: () => void }).gc?.();
      reply({ ok: true, library: trainer.library, rss: process.memoryUsage().rss });
    } else if (req.cmd === 'round') {
      if (!trainer) throw new Error('train worker: round before init');
      const r = await trainer.round(req.steps);
      reply({ ok: true, ...r, rss: process.memoryUsage().rss });
    } else {
      reply({ ok: true, maxRss: peakRss() });
      break;
    }
  } catch (e) {
    reply({ ok: false, error: errorText(e) });
  }
}
// jax-js and TF.js may hold handles open; the suite is done with this process.
process.exit(0);
