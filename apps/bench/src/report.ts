// The report a run produces: plain data (written as JSON) and its Markdown rendering.
// Every figure is derived from per-call seconds, so ratios and GFLOP/s come from the
// same numbers the JSON holds.
import { asgradThreads } from './peer-names.js';

/** Median, min and max over the interleaved repetitions of one measurement. */
export interface Stat {
  median: number;
  min: number;
  max: number;
}

/** One peer's outcome on one case: timed, failed (with the error), or not run (with why). */
export type Cell =
  | {
      peer: string;
      status: 'ok';
      /** Seconds per call. */
      seconds: Stat;
      /** Number of repetitions behind `seconds`. */
      reps: number;
      /** Set when the output disagrees with the reference peer's. */
      mismatch?: string;
    }
  | { peer: string; status: 'error'; error: string }
  | { peer: string; status: 'skipped'; reason: string };

export interface CaseResult {
  name: string;
  params: Record<string, number | string | boolean>;
  /** Floating-point operations per call; when set, cells are shown as GFLOP/s. */
  flops?: number;
  /** Samples per call (a training step's batch), for suites in samples/s. */
  samples?: number;
  cells: Cell[];
}

export interface SuiteResult {
  suite: string;
  title: string;
  /** How cells are shown: GFLOP/s (needs `flops`), samples/s (needs `samples`) or microseconds per call. */
  unit: 'GFLOP/s' | 'samples/s' | 'µs';
  /** Column order. */
  peers: string[];
  /** The peer ratios are taken against (asgrad speed / peer speed); none for `peak`. */
  baseline?: string;
  /** Measured single-thread SIMD peak that the baseline's GFLOP/s is shown as a fraction of. */
  peakGflops?: number;
  /** A qualification the headline ratios need (e.g. asgrad timed below its public API). */
  caveat?: string;
  notes: string[];
  cases: CaseResult[];
  /** Further tables shown after the notes (e.g. memory and loss per peer). */
  tables?: ExtraTable[];
}

export interface ExtraTable {
  title: string;
  header: string[];
  rows: string[][];
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  v8: string;
  /** Whether this runtime validates relaxed-SIMD modules. */
  relaxedSimd: boolean;
  /** 1/5/15-minute load averages when the run started and ended (other work on the machine skews timings). */
  loadAverage?: { start: number[]; end: number[] };
}

export interface Library {
  peer: string;
  name: string;
  version: string;
  build: string;
}

export interface Report {
  tool: 'asgrad-bench';
  date: string;
  command: string;
  quick: boolean;
  seed: number;
  method: string;
  machine: Machine;
  libraries: Library[];
  suites: SuiteResult[];
}

/** Value shown for a timed cell: GFLOP/s or samples/s (higher is better), or µs per call (lower is better). */
export function cellValue(suite: SuiteResult, c: CaseResult, seconds: number): number {
  if (suite.unit === 'GFLOP/s') return (c.flops ?? 0) / seconds / 1e9;
  if (suite.unit === 'samples/s') return (c.samples ?? 0) / seconds;
  return seconds * 1e6;
}

/**
 * The peer a column's ratio is taken against: the suite's baseline, except for asgrad's other
 * kernel build (`asgrad-relaxed`, `asgrad-relaxed-2t`, …), which is compared with asgrad on the
 * same thread count.
 */
export function ratioBase(baseline: string, peer: string): string {
  const m = /^asgrad-(?:simd128|relaxed)(?:-(\d+)t)?$/.exec(peer);
  if (!m || !baseline.startsWith('asgrad')) return baseline;
  return m[1] ? `asgrad-${m[1]}t` : baseline;
}

/** asgrad speed / peer speed from the medians; > 1 means asgrad is faster. */
export function ratio(c: CaseResult, baseline: string, peer: string): number | undefined {
  const b = c.cells.find((x) => x.peer === baseline);
  const p = c.cells.find((x) => x.peer === peer);
  if (b?.status !== 'ok' || p?.status !== 'ok') return undefined;
  return p.seconds.median / b.seconds.median;
}

export interface Headline {
  suite: string;
  caveat?: string;
  peer: string;
  /** Geometric mean of the per-case ratios. */
  geomean: number;
  min: number;
  max: number;
  cases: number;
}

/** Per suite and peer: the geometric mean (and range) of asgrad/peer over the cases both ran. */
export function headlines(report: Report): Headline[] {
  const out: Headline[] = [];
  for (const s of report.suites) {
    if (!s.baseline) continue;
    for (const peer of s.peers) {
      if (peer === s.baseline) continue;
      const base = ratioBase(s.baseline, peer);
      const rs = s.cases.map((c) => ratio(c, base, peer)).filter((r): r is number => r !== undefined);
      if (rs.length === 0) continue;
      const geomean = Math.exp(rs.reduce((a, r) => a + Math.log(r), 0) / rs.length);
      const inverse = `${fmt(1 / geomean)}× (${fmt(1 / Math.max(...rs))}×–${fmt(1 / Math.min(...rs))}×)`;
      // asgrad against itself on n threads: the useful figure is the inverse, the speedup.
      const threads = asgradThreads(peer);
      const build = /^asgrad-(simd128|relaxed)/.exec(peer)?.[1];
      out.push({
        suite: s.suite,
        caveat: threads
          ? `asgrad on 1 thread vs ${threads}: the ${threads}-thread speedup is ${inverse}`
          : build && base !== s.baseline
            ? `${base} vs its ${build} build on the same threads: ${build} speed / ${base} speed is ${inverse}`
            : build
              ? `asgrad vs its ${build} build: ${build} speed / asgrad speed is ${inverse}`
              : s.caveat,
        peer,
        geomean,
        min: Math.min(...rs),
        max: Math.max(...rs),
        cases: rs.length,
      });
    }
  }
  return out;
}

/** Three significant digits, without exponent notation for the ranges seen here. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  if (a >= 0.01) return v.toFixed(3);
  return v.toPrecision(2);
}

function fmtRatio(r: number | undefined): string {
  return r === undefined ? '—' : `${fmt(r)}×`;
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

function renderCell(suite: SuiteResult, c: CaseResult, cell: Cell | undefined): string {
  if (!cell) return '—';
  if (cell.status === 'error') return escapeCell(`error: ${cell.error}`);
  if (cell.status === 'skipped') return escapeCell(`skipped: ${cell.reason}`);
  const med = cellValue(suite, c, cell.seconds.median);
  // min-max of the shown value: for GFLOP/s the fastest call gives the highest figure.
  const a = cellValue(suite, c, cell.seconds.min);
  const b = cellValue(suite, c, cell.seconds.max);
  const mark = cell.mismatch ? ` ≠ (${escapeCell(cell.mismatch)})` : '';
  // A single repetition has no range to show.
  if (cell.reps === 1) return `${fmt(med)} (1 rep.)${mark}`;
  return `${fmt(med)} (${fmt(Math.min(a, b))}–${fmt(Math.max(a, b))})${mark}`;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** One suite as a Markdown section: a row per case, a column per peer, then the ratio columns. */
export function renderSuite(s: SuiteResult): string {
  const others = s.baseline ? s.peers.filter((p) => p !== s.baseline) : [];
  const header = ['case', ...s.peers.map((p) => `${p} ${s.unit === 'µs' ? 'µs/call' : s.unit}`)];
  header.push(...others.map((p) => `${ratioBase(s.baseline!, p)}/${p}`));
  const showPeak = s.baseline !== undefined && s.peakGflops !== undefined && s.unit === 'GFLOP/s';
  if (showPeak) header.push(`${s.baseline} % of peak`);
  const rows = s.cases.map((c) => {
    const row = [
      escapeCell(c.name),
      ...s.peers.map((p) =>
        renderCell(
          s,
          c,
          c.cells.find((x) => x.peer === p),
        ),
      ),
    ];
    row.push(...others.map((p) => fmtRatio(ratio(c, ratioBase(s.baseline!, p), p))));
    if (showPeak) {
      const b = c.cells.find((x) => x.peer === s.baseline);
      row.push(
        b?.status === 'ok' ? `${fmt((100 * cellValue(s, c, b.seconds.median)) / s.peakGflops!)}%` : '—',
      );
    }
    return row;
  });
  const parts = [`## ${s.suite}: ${s.title}`, '', table(header, rows)];
  if (s.notes.length > 0) parts.push('', ...s.notes.map((n) => `- ${n}`));
  for (const t of s.tables ?? [])
    parts.push(
      '',
      `${t.title}:`,
      '',
      table(
        t.header,
        t.rows.map((r) => r.map(escapeCell)),
      ),
    );
  return parts.join('\n');
}

/** The whole report as Markdown: machine, libraries, method, headline ratios, one section per suite. */
export function renderMarkdown(report: Report): string {
  const m = report.machine;
  const out: string[] = [
    '# asgrad benchmarks',
    '',
    `Command: \`${report.command}\` — ${report.date}${report.quick ? ' — quick mode (smoke test, not for judging speed)' : ''}`,
    '',
    `Machine: ${m.cpu}, ${m.cores} logical cores, ${fmt(m.memoryGiB)} GiB; ${m.os}; Node ${m.node} (V8 ${m.v8}); ` +
      `relaxed-SIMD ${m.relaxedSimd ? 'accepted' : 'not accepted'} by this runtime`,
  ];
  if (m.loadAverage) {
    const la = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(' / ');
    out.push(
      '',
      `Load average (1 / 5 / 15 min): ${la(m.loadAverage.start)} at the start, ${la(m.loadAverage.end)} at the end (${m.cores} cores; other processes slow the figures, and interleaving spreads that over all peers).`,
    );
  }
  if (report.libraries.length > 0) {
    out.push(
      '',
      table(
        ['peer', 'library', 'version', 'build'],
        report.libraries.map((l) => [l.peer, l.name, l.version, escapeCell(l.build)]),
      ),
    );
  }
  out.push('', report.method);
  const heads = headlines(report);
  if (heads.length > 0) {
    out.push(
      '',
      '## Headline: asgrad speed / peer speed (> 1: asgrad faster)',
      '',
      table(
        ['suite', 'peer', 'geometric mean', 'range', 'cases', 'note'],
        heads.map((h) => [
          h.suite,
          h.peer,
          fmtRatio(h.geomean),
          `${fmtRatio(h.min)}–${fmtRatio(h.max)}`,
          String(h.cases),
          escapeCell(h.caveat ?? ''),
        ]),
      ),
    );
  }
  for (const s of report.suites) out.push('', renderSuite(s));
  return `${out.join('\n')}\n`;
}

/** The report as JSON (stable key order, two-space indent). */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
