import { afterAll, describe, expect, it } from 'vitest';
import type { Peer } from '../src/peers/types.js';

// The built module (turbo builds before testing): its child is dist/peers/build-child.js.
const { otherBuildPeers } = await import('../dist/peers/other-build.js');

/** op(A)·op(B) in float64, as the reference the child's output must match. */
function product(m: number, n: number, k: number, a: Float32Array, b: Float32Array, transB: boolean) {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[transB ? j * k + p : p * n + j];
      out[i * n + j] = s;
    }
  return out;
}

describe('otherBuildPeers', () => {
  const closers: (() => void)[] = [];
  afterAll(() => {
    for (const c of closers) c();
  });

  // SIMD128 loads on every runtime; the relaxed build on Node 20 with the flag the peer adds
  // when this runtime rejects relaxed-SIMD, and on later Node versions without it.
  for (const build of ['simd128', 'relaxed'] as const) {
    it(`runs a matmul in the ${build} build in a child, on 1 and 2 threads, and times it there`, async () => {
      const { peers, close } = await otherBuildPeers(build, [1, 2]);
      closers.push(close);
      expect(peers.map((p: Peer) => p.name)).toEqual([`asgrad-${build}`, `asgrad-${build}-2t`]);
      expect(peers[0].library.build).toMatch(new RegExp(`^${build}, 1 thread,`));
      const [m, n, k] = [37, 29, 300];
      const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
      const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i));
      const want = product(m, n, k, a, b, true);
      for (const peer of peers) {
        const prep = await peer.matmul!({ m, n, k, transA: false, transB: true, a, b });
        const got = await prep.output();
        expect(got).toHaveLength(m * n);
        for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(want[i], 3);
        expect(await prep.measureRound!(2, 1)).toBeGreaterThan(0);
        expect(() => prep.run()).toThrow('timed in its own process');
        prep.dispose();
      }
    });
  }

  it("fails with the kernels' reason when the child cannot load the build", async () => {
    // An unknown build name reaches the kernels' loader as ASGRAD_SIMD, which rejects it.
    await expect(otherBuildPeers('avx' as never, [1])).rejects.toThrow(/ASGRAD_SIMD must be/);
  });
});

describe('the train suite', () => {
  it("adds asgrad's other build on 1 and n threads, in children that load it", async () => {
    const { trainPeers } = await import('../src/suites/train.js');
    const { buildChildOptions, otherBuild, RELAXED_FLAG } = await import('../src/builds.js');
    const build = otherBuild();
    const names = trainPeers(false, 2).map((p) => p.name);
    expect(names.slice(0, 4)).toEqual(['asgrad', 'asgrad-2t', `asgrad-${build}`, `asgrad-${build}-2t`]);
    const { flags, env } = buildChildOptions(build);
    expect(env.ASGRAD_SIMD).toBe(build);
    // The flag only where this Node rejects relaxed-SIMD without it (then the other build is relaxed).
    expect(flags).toEqual(build === 'relaxed' ? [RELAXED_FLAG] : []);
    expect(buildChildOptions('simd128').flags).toEqual([]);
  });
});

describe('otherBuild', () => {
  it('is the build ASGRAD_SIMD does not force, or the one this runtime would not load', async () => {
    const { otherBuild } = await import('../src/builds.js');
    const { relaxedSupported } = await import('../src/peak-probe.js');
    const saved = process.env.ASGRAD_SIMD;
    try {
      process.env.ASGRAD_SIMD = 'simd128';
      expect(otherBuild()).toBe('relaxed');
      process.env.ASGRAD_SIMD = 'relaxed';
      expect(otherBuild()).toBe('simd128');
      delete process.env.ASGRAD_SIMD;
      expect(otherBuild()).toBe(relaxedSupported() ? 'simd128' : 'relaxed');
    } finally {
      if (saved === undefined) delete process.env.ASGRAD_SIMD;
      else process.env.ASGRAD_SIMD = saved;
    }
  });
});
