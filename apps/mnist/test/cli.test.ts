import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('cli', () => {
  it('runs and reports the kernel build', () => {
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    expect(execFileSync(process.execPath, [cli], { encoding: 'utf8' })).toMatch(/simd/);
  });
});
