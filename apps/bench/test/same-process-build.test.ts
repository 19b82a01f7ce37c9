import { heap, kernelInfo, ready } from '@asgrad/kernels';
import { beforeAll, describe, expect, it } from 'vitest';
import { relaxedSupported } from '../src/peak-probe.js';
import { prepareConv, prepareMatmul } from '../src/peers/asgrad.js';
import { sameProcessBuildPeer } from '../src/peers/same-process-build.js';
import type { ConvSpec } from '../src/peers/types.js';

beforeAll(() => ready());

const wave = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));

describe('sameProcessBuildPeer', () => {
  // SIMD128 loads on every runtime; relaxed on Node 20 through the flag the peer turns on for the compile.
  for (const build of ['simd128', 'relaxed'] as const) {
    it(`runs matmul and conv2d on the ${build} build in this process, on its own heap`, async () => {
      const supported = relaxedSupported();
      const loaded = kernelInfo().simd;
      const peer = await sameProcessBuildPeer(build);
      expect(peer.name).toBe(`asgrad-${build}`);
      expect(peer.library.build).toMatch(new RegExp(`^${build}, 1 thread, .*loadBuild`));
      // The flag is off again (jax-js probes later) and the run's own build is untouched.
      expect(relaxedSupported()).toBe(supported);
      expect(kernelInfo().simd).toBe(loaded);

      const [m, n, k] = [37, 29, 300];
      const mm = { m, n, k, transA: false, transB: true, a: wave(m * k, Math.sin), b: wave(k * n, Math.cos) };
      const conv: ConvSpec = {
        ...{ pass: 'backwardWeight', n: 3, cIn: 2, h: 9, w: 8, cOut: 5, k: 3 },
        x: wave(3 * 2 * 9 * 8, Math.sin),
        weight: wave(5 * 2 * 9, Math.cos),
        dy: wave(3 * 5 * 7 * 6, (i) => Math.sin(3 * i)),
      };
      // The run's own build first: the packing scratch matmul keeps is then in its heap already.
      const wanted = [prepareMatmul(mm), prepareConv(conv)].map((p) => {
        const out = p.output() as Float32Array;
        p.dispose();
        return out;
      });
      const blocks = heap().stats().blocks;
      const prepared = [await peer.matmul!(mm), await peer.conv2d!(conv)];
      for (const [i, prep] of prepared.entries()) {
        const got = await prep.output();
        expect(got).toHaveLength(wanted[i].length);
        for (let j = 0; j < got.length; j++) expect(got[j]).toBeCloseTo(wanted[i][j], 4);
        prep.run();
        prep.dispose();
      }
      // Every block the peer took lived in the other build's heap.
      expect(heap().stats().blocks).toBe(blocks);
    });
  }
});
