import { describe, expect, it } from 'vitest';
import type { EpochMetrics } from '../src/checkpoint.js';
import { smoothCurve } from '../src/compare.js';
import { confusionMatrix, formatConfusion, perClassAccuracy } from '../src/confusion.js';
import { contourLevels, contourSegments } from '../src/contour.js';
import { htmlPage, linePlot, niceTicks, toCsv } from '../src/plot.js';
import { metricsCsv } from '../src/report.js';

const pathData = (svg: string) => [...svg.matchAll(/<path d="([^"]+)"/g)].map((m) => m[1]);

describe('linePlot', () => {
  const svg = linePlot({
    title: 'loss <train & val>',
    xLabel: 'epoch',
    yLabel: 'loss',
    series: [
      {
        name: 'train',
        points: [
          [1, 0.5],
          [2, 0.3],
          [3, 0.2],
        ],
      },
      {
        name: 'val "b"',
        points: [
          [1, 0.6],
          [2, Number.NaN],
          [3, 0.25],
        ],
      },
    ],
  });

  it('is one standalone SVG element with a line per series and escaped text', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('loss &#60;train &#38; val&#62;');
    expect(svg).toContain('val &#34;b&#34;');
    const lines = pathData(svg);
    expect(lines).toHaveLength(2);
    expect(lines[0].match(/[ML]/g)).toHaveLength(3);
    expect(lines[1].match(/[ML]/g)).toHaveLength(2); // the NaN point is skipped
  });

  it('maps larger values higher up (smaller SVG y)', () => {
    const ys = [...pathData(svg)[0].matchAll(/[ML][\d.]+ ([\d.]+)/g)].map((m) => Number(m[1]));
    expect(ys[0]).toBeLessThan(ys[1]);
    expect(ys[1]).toBeLessThan(ys[2]);
  });

  it('draws a log axis with power-of-ten ticks', () => {
    const log = linePlot({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      logY: true,
      series: [
        {
          name: 'a',
          points: [
            [0, 2],
            [1, 0.02],
          ],
        },
      ],
    });
    expect(log).toContain('>0.1<');
    expect(log).toContain('>1<');
  });
});

describe('niceTicks', () => {
  it('uses 1-2-5 steps covering the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(1, 3, 4)).toEqual([1, 1.5, 2, 2.5, 3]);
  });
});

describe('htmlPage', () => {
  it('inlines everything: no scripts, no external resources', () => {
    const page = htmlPage('run <1>', [
      { heading: 'plot', svg: '<svg xmlns="http://www.w3.org/2000/svg"></svg>' },
      { heading: 'table', table: { columns: ['a', 'b'], rows: [[1, '<x>']] } },
      { heading: 'text', pre: 'a < b' },
    ]);
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain('<title>run &#60;1&#62;</title>');
    expect(page).toContain('<td>&#60;x&#62;</td>');
    expect(page).toContain('<pre>a &#60; b</pre>');
    expect(page).not.toMatch(/<script|<link|src=/);
  });
});

describe('CSV', () => {
  it('quotes cells with commas, quotes or newlines', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          [1, 'x,y'],
          ['say "hi"', 'two\nlines'],
        ],
      ),
    ).toBe('a,b\n1,"x,y"\n"say ""hi""","two\nlines"\n');
  });

  it('writes one row per epoch, empty cells without validation', () => {
    const m: EpochMetrics = {
      epoch: 1,
      trainLoss: 0.25,
      trainAccuracy: 0.9,
      valLoss: null,
      valAccuracy: null,
      lr: 0.001,
      seconds: 1.23456,
      samplesPerSecond: 1234.5,
    };
    const csv = metricsCsv([m, { ...m, epoch: 2, valLoss: 0.2, valAccuracy: 0.95 }])
      .trim()
      .split('\n');
    expect(csv[0]).toBe(
      'epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds,samples_per_second',
    );
    expect(csv[1]).toBe('1,0.25,0.9,,,0.001,1.235,1235');
    expect(csv[2]).toBe('2,0.25,0.9,0.2,0.95,0.001,1.235,1235');
  });
});

describe('confusion matrix', () => {
  const m = confusionMatrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], 3);

  it('counts true class by row, prediction by column', () => {
    expect(m).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [1, 0, 2],
    ]);
    expect(perClassAccuracy(m)).toEqual([0.5, 1, 2 / 3]);
  });

  it('formats an aligned table with per-class accuracy', () => {
    const lines = formatConfusion(m, ['cat', 'dog', 'eel']).split('\n');
    expect(lines).toHaveLength(4);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[1]).toMatch(/^0 cat\s+1\s+1\s+0\s+50\.0%$/);
    expect(lines[3]).toMatch(/66\.7%$/);
  });

  it('rejects labels outside the classes', () => {
    expect(() => confusionMatrix([3], [0], 3)).toThrow(/sample 0 has label 3/);
  });
});

describe('contours', () => {
  it('traces a circle of f = x² + y² at the right radius', () => {
    const n = 41;
    const values = new Float32Array(n * n);
    const at = (i: number) => -2 + (4 * i) / (n - 1);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) values[j * n + i] = at(i) ** 2 + at(j) ** 2;
    const segs = contourSegments(values, n, n, 1);
    expect(segs.length).toBeGreaterThan(30);
    for (const [x0, y0, x1, y1] of segs) {
      for (const [x, y] of [
        [x0, y0],
        [x1, y1],
      ]) {
        expect(Math.hypot(at(x), at(y))).toBeCloseTo(1, 1);
      }
    }
  });

  it('spaces log levels geometrically above the minimum', () => {
    const lv = contourLevels([0, 1000], 2, true);
    expect(lv[0]).toBeCloseTo(10, 6);
    expect(lv[1]).toBeCloseTo(100, 6);
  });
});

describe('smoothCurve', () => {
  it('averages windows of batches at fractional epochs', () => {
    expect(smoothCurve([4, 2, 3, 1, 5], 2, 4)).toEqual([
      [0.5, 3],
      [1, 2],
      [1.25, 5],
    ]);
  });
});
