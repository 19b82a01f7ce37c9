// (c) of the packaging test: Vite bundles pages that import the installed packages, a
// node:http server serves them cross-origin isolated (COOP/COEP), and Debian's headless
// Chromium, driven by playwright-core, runs them. Each page leaves its result in
// window.__result; the checks below say what it must be.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import { chromium } from 'playwright-core';
import { build } from 'vite';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

const CHECKS = {
  autograd(r) {
    if (
      !same(r.grad, [
        [2, 4],
        [6, 8],
      ])
    )
      return `d/dx sum(x²) = ${JSON.stringify(r.grad)}, expected 2x = [[2,4],[6,8]]`;
    if (!['relaxed', 'simd128'].includes(r.info?.simd)) return `kernelInfo().simd = ${r.info?.simd}`;
  },
  nn(r) {
    if (!same(r.weightGrad, [[9, 12]]))
      return `Linear weight grad ${JSON.stringify(r.weightGrad)}, expected [[9,12]]`;
    if (!same(r.biasGrad, [3])) return `Linear bias grad ${JSON.stringify(r.biasGrad)}, expected [3]`;
  },
};

function serve(dir) {
  const server = createServer((req, res) => {
    const path = join(dir, (req.url ?? '/').split('?')[0]);
    try {
      const body = readFileSync(path);
      res.writeHead(200, {
        'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function bundleBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** Builds `<page>.html` for each page in `root`, runs them in Chromium; returns a summary. */
export async function runPages(root, pages) {
  const outDir = join(root, 'dist');
  const input = Object.fromEntries(pages.map((p) => [p, join(root, `${p}.html`)]));
  await build({
    root,
    configFile: false,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, target: 'es2022', rollupOptions: { input } },
  });
  const kB = (bundleBytes(outDir) / 1024).toFixed(0);
  const server = await serve(outDir);
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
  const lines = [];
  try {
    for (const p of pages) {
      const page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`http://127.0.0.1:${server.address().port}/${p}.html`);
      try {
        await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 60_000 });
      } catch {
        throw new Error(`${p}.html set no result; page errors: ${errors.join('; ') || 'none'}`);
      }
      const r = await page.evaluate(() => window.__result);
      if (r.error) throw new Error(`${p}.html threw: ${r.error}`);
      if (r.isolated !== true) throw new Error(`${p}.html is not crossOriginIsolated`);
      const problem = CHECKS[p](r);
      if (problem) throw new Error(`${p}.html: ${problem}`);
      const line = `${p}.html ok (${JSON.stringify({ ...r, isolated: undefined, info: r.info?.simd })})`;
      console.log(`  ${line}`);
      lines.push(line);
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  return `Vite bundle ${kB} kB; ${lines.join('; ')}`;
}
