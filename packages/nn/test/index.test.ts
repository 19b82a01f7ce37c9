import { describe, expect, it } from 'vitest';
import { ready } from '../src/index.js';

describe('package wiring', () => {
  it('loads the kernels through @asgrad/autograd', async () => {
    await expect(ready()).resolves.toBeUndefined();
  });
});
