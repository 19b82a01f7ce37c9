import { describe, expect, it } from 'vitest';
import { parseCliArgs, SUITE_NAMES } from '../src/args.js';

describe('parseCliArgs', () => {
  it('runs every suite by default, without quick mode or output files', () => {
    expect(parseCliArgs([])).toEqual({
      suites: [...SUITE_NAMES],
      quick: false,
      json: undefined,
      markdown: undefined,
      help: false,
    });
  });

  it('takes suites in any order, once each, and runs them in the canonical order', () => {
    expect(parseCliArgs(['ops', 'peak', 'ops']).suites).toEqual(['peak', 'ops']);
    expect(parseCliArgs(['matmul']).suites).toEqual(['matmul']);
  });

  it('reads --quick, --json FILE and --markdown FILE (also as --opt=value) around suites', () => {
    const o = parseCliArgs(['--quick', 'matmul', '--json', 'out/r.json', '--markdown=r.md']);
    expect(o).toMatchObject({ suites: ['matmul'], quick: true, json: 'out/r.json', markdown: 'r.md' });
  });

  it('recognises -h and --help', () => {
    expect(parseCliArgs(['-h']).help).toBe(true);
    expect(parseCliArgs(['--help']).help).toBe(true);
  });

  it('rejects an unknown suite and lists the available ones', () => {
    expect(() => parseCliArgs(['matmull'])).toThrow(
      /unknown suite 'matmull'; available: peak, matmul, conv, builds, targets, ops, optim, train, pytorch/,
    );
  });

  it('knows the conv, optim, train and pytorch suites', () => {
    expect(parseCliArgs(['pytorch', 'train', 'optim', 'conv']).suites).toEqual([
      'conv',
      'optim',
      'train',
      'pytorch',
    ]);
  });

  it('rejects unknown flags and a missing file name', () => {
    expect(() => parseCliArgs(['--fast'])).toThrow(/^bench: .*--fast/);
    expect(() => parseCliArgs(['--json'])).toThrow(/^bench: .*--json/);
    expect(() => parseCliArgs(['--markdown='])).toThrow('bench: --markdown needs a file name');
  });
});
