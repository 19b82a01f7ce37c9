#!/usr/bin/env node
// The kernels' other build (relaxed-SIMD when the run's own is SIMD128) in a Node child of its
// own, started by ./other-build.ts with ASGRAD_SIMD set: a process loads one build, and turning
// relaxed-SIMD on in the run's process would also hand it to jax-js's feature probe. Requests
// arrive one JSON per line on stdin; inputs and outputs travel through files, as with PyTorch.
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { kernelInfo, ready, setThreads } from '@asgrad/kernels';
import { errorText, selfTimedRound } from '../harness.js';
import { REPLY_MARK, type Reply } from '../train/spec.js';
import type { Prepared } from './types.js';

/** What other-build.ts sends (see there). */
export type BuildRequest =
  | { cmd: 'info' }
  | {
      cmd: 'prepare';
      id: number;
      op: 'matmul' | 'conv2d';
      threads: number;
      /** The spec's scalar fields; its arrays are in `file`, in `arrays` order. */
      spec: Record<string, number | string | boolean>;
      arrays: [string, number][];
      file: string;
      out: string;
    }
  | { cmd: 'round'; id: number; threads: number; minMs: number; rewarmMs: number }
  | { cmd: 'drop'; id: number }
  | { cmd: 'finish' };

function reply(r: Reply): void {
  process.stdout.write(`${REPLY_MARK}${JSON.stringify(r)}\n`);
}

/** The spec back together: scalars from the request, arrays read from its file. */
function readSpec(req: Extract<BuildRequest, { cmd: 'prepare' }>): Record<string, unknown> {
  const all = new Float32Array(new Uint8Array(readFileSync(req.file)).buffer);
  const spec: Record<string, unknown> = { ...req.spec };
  let at = 0;
  for (const [name, length] of req.arrays) {
    spec[name] = all.subarray(at, at + length);
    at += length;
  }
  if (at !== all.length)
    throw new Error(`build child: ${req.file} holds ${all.length} floats, expected ${at}`);
  return spec;
}

// A build that fails to load (ASGRAD_SIMD wrong, relaxed-SIMD rejected) answers every request
// with the reason, rather than dying with it at the end of a stack trace on stderr.
// (./asgrad.js is imported after the kernels load: @asgrad/autograd awaits them on import.)
let loadError: unknown;
let asgrad: typeof import('./asgrad.js') | undefined;
try {
  await ready();
  asgrad = await import('./asgrad.js');
} catch (e) {
  loadError = e;
}
const prepared = new Map<number, Prepared>();
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue;
  const req = JSON.parse(line) as BuildRequest;
  try {
    if (loadError && req.cmd !== 'finish') throw loadError;
    if (req.cmd === 'info') {
      reply({ ok: true, ...kernelInfo() });
    } else if (req.cmd === 'prepare') {
      await setThreads(req.threads);
      const spec = readSpec(req);
      // The specs' own types are checked where other-build.ts builds the request.
      const { prepareConv, prepareMatmul } = asgrad!;
      const p = await (req.op === 'matmul' ? prepareMatmul(spec as never) : prepareConv(spec as never));
      prepared.set(req.id, p);
      const out = await p.output();
      writeFileSync(req.out, out);
      reply({ ok: true });
    } else if (req.cmd === 'round') {
      const p = prepared.get(req.id);
      if (!p) throw new Error(`build child: no prepared case ${req.id}`);
      await setThreads(req.threads);
      reply({ ok: true, seconds: await selfTimedRound(p.run, req.minMs, req.rewarmMs) });
    } else if (req.cmd === 'drop') {
      prepared.get(req.id)?.dispose();
      prepared.delete(req.id);
      reply({ ok: true });
    } else {
      reply({ ok: true });
      break;
    }
  } catch (e) {
    reply({ ok: false, error: errorText(e) });
  }
}
