// The browser path: a Vite build of a tiny page that imports the kernels, served with the
// cross-origin-isolation headers, run in Debian's headless Chromium through playwright-core.
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
    const path = join(out, req.url === '/' ? 'index.html' : (req.url ?? '').split('?')[0]);
    try {
      const body = readFileSync(path);
      res.writeHead(200, {
        'Content-Type': types[extname(path)] ?? 'application/octet-stream',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
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

describe('kernels in a browser bundle', () => {
  it('a Vite build loads the wasm with no configuration and runs a SIMD kernel in Chromium', async () => {
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
      await page.goto(url);
      await page.waitForFunction(
        () => (window as unknown as { __result?: unknown }).__result !== undefined,
        null,
        { timeout: 30_000 },
      );
      const result = await page.evaluate(
        () => (window as unknown as { __result: Record<string, unknown> }).__result,
      );
      expect(result.error).toBeUndefined();
      expect(result.sum).toEqual([11, 22, 33, 44, 55]);
      expect(['relaxed', 'simd128']).toContain((result.info as { simd: string }).simd);
      expect(result.isolated).toBe(true);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
