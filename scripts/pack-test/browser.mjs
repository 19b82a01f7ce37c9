// (c) of the packaging test: pages that import the installed packages, bundled by Vite (no
// configuration) and served cross-origin isolated (COOP/COEP) by node:http, and served by the
// Vite dev server, run in Debian's headless Chromium driven by playwright-core. Each page
// leaves its result in window.__result; CHECKS says what it must be.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import { chromium } from 'playwright-core';
import { build, createServer as createViteServer } from 'vite';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};
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
        ...ISOLATION,
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

async function visit(browser, base, p) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await page.goto(`${base}${p}.html`);
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
    return `${p}.html ok (${JSON.stringify({ ...r, isolated: undefined, info: r.info?.simd })})`;
  } finally {
    await page.close();
  }
}

/**
 * Runs `<page>.html` for each page in `root` in Chromium twice: from a production build
 * (`vite build` with Vite's defaults, served by node:http) and from the Vite dev server, the
 * two ways a user first meets the packages. Returns a summary.
 */
export async function runPages(root, pages) {
  const outDir = join(root, 'dist');
  const input = Object.fromEntries(pages.map((p) => [p, join(root, `${p}.html`)]));
  await build({
    root,
    configFile: false,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, rollupOptions: { input } },
  });
  const kB = (bundleBytes(outDir) / 1024).toFixed(0);
  const server = await serve(outDir);
  const dev = await createViteServer({
    root,
    configFile: false,
    logLevel: 'warn',
    server: { host: '127.0.0.1', port: 0, headers: ISOLATION },
  });
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
    await dev.listen();
    const sites = {
      'vite build': `http://127.0.0.1:${server.address().port}/`,
      'vite dev': `http://127.0.0.1:${dev.httpServer.address().port}/`,
    };
    for (const [how, base] of Object.entries(sites)) {
      for (const p of pages) {
        const line = `${how}: ${await visit(browser, base, p)}`;
        console.log(`  ${line}`);
        lines.push(line);
      }
    }
  } finally {
    await browser.close();
    await dev.close();
    server.close();
  }
  return `bundle ${kB} kB; ${lines.join('; ')}`;
}
