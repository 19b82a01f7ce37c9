import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Child } from '../src/train/child.js';
import { REPLY_MARK } from '../src/train/spec.js';

// A stand-in child: echoes each request's `value` back, fails on `fail`, dies on `die`.
const script = `
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const req = JSON.parse(line);
  console.log('noise that is not a reply');
  if (req.cmd === 'die') { console.error('fatal: out of memory'); process.exit(3); }
  if (req.cmd === 'fail') console.log(${JSON.stringify(REPLY_MARK)} + JSON.stringify({ ok: false, error: 'no such kernel' }));
  else if (req.cmd === 'finish') { console.log(${JSON.stringify(REPLY_MARK)} + JSON.stringify({ ok: true, maxRss: 1234 })); process.exit(0); }
  else console.log(${JSON.stringify(REPLY_MARK)} + JSON.stringify({ ok: true, value: req.value }));
});`;

const start = () => new Child(spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'pipe'] }));

describe('Child', () => {
  it('answers requests in order and skips lines that are not replies', async () => {
    const c = start();
    const [a, b] = await Promise.all([
      c.request<{ value: number }>({ cmd: 'echo', value: 1 }),
      c.request<{ value: number }>({ cmd: 'echo', value: 2 }),
    ]);
    expect([a.value, b.value]).toEqual([1, 2]);
    expect(await c.finish()).toBe(1234);
  });

  it("rejects with the child's error message", async () => {
    const c = start();
    await expect(c.request({ cmd: 'fail' })).rejects.toThrow('no such kernel');
    c.kill();
  });

  it('rejects pending and later requests when the child dies, with its exit and last stderr line', async () => {
    const c = start();
    await expect(c.request({ cmd: 'die' })).rejects.toThrow(
      'child process exited with code 3: fatal: out of memory',
    );
    await expect(c.request({ cmd: 'echo', value: 1 })).rejects.toThrow(/exited with code 3/);
    expect(await c.finish()).toBeUndefined();
  });
});
