// The suite's side of a training child: spawn it, send a request, await its reply. A child
// that dies fails its pending request with its exit status and the end of its stderr.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Build, buildChildOptions } from '../builds.js';
import { parseReply, type Reply, type Request } from './spec.js';

export class Child {
  private readonly pending: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private stderr = '';
  private exit?: string;

  constructor(private readonly proc: ChildProcess) {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const r = parseReply(line);
      if (r) this.pending.shift()?.resolve(r);
    });
    proc.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    proc.on('exit', (code, signal) => {
      this.exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
      for (const p of this.pending.splice(0)) p.reject(new Error(this.deathMessage()));
    });
    proc.on('error', (e) => {
      this.exit = `failed to start: ${e.message}`;
      for (const p of this.pending.splice(0)) p.reject(new Error(this.deathMessage()));
    });
  }

  private deathMessage(): string {
    const last = this.stderr.trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';
    return `child process ${this.exit}${last ? `: ${last.slice(0, 200)}` : ''}`;
  }

  /**
   * Sends one request (a {@link Request}, or one of the Python child's matmul requests);
   * resolves with the reply, rejects with the child's error or death.
   */
  request<R>(req: Request | { cmd: string; [k: string]: unknown }): Promise<R> {
    if (this.exit) return Promise.reject(new Error(this.deathMessage()));
    return new Promise<Reply>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.proc.stdin!.write(`${JSON.stringify(req)}\n`);
    }).then((r) => {
      if (!r.ok) throw new Error(r.error);
      return r as R;
    });
  }

  /** Asks for the peak RSS and lets the child exit; kills it if that fails. */
  async finish(): Promise<number | undefined> {
    try {
      return (await this.request<{ maxRss: number }>({ cmd: 'finish' })).maxRss;
    } catch {
      return undefined;
    } finally {
      this.kill();
    }
  }

  kill(): void {
    if (!this.exit) this.proc.kill();
  }
}

/**
 * A Node training child (./worker.js), with the parent's Node flags (e.g. relaxed SIMD); with
 * `build`, asgrad in it loads that kernel build (builds.ts).
 */
export function spawnNodeChild(build?: Build): Child {
  const worker = fileURLToPath(new URL('./worker.js', import.meta.url));
  const { flags, env } = build ? buildChildOptions(build) : { flags: [], env: process.env };
  return new Child(
    spawn(process.execPath, [...process.execArgv, ...flags, '--expose-gc', worker], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env,
    }),
  );
}

/** The Python interpreter that has PyTorch here (Debian's, not the first python3 on PATH). */
export const PYTHON = '/usr/bin/python3';

/** The PyTorch child (apps/bench/python/bench.py). */
export function spawnPythonChild(): Child {
  const script = fileURLToPath(new URL('../../python/bench.py', import.meta.url));
  return new Child(spawn(PYTHON, [script], { stdio: ['pipe', 'pipe', 'pipe'] }));
}
