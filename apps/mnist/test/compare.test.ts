import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseContenders, runCompare } from '../src/compare.js';
import { isOptimizerName } from '../src/optimizers.js';
import { DEFAULT_CONFIG } from '../src/train.js';

const root = mkdtempSync(join(tmpdir(), 'asgrad-mnist-compare-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('compare', () => {
  it('trains every optimizer from the same weights on the same batches and writes table and plot', async () => {
    const lines: string[] = [];
    const rows = await runCompare({
      ...DEFAULT_CONFIG,
      schedule: 'none',
      epochs: 1,
      trainLimit: 640,
      testLimit: 200,
      validation: 0,
      contenders: parseContenders('sgd,adam:0.003', isOptimizerName),
      out: root,
      quiet: true,
      log: (l) => lines.push(l),
    });
    expect(rows.map((r) => [r.optimizer, r.lr])).toEqual([
      ['sgd', 0.1],
      ['adam', 0.003],
    ]);
    // 10 batches, one point each; the first loss is measured before any update, so it is the
    // same for both optimizers exactly when weights and first batch are the same
    expect(rows[0].curve).toHaveLength(10);
    expect(rows[0].curve[0][1]).toBe(rows[1].curve[0][1]);
    expect(rows[0].curve[1][1]).not.toBe(rows[1].curve[1][1]);
    for (const r of rows) expect(r.testAccuracy).toBeGreaterThan(0.5);
    expect(
      lines.some((l) => /^optimizer\s+lr\s+final loss\s+val acc\s+test acc\s+time$/.test(l.split('\n')[0])),
    ).toBe(true);
    const csv = readFileSync(join(root, 'compare.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(3);
    expect(csv[1]).toMatch(/^sgd,0.1,/);
    const svg = readFileSync(join(root, 'compare-loss.svg'), 'utf8');
    expect(svg).toContain('>adam 0.003</text>');
    expect(existsSync(join(root, 'compare.html'))).toBe(true);
  });

  it('parses optimizer lists with optional rates, rejecting bad entries', () => {
    expect(parseContenders('momentum, lion:3e-5', isOptimizerName)).toEqual([
      { optimizer: 'momentum', lr: 0.01 },
      { optimizer: 'lion', lr: 3e-5 },
    ]);
    expect(() => parseContenders('adam,', isOptimizerName)).toThrow(/empty entry/);
    expect(() => parseContenders('adam:-1', isOptimizerName)).toThrow(/bad learning rate/);
    expect(() => parseContenders('adam:1:2', isOptimizerName)).toThrow(/not NAME or NAME:LR/);
  });
});
