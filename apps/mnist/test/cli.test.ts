// The built CLI as a user runs it: exit codes, one-line errors, the commands end to end, and
// Ctrl-C leaving a usable checkpoint. Needs `pnpm build` first (turbo runs it before test).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../src/checkpoint.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'asgrad-mnist-cli-'));
const run = join(root, 'run');
afterAll(() => rmSync(root, { recursive: true, force: true }));

function mnist(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exactly one line on stderr, no stack trace. */
function expectOneLineError(r: ReturnType<typeof mnist>, code: number, pattern: RegExp): void {
  expect(r.code).toBe(code);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^asgrad-mnist: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('command-line errors', () => {
  it.each([
    [['--bogus'], /unknown option --bogus/],
    [['train', '--epochs', '0'], /--epochs must be an integer >= 1, got '0'/],
    [['train', '--lr', 'fast'], /--lr must be a positive number, got 'fast'/],
    [['train', '--model', 'rnn'], /--model must be one of mlp, cnn; got 'rnn'/],
    [['--optimizer', 'adamm'], /--optimizer must be one of sgd, .*lion; got 'adamm'/],
    [['fit'], /unknown command 'fit'/],
    [['train', 'extra'], /unexpected argument 'extra'/],
    [['train', '--epochs'], /--epochs/],
    [['compare', '--optimizers', 'sgd,nope'], /unknown optimizer 'nope'/],
    [['eval'], /eval needs --checkpoint/],
    [['predict', '--checkpoint', 'x'], /IMAGE.png or --index N/],
  ])('%j: exit 2 and one line', (args, pattern) => {
    expectOneLineError(mnist(...args), 2, pattern);
  });

  it('a missing or corrupt checkpoint: exit 1 and one line', () => {
    expectOneLineError(
      mnist('eval', '--checkpoint', 'nowhere.safetensors'),
      1,
      /cannot read checkpoint nowhere/,
    );
    writeFileSync(join(root, 'junk.safetensors'), 'definitely not safetensors');
    expectOneLineError(
      mnist('eval', '--checkpoint', 'junk.safetensors'),
      1,
      /junk.safetensors is not a valid safetensors file/,
    );
    mkdirSync(join(root, 'broken'));
    writeFileSync(join(root, 'broken', 'checkpoint.json'), '{"format": "asgrad-mnist-checkpoint", ');
    expectOneLineError(mnist('eval', '--checkpoint', 'broken'), 1, /checkpoint.json is corrupt/);
    expectOneLineError(mnist('train', '--resume', '--out', 'broken'), 1, /checkpoint.json is corrupt/);
    expectOneLineError(mnist('train', '--resume', '--out', 'empty'), 1, /--resume: no checkpoint in empty/);
  });
});

describe('commands', () => {
  beforeAll(() => {
    const r = mnist(
      'train',
      '--train-limit',
      '2000',
      '--validation',
      '200',
      '--test-limit',
      '300',
      '--epochs',
      '1',
      '--batch-size',
      '32',
      '--out',
      run,
    );
    if (r.code !== 0) throw new Error(`training failed: ${r.stderr}`);
  });

  it('train writes the run directory', () => {
    for (const f of [
      'model.safetensors',
      'optimizer.json',
      'checkpoint.json',
      'metrics.json',
      'metrics.csv',
      'loss.svg',
      'accuracy.svg',
      'report.html',
    ]) {
      expect(existsSync(join(run, f))).toBe(true);
    }
  });

  it('eval reports the accuracy and confusion matrix of a run directory or its safetensors file', () => {
    for (const checkpoint of [run, join(run, 'model.safetensors')]) {
      const r = mnist('eval', '--checkpoint', checkpoint, '--test-limit', '300');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^mlp from .*on mnist test images$/m);
      const acc = Number(/accuracy ([\d.]+)% \(300 images\)/.exec(r.stdout)?.[1]);
      expect(acc).toBeGreaterThan(80);
      expect(r.stdout).toMatch(/^true\\pred/m);
    }
  });

  it('predict shows a test digit, its label and the probabilities', () => {
    const r = mnist('predict', '--checkpoint', run, '--index', '0');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('test image 0, label 7');
    expect(r.stdout).toMatch(/^predicted 7 /m);
    const probs = [...r.stdout.matchAll(/^ {2}\d\b.*?([\d.]+)%/gm)].map((m) => Number(m[1]));
    expect(probs).toHaveLength(10);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);
    expect(r.stdout.split('\n').filter((l) => /[#%@]/.test(l)).length).toBeGreaterThan(10);
  });

  it('predict reads a PNG, and rejects one it cannot read', () => {
    const img = new PNG({ width: 60, height: 90 });
    img.data.fill(255);
    for (let y = 10; y < 80; y++)
      for (let x = 26; x < 34; x++) img.data.set([0, 0, 0, 255], 4 * (y * 60 + x));
    writeFileSync(join(root, 'one.png'), PNG.sync.write(img));
    const r = mnist('predict', '--checkpoint', run, 'one.png');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^predicted \d /m);
    writeFileSync(join(root, 'text.png'), 'not an image');
    expectOneLineError(
      mnist('predict', '--checkpoint', run, 'text.png'),
      1,
      /cannot read image text.png: not a readable PNG/,
    );
    expectOneLineError(
      mnist('predict', '--checkpoint', run, 'absent.png'),
      1,
      /cannot read image absent.png: no such file/,
    );
  });

  it('trajectories writes the SVG of every optimizer on every function', () => {
    const r = mnist('trajectories', '--steps', '50', '--out', 'traj');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^rosenbrock from/m);
    expect(existsSync(join(root, 'traj', 'trajectories.svg'))).toBe(true);
  });
});

describe('Ctrl-C', () => {
  it('stops training, exits 130 and leaves the last checkpoint loadable', async () => {
    const out = join(root, 'interrupted');
    const child: ChildProcess = spawn(
      process.execPath,
      [
        cli,
        '--train-limit',
        '1000',
        '--validation',
        '100',
        '--test-limit',
        '100',
        '--epochs',
        '1000',
        '--out',
        out,
      ],
      { cwd: root },
    );
    let stdout = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // wait for the first checkpoint, then interrupt mid-run
    while (!stdout.includes('epoch 1/1000')) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stdout).toMatch(/interrupted during epoch \d+: the checkpoint of epoch \d+ in .* is intact/);
    const ck = loadCheckpoint(out);
    expect(ck.state.epoch).toBeGreaterThanOrEqual(1);
    expect(ck.state.history).toHaveLength(ck.state.epoch);
    for (const t of Object.values(ck.weights)) t.dispose();
  });
});
