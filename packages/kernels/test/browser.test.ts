// The browser path: a Vite build of a tiny page that imports the kernels, served with the
// cross-origin-isolation headers, run in Debian's headless Chromium through playwright-core.
// The page also starts the thread pool (Web Workers from a blob: URL) and splits a matmul.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('./browser/', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'asgrad-browser-'));
let server: Server;
let url = '';

const types: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
};

beforeAll(async () => {
  execFileSync('bash', [fileURLToPath(new URL('../../../scripts/ensure-chromium.sh', import.meta.url))], {
    stdio: 'inherit',
  });
  await build({ root: here, logLevel: 'error', build: { outDir: out, emptyOutDir: true, target: 'es2022' } });
  server = createServer((req, res) => {
    const { pathname, searchParams } = new URL(req.url ?? '/', 'http://localhost');
    const path = join(out, pathname === '/' ? 'index.html' : pathname);
    // `?plain` serves the page without cross-origin isolation (no SharedArrayBuffer).
    const isolation = searchParams.has('plain')
      ? {}
      : { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
    try {
      const body = readFileSync(path);
      res.writeHead(200, {
        'Content-Type': types[extname(path)] ?? 'application/octet-stream',
        ...isolation,
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}, 180_000);

afterAll(() => {
  server?.close();
  rmSync(out, { recursive: true, force: true });
});

/** Loads the page in headless Chromium and returns what main.js left in window.__result. */
async function pageResult(address: string): Promise<Record<string, unknown>> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const page = await browser.newPage();
    await page.goto(address);
    await page.waitForFunction(
      () => (window as unknown as { __result?: unknown }).__result !== undefined,
      null,
      {
        timeout: 30_000,
      },
    );
    return await page.evaluate(() => (window as unknown as { __result: Record<string, unknown> }).__result);
  } finally {
    await browser.close();
  }
}

interface Info {
  simd: string;
  sharedMemory: boolean;
  notes: string[];
}

describe('kernels in a browser bundle', () => {
  it('a Vite build loads the wasm with no configuration and runs SIMD kernels on Web Workers in Chromium', async () => {
    const result = await pageResult(url);
    expect(result.error).toBeUndefined();
    expect(result.sum).toEqual([11, 22, 33, 44, 55]);
    expect(['relaxed', 'simd128']).toContain((result.info as Info).simd);
    expect(result.isolated).toBe(true);
    // Cross-origin isolated: a shared memory and Web Workers, and a split matmul gives the
    // same bits as one thread.
    expect((result.info as Info).sharedMemory).toBe(true);
    expect(result.threads).toBe(2);
    expect(result.splitCalls).toBeGreaterThan(0);
    expect(result.workerChunks).toBeGreaterThan(0);
    expect(result.sameBits).toBe(true);
  }, 120_000);

  it('a page that is not cross-origin isolated runs on one thread and kernelInfo says why', async () => {
    const result = await pageResult(`${url}?plain`);
    expect(result.error).toBeUndefined();
    expect(result.isolated).toBe(false);
    expect(result.sum).toEqual([11, 22, 33, 44, 55]);
    const info = result.info as Info;
    expect(info.sharedMemory).toBe(false);
    expect(info.notes.some((n) => n.startsWith('one thread: SharedArrayBuffer is unavailable'))).toBe(true);
    expect(result.threads).toBe(1);
    expect(result.splitCalls).toBe(0);
    expect(result.sameBits).toBe(true);
  }, 120_000);
});
