// PyTorch CPU as a matmul peer, in a Python child process (python/bench.py) that times itself:
// inputs and the result travel through temporary files, a round is the child's own loop.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Library } from '../report.js';
import type { Child } from '../train/child.js';
import type { MatmulSpec, Peer, Prepared } from './types.js';

/** One peer per thread count, all served by the same child (it sets the thread count per round). */
export function torchMatmulPeers(
  child: Child,
  library: Omit<Library, 'peer'>,
  threads: number[],
): {
  peers: Peer[];
  cleanup: () => void;
} {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'asgrad-bench-torch-'));
  let ids = 0;
  const peers = threads.map((t): Peer => {
    const name = `torch-${t}t`;
    return {
      name,
      library: { ...library, peer: name, build: `${library.build}, torch.set_num_threads(${t})` },
      matmul: async (s: MatmulSpec): Promise<Prepared> => {
        const id = ids++;
        const file = path.join(dir, `in-${id}.bin`);
        const out = path.join(dir, `out-${id}.bin`);
        const inputs = new Float32Array(s.a.length + s.b.length);
        inputs.set(s.a);
        inputs.set(s.b, s.a.length);
        writeFileSync(file, inputs);
        await child.request({
          cmd: 'matmul-prepare',
          id,
          file,
          out,
          m: s.m,
          n: s.n,
          k: s.k,
          transA: s.transA,
          transB: s.transB,
        });
        const c = new Float32Array(readFileSync(out).buffer.slice(0));
        return {
          run: () => {
            throw new Error('torch: timed in its own process (measureRound)');
          },
          measureRound: async (minMs, rewarmMs) =>
            (
              await child.request<{ seconds: number }>({
                cmd: 'matmul-round',
                id,
                threads: t,
                seconds: minMs / 1e3,
                rewarm: rewarmMs / 1e3,
              })
            ).seconds,
          output: () => c,
          dispose: () => {
            child.request({ cmd: 'matmul-drop', id }).catch(() => {});
            rmSync(file, { force: true });
            rmSync(out, { force: true });
          },
        };
      },
    };
  });
  return { peers, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
