import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Runs the built CLI (turbo builds before testing) without running any benchmark.
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

describe('cli', () => {
  it('prints usage with every suite for --help and exits 0', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^Usage: pnpm bench \[suite\.\.\.\] \[--quick\] \[--json FILE\] \[--markdown FILE\]/,
    );
    for (const s of ['peak', 'matmul', 'conv', 'builds', 'targets', 'ops', 'optim', 'train', 'pytorch'])
      expect(r.stdout).toMatch(new RegExp(`^  ${s} `, 'm'));
  });

  it('exits 2 with the reason and the usage on a bad argument', () => {
    const r = run('convv');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("bench: unknown suite 'convv'");
    expect(r.stderr).toContain('Usage:');
    expect(r.stdout).toBe('');
  });
});
