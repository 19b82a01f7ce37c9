import { describe, expect, it } from 'vitest';
import { OPTIMIZER_NAMES, OPTIMIZERS } from '../src/optimizers.js';

describe('optimizer settings', () => {
  it('cover every optimizer the optim suite names, with an @asgrad/optim class each', async () => {
    const optim = (await import('@asgrad/optim')) as Record<string, unknown>;
    for (const name of OPTIMIZER_NAMES) expect(typeof optim[OPTIMIZERS[name].asgrad.cls]).toBe('function');
  });

  it('give TF.js the same learning rate as asgrad wherever TF.js has the optimizer', () => {
    for (const name of OPTIMIZER_NAMES) {
      const { asgrad, tfjs } = OPTIMIZERS[name];
      if ('missing' in tfjs) continue;
      expect(tfjs.args[0]).toBe(asgrad.options.lr);
    }
  });

  it('say which optimizers TF.js lacks', () => {
    const missing = OPTIMIZER_NAMES.filter((n) => 'missing' in OPTIMIZERS[n].tfjs);
    expect(missing).toEqual(['AdamW', 'NAdam']);
  });
});
