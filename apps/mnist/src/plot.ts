// SVG line plots and a self-contained HTML page around them: no plotting library, no scripts,
// so a run directory can be opened from disk or attached to an issue as it is.

/** One line of a plot: its name (legend) and its points. */
export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

/** What {@link linePlot} draws. */
export interface LinePlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Logarithmic y axis (all y must be > 0). */
  logY?: boolean;
  width?: number;
  height?: number;
}

/** Colours of the series, in order (Tableau 10: distinguishable, colour-blind friendly enough). */
export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

/** Escapes text for SVG / HTML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Compact number for tick labels: 3 significant digits, exponent for very small or large. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

/** About `count` round tick values covering [lo, hi] (1-2-5 steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function extent(values: number[]): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  return [lo, hi];
}

/**
 * An SVG line plot with axes, ticks, a title and a legend (one line per series).
 * Non-finite points are skipped (a diverging run still plots its finite part).
 *
 * @example
 * ```ts
 * const svg = linePlot({ title: 'loss', xLabel: 'epoch', yLabel: 'loss',
 *   series: [{ name: 'train', points: [[1, 0.5], [2, 0.3]] }] });
 * ```
 */
export function linePlot(o: LinePlotOptions): string {
  const width = o.width ?? 640;
  const height = o.height ?? 400;
  const m = { left: 64, right: 150, top: 36, bottom: 48 };
  const ty = (y: number) => (o.logY ? Math.log10(y) : y);
  const series = o.series.map((s) => ({
    name: s.name,
    points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(ty(y))),
  }));
  const all = series.flatMap((s) => s.points);
  const [x0, x1] = all.length ? extent(all.map((p) => p[0])) : [0, 1];
  const [y0, y1] = all.length ? extent(all.map((p) => ty(p[1]))) : [0, 1];
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.top + ph - ((ty(y) - y0) / (y1 - y0)) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${m.left + pw / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(o.title)}</text>`,
  ];
  for (const t of niceTicks(x0, x1)) {
    const x = sx(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${m.top + ph + 16}" text-anchor="middle">${formatTick(t)}</text>`);
  }
  const yTicks = o.logY
    ? niceTicks(Math.floor(y0), Math.ceil(y1), Math.max(1, Math.ceil(y1) - Math.floor(y0)))
        .filter((e) => e >= y0 - 1e-9 && e <= y1 + 1e-9)
        .map((e) => 10 ** e)
    : niceTicks(y0, y1);
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#eee"/>`);
    out.push(
      `<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(t)}</text>`,
    );
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  out.push(
    `<text x="${m.left + pw / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`,
    `<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}${o.logY ? ' (log)' : ''}</text>`,
  );
  series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length];
    if (s.points.length > 0) {
      const d = s.points
        .map(([x, y], j) => `${j ? 'L' : 'M'}${sx(x).toFixed(1)} ${sy(y).toFixed(1)}`)
        .join('');
      out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.8"/>`);
      if (s.points.length === 1) {
        const [x, y] = s.points[0];
        out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${colour}"/>`);
      }
    }
    const ly = m.top + 10 + i * 18;
    out.push(
      `<line x1="${m.left + pw + 12}" y1="${ly}" x2="${m.left + pw + 32}" y2="${ly}" stroke="${colour}" stroke-width="3"/>`,
      `<text x="${m.left + pw + 38}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}

/** One block of an HTML report: a heading and any of an SVG, a table and a preformatted text. */
export interface Section {
  heading: string;
  svg?: string;
  table?: { columns: string[]; rows: (string | number)[][] };
  pre?: string;
}

/** A self-contained HTML page (inline SVG and CSS, no external resources) holding the sections. */
export function htmlPage(title: string, sections: readonly Section[]): string {
  const body = sections.map((s) => {
    const parts = [`<h2>${escapeXml(s.heading)}</h2>`];
    if (s.svg) parts.push(s.svg);
    if (s.table) {
      const head = s.table.columns.map((c) => `<th>${escapeXml(c)}</th>`).join('');
      const rows = s.table.rows.map(
        (r) => `<tr>${r.map((v) => `<td>${escapeXml(String(v))}</td>`).join('')}</tr>`,
      );
      parts.push(`<table><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`);
    }
    if (s.pre) parts.push(`<pre>${escapeXml(s.pre)}</pre>`);
    return `<section>${parts.join('\n')}</section>`;
  });
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeXml(title)}</title>`,
    '<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}' +
      'td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}svg{max-width:100%;height:auto}</style>',
    `</head><body><h1>${escapeXml(title)}</h1>`,
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}

/** CSV text with a header row; values containing commas, quotes or newlines are quoted. */
export function toCsv(columns: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}
