// Throwaway timing loop for conv2d (not a test, not a benchmark suite): best GFLOP/s of several
// runs for the forward pass and both backward passes on the MNIST CNN shapes, next to the GEMM
// alone on the product each pass amounts to (same m, n, k and transposes), single thread.
// Each run is timed by this process's CPU time (time spent descheduled on the shared machine does
// not count) and by wall time; both are the best of RUNS runs.
//   node scripts/time-conv.mjs
//   BASELINE=/tmp/conv-baseline/dist/index.js node scripts/time-conv.mjs   # A/B in one process
// With BASELINE, the same passes are also timed with that build of the package (its own heap),
// interleaved run by run with this one so that both see the same load. ONLY=<regex> keeps the
// rows whose "shape pass" text matches.
const runs = Number(process.env.RUNS ?? 15);
const gflop = Number(process.env.GFLOP ?? 0.3); // work per timed run
const only = new RegExp(process.env.ONLY ?? '');

const current = await import('../dist/index.js');
const builds = [['new', current]];
if (process.env.BASELINE) builds.unshift(['old', await import(process.env.BASELINE)]);
for (const [, lib] of builds) await lib.ready();

const shapes = [
  ['[128,1,28,28]*[32,1,3,3] p0', { n: 128, cIn: 1, h: 28, w: 28, cOut: 32, pad: 0 }],
  ['[128,1,28,28]*[32,1,3,3] p1', { n: 128, cIn: 1, h: 28, w: 28, cOut: 32, pad: 1 }],
  ['[128,32,13,13]*[64,32,3,3] p0', { n: 128, cIn: 32, h: 13, w: 13, cOut: 64, pad: 0 }],
  ['[128,32,13,13]*[64,32,3,3] p1', { n: 128, cIn: 32, h: 13, w: 13, cOut: 64, pad: 1 }],
];

function randomBlock(lib, n) {
  const p = lib.heap().alloc(n * 4);
  const f = lib.heap().f32();
  for (let i = 0; i < n; i++) f[p / 4 + i] = Math.random() - 0.5;
  return p;
}

/** Best GFLOP/s (CPU time, wall time) of `runs` runs of fns[i], interleaved across the fns. */
function best(fns, flops) {
  const reps = Math.max(1, Math.round((gflop * 1e9) / flops));
  for (const f of fns) for (let i = 0; i < reps; i++) f(); // warm up (tier-up to TurboFan)
  const out = fns.map(() => ({ cpu: 0, wall: 0 }));
  for (let r = 0; r < runs; r++) {
    fns.forEach((f, i) => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let j = 0; j < reps; j++) f();
      const wall = performance.now() - t0;
      const c1 = process.cpuUsage(c0);
      const cpu = (c1.user + c1.system) / 1000;
      out[i].cpu = Math.max(out[i].cpu, (flops * reps) / cpu / 1e6);
      out[i].wall = Math.max(out[i].wall, (flops * reps) / wall / 1e6);
    });
  }
  return out;
}

const fmt = (r) => `${r.cpu.toFixed(1).padStart(5)} (${r.wall.toFixed(1).padStart(5)})`;

console.log(`build: ${current.kernelInfo().simd}; GFLOP/s by CPU time (by wall time), best of ${runs}`);
console.log(
  `${'shape'.padEnd(31)} ${'pass'.padEnd(9)} ${builds.map(([b]) => `conv ${b}`.padEnd(19)).join(' ')} matmul same product`,
);
for (const [name, d] of shapes) {
  const shape = { ...d, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: d.pad, padW: d.pad };
  delete shape.pad;
  const { oh, ow } = current.conv2dOutSize(shape);
  const P = oh * ow;
  const K = shape.cIn * 9;
  const N = shape.n * P;
  const flops = 2 * shape.cOut * K * N;
  const bufs = builds.map(([, lib]) => ({
    lib,
    x: randomBlock(lib, shape.n * shape.cIn * shape.h * shape.w),
    w: randomBlock(lib, shape.cOut * K),
    bias: randomBlock(lib, shape.cOut),
    y: randomBlock(lib, shape.n * shape.cOut * P),
    dx: randomBlock(lib, shape.n * shape.cIn * shape.h * shape.w),
    dw: randomBlock(lib, shape.cOut * K),
    db: randomBlock(lib, shape.cOut),
  }));
  // The GEMM alone on each pass's product, on blocks of the matching sizes.
  const g = current;
  const A = randomBlock(g, Math.max(shape.cOut * K, shape.cOut * N));
  const B = randomBlock(g, K * N);
  const C = randomBlock(g, Math.max(shape.cOut * N, K * N));
  const passes = [
    [
      'forward',
      (b) => () => b.lib.conv2d(b.x, b.w, b.bias, b.y, shape),
      { a: A, b: B, out: C, m: shape.cOut, n: N, k: K },
    ],
    [
      'bwd-in',
      (b) => () => b.lib.conv2dBackwardInput(b.y, b.w, b.dx, shape),
      { a: A, b: A, out: C, m: K, n: N, k: shape.cOut, transA: true },
    ],
    [
      'bwd-w',
      (b) => () => b.lib.conv2dBackwardWeight(b.x, b.y, b.dw, b.db, shape),
      { a: A, b: B, out: C, m: shape.cOut, n: K, k: N, transB: true },
    ],
  ];
  for (const [pass, make, mm] of passes) {
    if (!only.test(`${name} ${pass}`)) continue;
    const fns = [...bufs.map(make), () => g.matmul(mm)];
    const r = best(fns, flops);
    const mmr = r[r.length - 1];
    const cols = r.slice(0, -1).map((x) => `${fmt(x)} ${Math.round((100 * x.cpu) / mmr.cpu)}%`.padEnd(19));
    console.log(
      `${name.padEnd(31)} ${pass.padEnd(9)} ${cols.join(' ')} ${fmt(mmr)}  m${mm.m} n${mm.n} k${mm.k}`,
    );
  }
  for (const b of bufs)
    for (const key of ['x', 'w', 'bias', 'y', 'dx', 'dw', 'db']) b.lib.heap().free(b[key]);
  for (const p of [A, B, C]) g.heap().free(p);
}
// Reference: the GEMM on the MNIST MLP's first layer.
if (only.test('reference')) {
  const g = current;
  const [m, n, k] = [128, 128, 784];
  const a = randomBlock(g, m * k);
  const b = randomBlock(g, k * n);
  const c = randomBlock(g, m * n);
  const [r] = best([() => g.matmul({ a, b, out: c, m, n, k })], 2 * m * n * k);
  console.log(`matmul 128x128x784 A·B (reference): ${fmt(r)}`);
}
