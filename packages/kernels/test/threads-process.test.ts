// What only a fresh process can show: a script that used the thread pool exits by itself,
// the environment overrides (ASGRAD_THREADS, ASGRAD_SHARED_MEMORY, ASGRAD_SIMD) choose the
// configuration kernelInfo reports, and the relaxed-SIMD and SIMD128 builds agree within
// rounding (the relaxed one needs --experimental-wasm-relaxed-simd on Node 20).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as binaries from '../build/wasm.js';
import type { KernelInfo } from '../src/index.js';

const child = fileURLToPath(new URL('./threads/child.mjs', import.meta.url));

// The child starts from this environment minus any overrides the test process inherited.
const inherited = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith('ASGRAD_')),
);

interface ChildResult {
  info: KernelInfo;
  jobs: number;
  k: number;
  out: number[];
  ref: number[];
  mag: number[];
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs child.mjs with extra environment and node flags; a process still alive after 20 s is killed. */
function spawn(env: Record<string, string>, flags: string[] = []): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...flags, child],
      { env: { ...inherited, ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const e = error as (Error & { code?: number; signal?: NodeJS.Signals }) | null;
        resolve({ code: e ? (e.code ?? null) : 0, signal: e?.signal ?? null, stdout, stderr });
      },
    );
  });
}

async function result(env: Record<string, string>, flags: string[] = []): Promise<ChildResult> {
  const exit = await spawn(env, flags);
  expect(exit.stderr).toBe('');
  expect(exit.signal).toBeNull(); // not killed at the timeout: it ended by itself
  expect(exit.code).toBe(0);
  return JSON.parse(exit.stdout) as ChildResult;
}

const bitsOf = (xs: number[]) => Array.from(new Uint32Array(Float32Array.from(xs).buffer));

/** Each output within (k + 2)·2^-24·Σ|terms| of the float64 product; slack times 2 between builds. */
function expectClose(r: ChildResult, other: number[], slack: number): void {
  const unit = (r.k + 2) * 2 ** -24;
  const bad = r.out.findIndex((v, i) => !(Math.abs(v - other[i]) <= slack * unit * r.mag[i]));
  if (bad >= 0) expect.fail(`out[${bad}] = ${r.out[bad]}, other ${other[bad]}, |terms| ${r.mag[bad]}`);
}

describe('threads in a fresh process', () => {
  it('a script that ran a split matmul on 2 threads exits by itself, with the result', async () => {
    const r = await result({ ASGRAD_THREADS: '2' });
    expect(r.info.threads).toBe(2);
    expect(r.info.sharedMemory).toBe(true);
    expect(r.jobs).toBe(1);
    expectClose(r, r.ref, 1);
  }, 30_000);

  it('ASGRAD_THREADS sets the count; 1 and 3 threads give the same bits', async () => {
    const [one, three] = await Promise.all([
      result({ ASGRAD_THREADS: '1' }),
      result({ ASGRAD_THREADS: '3' }),
    ]);
    expect(one.info.threads).toBe(1);
    expect(one.jobs).toBe(0);
    expect(three.info.threads).toBe(3);
    expect(three.jobs).toBe(1);
    expect(bitsOf(three.out)).toEqual(bitsOf(one.out));
  }, 30_000);

  it('setThreads before the kernels load sets the count they start with, over ASGRAD_THREADS', async () => {
    const r = await result({ ASGRAD_THREADS: '1', CHILD_SET_THREADS: '3' });
    expect(r.info.threads).toBe(3);
    expect(r.jobs).toBe(1);
  }, 30_000);

  it('a bad ASGRAD_THREADS fails the load, naming the variable', async () => {
    const exit = await spawn({ ASGRAD_THREADS: 'many' });
    expect(exit.code).not.toBe(0);
    expect(exit.stderr).toContain("ASGRAD_THREADS must be an integer from 1 to 64, got 'many'");
  }, 30_000);

  it('without shared memory it falls back to one thread, says why, and computes the same bits', async () => {
    const [fallback, shared] = await Promise.all([
      result({ ASGRAD_SHARED_MEMORY: '0', ASGRAD_THREADS: '2' }),
      result({ ASGRAD_THREADS: '2' }),
    ]);
    expect(fallback.info.sharedMemory).toBe(false);
    expect(fallback.info.threads).toBe(1);
    expect(fallback.info.notes).toContain('one thread: shared memory disabled by ASGRAD_SHARED_MEMORY=0');
    expect(fallback.jobs).toBe(0);
    expect(bitsOf(fallback.out)).toEqual(bitsOf(shared.out));
  }, 30_000);

  it('ASGRAD_SIMD forces a build; relaxed-SIMD and SIMD128 agree within rounding, each deterministic', async () => {
    const flag = ['--experimental-wasm-relaxed-simd'];
    const [simd, relaxed1, relaxed2] = await Promise.all([
      result({ ASGRAD_SIMD: 'simd128' }, flag),
      result({ ASGRAD_SIMD: 'relaxed', ASGRAD_THREADS: '1' }, flag),
      result({ ASGRAD_SIMD: 'relaxed', ASGRAD_THREADS: '2' }, flag),
    ]);
    expect(simd.info.simd).toBe('simd128');
    expect(simd.info.notes).toContain('SIMD128 build forced by ASGRAD_SIMD');
    expect(relaxed1.info.simd).toBe('relaxed');
    expect(relaxed2.jobs).toBe(1);
    expectClose(simd, simd.ref, 1);
    expectClose(relaxed1, relaxed1.ref, 1);
    expectClose(relaxed1, simd.out, 2);
    expect(bitsOf(relaxed2.out)).toEqual(bitsOf(relaxed1.out));
  }, 30_000);

  it('ASGRAD_SIMD=relaxed fails clearly where the runtime rejects relaxed-SIMD', async () => {
    const rejects = !WebAssembly.validate(Buffer.from(binaries.relaxed, 'base64'));
    const exit = await spawn({ ASGRAD_SIMD: 'relaxed' });
    if (rejects) {
      expect(exit.code).not.toBe(0);
      expect(exit.stderr).toContain('ASGRAD_SIMD=relaxed but this runtime rejects relaxed-SIMD');
    } else {
      expect(exit.code).toBe(0);
      expect((JSON.parse(exit.stdout) as ChildResult).info.simd).toBe('relaxed');
    }
  }, 30_000);
});
