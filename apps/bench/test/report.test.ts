import { describe, expect, it } from 'vitest';
import {
  headlines,
  type Report,
  ratio,
  ratioBase,
  renderJson,
  renderMarkdown,
  renderSuite,
  type SuiteResult,
} from '../src/report.js';

const stat = (median: number, min: number, max: number) => ({ median, min, max });

// Two matmul cases of 2 GFLOP each: asgrad takes 0.1 s (20 GFLOP/s) and the peer 0.2 s, then
// 0.05 s against 0.4 s: ratios 2 and 8, geometric mean 4.
const matmul: SuiteResult = {
  suite: 'matmul',
  title: 'matrix multiply',
  unit: 'GFLOP/s',
  peers: ['asgrad', 'peer', 'broken', 'slow'],
  baseline: 'asgrad',
  peakGflops: 40,
  notes: ['a note'],
  cases: [
    {
      name: '1000³ A·B',
      params: { m: 1000, n: 1000, k: 1000 },
      flops: 2e9,
      cells: [
        { peer: 'asgrad', status: 'ok', seconds: stat(0.1, 0.08, 0.125), reps: 5 },
        {
          peer: 'peer',
          status: 'ok',
          seconds: stat(0.2, 0.2, 0.2),
          reps: 5,
          mismatch: 'max rel. error 0.5 vs asgrad',
        },
        { peer: 'broken', status: 'error', error: 'kernel | not registered' },
        { peer: 'slow', status: 'skipped', reason: 'only up to 256³' },
      ],
    },
    {
      name: '1000³ A·Bᵀ',
      params: {},
      flops: 2e9,
      cells: [
        { peer: 'asgrad', status: 'ok', seconds: stat(0.05, 0.05, 0.05), reps: 5 },
        { peer: 'peer', status: 'ok', seconds: stat(0.4, 0.4, 0.4), reps: 5 },
        { peer: 'broken', status: 'error', error: 'boom' },
        { peer: 'slow', status: 'skipped', reason: 'too slow' },
      ],
    },
  ],
};

const ops: SuiteResult = {
  suite: 'ops',
  title: 'add',
  unit: 'µs',
  peers: ['asgrad', 'peer'],
  baseline: 'asgrad',
  caveat: 'asgrad below its API',
  notes: [],
  cases: [
    {
      name: 'add, 1 element',
      params: { n: 1 },
      cells: [
        { peer: 'asgrad', status: 'ok', seconds: stat(2e-7, 1e-7, 3e-7), reps: 3 },
        { peer: 'peer', status: 'ok', seconds: stat(6e-6, 5e-6, 7e-6), reps: 3 },
      ],
    },
  ],
};

const report: Report = {
  tool: 'asgrad-bench',
  date: '2025-01-01T00:00:00.000Z',
  command: 'pnpm bench --quick',
  quick: true,
  seed: 1,
  method: 'The method sentence.',
  machine: {
    cpu: 'Test CPU',
    cores: 2,
    memoryGiB: 24,
    os: 'Linux x64',
    node: 'v20.0.0',
    v8: '11.3',
    relaxedSimd: false,
  },
  libraries: [{ peer: 'asgrad', name: '@asgrad/kernels', version: '0.1.0', build: 'simd128, 1 thread' }],
  suites: [matmul, ops],
};

describe('ratios', () => {
  it('is asgrad speed / peer speed from the medians, and absent when either side did not run', () => {
    expect(ratio(matmul.cases[0], 'asgrad', 'peer')).toBeCloseTo(2);
    expect(ratio(matmul.cases[1], 'asgrad', 'peer')).toBeCloseTo(8);
    expect(ratio(matmul.cases[0], 'asgrad', 'broken')).toBeUndefined();
    expect(ratio(ops.cases[0], 'asgrad', 'peer')).toBeCloseTo(30);
  });

  it('headlines give the geometric mean and range over the cases both peers ran', () => {
    const h = headlines(report);
    expect(h).toHaveLength(2);
    expect(h[0]).toMatchObject({ suite: 'matmul', peer: 'peer', cases: 2, caveat: undefined });
    expect(h[0].geomean).toBeCloseTo(4);
    expect(h[0].min).toBeCloseTo(2);
    expect(h[0].max).toBeCloseTo(8);
    expect(h[1]).toMatchObject({ suite: 'ops', peer: 'peer', cases: 1, caveat: 'asgrad below its API' });
  });
  it('against asgrad on n threads, the headline note gives the n-thread speedup', () => {
    // The 'peer' column renamed asgrad-2t: asgrad / asgrad-2t = 2 and 8, so 2 threads are 0.25× as fast.
    const threaded: SuiteResult = {
      ...matmul,
      peers: ['asgrad', 'asgrad-2t'],
      cases: matmul.cases.map((c) => ({
        ...c,
        cells: c.cells
          .filter((x) => x.peer === 'asgrad' || x.peer === 'peer')
          .map((x) => ({
            ...x,
            peer: x.peer === 'peer' ? 'asgrad-2t' : x.peer,
          })),
      })),
    };
    const [h] = headlines({ ...report, suites: [threaded] });
    expect(h.peer).toBe('asgrad-2t');
    expect(h.caveat).toBe('asgrad on 1 thread vs 2: the 2-thread speedup is 0.250× (0.125×–0.500×)');
  });

  it("compares asgrad's other build with asgrad on the same thread count", () => {
    expect(ratioBase('asgrad', 'asgrad-relaxed')).toBe('asgrad');
    expect(ratioBase('asgrad', 'asgrad-relaxed-2t')).toBe('asgrad-2t');
    expect(ratioBase('asgrad', 'asgrad-simd128-4t')).toBe('asgrad-4t');
    expect(ratioBase('asgrad', 'asgrad-2t')).toBe('asgrad');
    expect(ratioBase('asgrad', 'tfjs-wasm')).toBe('asgrad');
    // asgrad 0.1 s, asgrad-2t 0.05 s, asgrad-relaxed-2t 0.04 s and 0.1 s on two cases.
    const cell = (peer: string, s: number) => ({
      peer,
      status: 'ok' as const,
      seconds: stat(s, s, s),
      reps: 5,
    });
    const builds: SuiteResult = {
      ...matmul,
      peers: ['asgrad', 'asgrad-2t', 'asgrad-relaxed-2t'],
      cases: [0.04, 0.1].map((relaxed, i) => ({
        ...matmul.cases[0],
        name: `case ${i}`,
        cells: [cell('asgrad', 0.1), cell('asgrad-2t', 0.05), cell('asgrad-relaxed-2t', relaxed)],
      })),
    };
    const h = headlines({ ...report, suites: [builds] }).find((x) => x.peer === 'asgrad-relaxed-2t')!;
    // asgrad-2t / relaxed-2t: 0.04/0.05 = 0.8 and 0.1/0.05 = 2.
    expect(h.min).toBeCloseTo(0.8);
    expect(h.max).toBeCloseTo(2);
    expect(h.caveat).toBe(
      'asgrad-2t vs its relaxed build on the same threads: relaxed speed / asgrad-2t speed is 0.791× (0.500×–1.25×)',
    );
    const header = renderSuite(builds).split('\n')[2];
    expect(header).toContain('| asgrad-2t/asgrad-relaxed-2t |');
    expect(renderSuite(builds).split('\n')[4]).toContain('| 0.800× |');
  });
});

describe('renderSuite', () => {
  const md = renderSuite(matmul);
  const lines = md.split('\n');

  it('has a header with a column per peer, a ratio column per other peer and % of peak', () => {
    expect(lines[0]).toBe('## matmul: matrix multiply');
    expect(lines[2]).toBe(
      '| case | asgrad GFLOP/s | peer GFLOP/s | broken GFLOP/s | slow GFLOP/s | asgrad/peer | asgrad/broken | asgrad/slow | asgrad % of peak |',
    );
    expect(lines[3]).toBe('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  });

  it('shows GFLOP/s as median (min–max), errors and skips with their reason, and marks mismatches', () => {
    expect(lines[4]).toBe(
      '| 1000³ A·B | 20.0 (16.0–25.0) | 10.0 (10.0–10.0) ≠ (max rel. error 0.5 vs asgrad) | error: kernel \\| not registered | skipped: only up to 256³ | 2.00× | — | — | 50.0% |',
    );
    expect(lines[5]).toContain('| 40.0 (40.0–40.0) | 5.00 (5.00–5.00) |');
    expect(lines[5]).toContain('| 8.00× |');
    expect(md).toContain('- a note');
  });

  it('shows µs per call for time suites, and no % of peak column', () => {
    const o = renderSuite(ops).split('\n');
    expect(o[2]).toBe('| case | asgrad µs/call | peer µs/call | asgrad/peer |');
    expect(o[4]).toBe('| add, 1 element | 0.200 (0.100–0.300) | 6.00 (5.00–7.00) | 30.0× |');
  });
});

describe('renderMarkdown', () => {
  const md = renderMarkdown(report);

  it('names the command, the machine, the runtime and each library build', () => {
    expect(md).toContain('Command: `pnpm bench --quick` — 2025-01-01T00:00:00.000Z — quick mode');
    expect(md).toContain('Machine: Test CPU, 2 logical cores, 24.0 GiB; Linux x64; Node v20.0.0 (V8 11.3)');
    expect(md).toContain('relaxed-SIMD not accepted by this runtime');
    expect(md).toContain('| asgrad | @asgrad/kernels | 0.1.0 | simd128, 1 thread |');
    expect(md).toContain('The method sentence.');
  });

  it('puts the headline ratios before the suites', () => {
    expect(md).toContain('| matmul | peer | 4.00× | 2.00×–8.00× | 2 |  |');
    expect(md).toContain('| ops | peer | 30.0× | 30.0×–30.0× | 1 | asgrad below its API |');
    expect(md.indexOf('## Headline')).toBeLessThan(md.indexOf('## matmul'));
    expect(md.indexOf('## matmul')).toBeLessThan(md.indexOf('## ops'));
  });
});

describe('renderJson', () => {
  it('round-trips the report exactly', () => {
    expect(JSON.parse(renderJson(report))).toEqual(report);
  });

  it('leaves the library table out when no peer library was loaded', () => {
    const bare = renderMarkdown({ ...report, libraries: [] });
    expect(bare).not.toContain('| peer | library |');
    expect(renderMarkdown(report)).toContain('| peer | library | version | build |');
  });
});

describe('samples/s suites', () => {
  const train: SuiteResult = {
    suite: 'train',
    title: 'training',
    unit: 'samples/s',
    peers: ['asgrad', 'tfjs-wasm'],
    baseline: 'asgrad',
    notes: [],
    cases: [
      {
        name: 'MLP',
        params: {},
        samples: 128,
        cells: [
          { peer: 'asgrad', status: 'ok', seconds: stat(0.01, 0.008, 0.016), reps: 5 },
          { peer: 'tfjs-wasm', status: 'ok', seconds: stat(0.04, 0.04, 0.04), reps: 1 },
        ],
      },
    ],
    tables: [{ title: 'Memory', header: ['peer', 'peak RSS'], rows: [['asgrad', '80 | MiB']] }],
  };

  it('shows batch / seconds per step, a single repetition without a range, and the extra tables', () => {
    const md = renderSuite(train);
    expect(md).toContain('| case | asgrad samples/s | tfjs-wasm samples/s | asgrad/tfjs-wasm |');
    expect(md).toContain('| MLP | 12800 (8000–16000) | 3200 (1 rep.) | 4.00× |');
    expect(md).toContain('Memory:\n\n| peer | peak RSS |\n| --- | --- |\n| asgrad | 80 \\| MiB |');
  });
});
