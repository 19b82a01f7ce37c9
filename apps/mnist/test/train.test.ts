import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EpochMetrics, TrainConfig } from '../src/checkpoint.js';
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

  const small: Partial<TrainConfig> = {
    model: 'cnn',
    trainLimit: 400,
    testLimit: 100,
    validation: 100,
    batchSize: 50,
    seed: 7,
    epochs: 2,
  };
  const same = (a: string, b: string, file: string) =>
    readFileSync(join(a, file)).equals(readFileSync(join(b, file)));
  const figures = (h: EpochMetrics[]) => h.map(({ seconds, samplesPerSecond, ...m }) => m);

  it('a run killed after epoch 1 and resumed ends bit-identical to an uninterrupted one', async () => {
    // CNN: dropout draws from the generator; cosine schedule: the scheduler state must resume too
    const straight = join(root, 'straight');
    const killed = join(root, 'killed');
    const a = await runTraining({ out: straight, resume: false, config: small, ...quiet });
    const stop = new AbortController();
    const log = (line: string) => {
      if (line.startsWith('epoch 1/2')) stop.abort(); // after the checkpoint of epoch 1 is written
    };
    const cut = await runTraining({
      out: killed,
      resume: false,
      config: small,
      quiet: true,
      log,
      signal: stop.signal,
    });
    expect(cut.interrupted).toBe(true);
    expect(cut.history).toHaveLength(1);
    expect(same(killed, straight, 'model.safetensors')).toBe(false); // the files really differ at this point
    const b = await runTraining({ out: killed, resume: true, config: {}, ...quiet });
    expect(same(killed, straight, 'model.safetensors')).toBe(true);
    expect(same(killed, straight, 'optimizer.json')).toBe(true);
    expect(figures(b.history)).toEqual(figures(a.history));
    expect(b.test?.accuracy).toBe(a.test?.accuracy);
  });

  it('without a schedule, a finished run can be extended by more epochs, bit-identically', async () => {
    const config = { ...small, model: 'mlp' as const, schedule: 'none' as const };
    const straight = join(root, 'straight-mlp');
    const extended = join(root, 'extended-mlp');
    await runTraining({ out: straight, resume: false, config, ...quiet });
    await runTraining({ out: extended, resume: false, config: { ...config, epochs: 1 }, ...quiet });
    await runTraining({ out: extended, resume: true, config: { epochs: 2 }, ...quiet });
    expect(same(extended, straight, 'model.safetensors')).toBe(true);
    expect(same(extended, straight, 'optimizer.json')).toBe(true);
    await expect(
      runTraining({ out: join(root, 'killed'), resume: true, config: { epochs: 3 }, ...quiet }),
    ).rejects.toThrow(/cosine schedule spans 2 epochs/);
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
