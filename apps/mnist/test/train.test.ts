import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainConfig } from '../src/checkpoint.js';
import { loadCheckpoint } from '../src/checkpoint.js';
import { resolveConfig, runTraining } from '../src/train.js';

const root = mkdtempSync(join(tmpdir(), 'asgrad-mnist-train-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const quiet = { quiet: true, log: () => {} };

describe('training', () => {
  it('a small CNN trained on 5,000 images for one pass gets > 90% on 1,000 test images', async () => {
    const out = join(root, 'learns');
    const r = await runTraining({
      out,
      resume: false,
      config: { model: 'cnn', trainLimit: 5000, testLimit: 1000, validation: 500, epochs: 1, batchSize: 32 },
      ...quiet,
    });
    expect(r.test?.n).toBe(1000);
    expect(r.test?.accuracy).toBeGreaterThan(0.9);
    expect(r.history[0].valAccuracy).toBeGreaterThan(0.9);
    // the run directory holds the report and a checkpoint of the finished epoch
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.test.accuracy).toBe(r.test?.accuracy);
    expect(metrics.test.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(1000);
    expect(readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(readFileSync(join(out, 'loss.svg'), 'utf8')).toMatch(/^<svg/);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<svg');
    const ck = loadCheckpoint(out);
    expect(ck.state.epoch).toBe(1);
    expect(ck.state.config.model).toBe('cnn');
    for (const t of Object.values(ck.weights)) t.dispose();
  });

  it('a run resumed after one epoch ends bit-identical to an uninterrupted one (dropout included)', async () => {
    const config: Partial<TrainConfig> = {
      model: 'cnn',
      trainLimit: 400,
      testLimit: 100,
      validation: 100,
      batchSize: 50,
      seed: 7,
    };
    const straight = join(root, 'straight');
    const resumed = join(root, 'resumed');
    const a = await runTraining({ out: straight, resume: false, config: { ...config, epochs: 2 }, ...quiet });
    await runTraining({ out: resumed, resume: false, config: { ...config, epochs: 1 }, ...quiet });
    const b = await runTraining({ out: resumed, resume: true, config: { epochs: 2 }, ...quiet });
    for (const file of ['model.safetensors', 'optimizer.json']) {
      expect(readFileSync(join(resumed, file)).equals(readFileSync(join(straight, file)))).toBe(true);
    }
    const figures = (h: typeof a.history) => h.map(({ seconds, samplesPerSecond, ...m }) => m);
    expect(figures(b.history)).toEqual(figures(a.history));
    expect(b.test?.accuracy).toBe(a.test?.accuracy);
    // a different seed really gives different weights (the comparison above can fail)
    const other = join(root, 'other');
    await runTraining({ out: other, resume: false, config: { ...config, epochs: 1, seed: 8 }, ...quiet });
    expect(
      readFileSync(join(other, 'model.safetensors')).equals(readFileSync(join(resumed, 'model.safetensors'))),
    ).toBe(false);
  });

  it('refuses to overwrite a run, to resume a missing one, or to resume with other settings', async () => {
    const out = join(root, 'learns');
    await expect(runTraining({ out, resume: false, config: {}, ...quiet })).rejects.toThrow(
      /already holds a run/,
    );
    await expect(
      runTraining({ out: join(root, 'none'), resume: true, config: {}, ...quiet }),
    ).rejects.toThrow(/no checkpoint/);
    await expect(runTraining({ out, resume: true, config: { model: 'mlp' }, ...quiet })).rejects.toThrow(
      /started with model = cnn, not mlp/,
    );
  });
});

describe('resolveConfig', () => {
  it('fills defaults and the optimizer default learning rate', () => {
    expect(resolveConfig({ optimizer: 'sgd' })).toMatchObject({
      model: 'mlp',
      optimizer: 'sgd',
      lr: 0.1,
      epochs: 3,
    });
    expect(resolveConfig({ lr: 0.5, epochs: undefined }).epochs).toBe(3);
  });
});
