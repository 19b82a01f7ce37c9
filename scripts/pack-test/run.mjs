// The packaging test: the @asgrad packages as a user gets them from npm. Packs every
// published package with `pnpm pack` (workspace ranges become real versions), checks what each
// tarball holds, then, in fresh directories outside the workspace, `npm install`s the tarballs
// (no workspace links, no registry for @asgrad/*) and runs what a user would run:
//   (a) Node ESM: a tiny model trained with @asgrad/nn + @asgrad/optim, the loss must fall;
//   (b) Node ESM with only @asgrad/autograd installed: a gradient against its closed form;
//   (c) pages importing the packages, bundled by `vite build` (Vite's defaults) and served by
//       node:http, and served by the Vite dev server, both with COOP/COEP, run in headless
//       Chromium, asserting gradients computed in the page;
//   (d) a TypeScript consumer of the public API type-checked with `tsc --noEmit`.
// The dev tools (vite, playwright-core, typescript) are the workspace's own, found from here.
// Usage: node scripts/pack-test/run.mjs [--keep] (after `pnpm build`; run.sh does both).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPages } from './browser.mjs';
import { extractExamples } from './readme.mjs';
import { checkTarball, readTarball } from './tarball.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const keep = process.argv.includes('--keep');
const tmp = mkdtempSync(join(tmpdir(), 'asgrad-pack-'));
if (!relative(root, tmp).startsWith('..')) throw new Error(`temp dir ${tmp} is inside the workspace`);

const results = [];
async function step(name, fn) {
  const t0 = performance.now();
  process.stdout.write(`\n== ${name}\n`);
  const detail = await fn();
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  results.push({ name, detail: detail ?? 'ok', seconds });
}
function run(cmd, args, cwd, { quiet = false } = {}) {
  // A limit, so that a script kept alive (say, by worker threads) fails instead of hanging CI.
  const out = execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
    killSignal: 'SIGKILL',
  });
  if (!quiet && out.trim()) process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
  return out;
}
const npmFlags = ['--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'];
function npmInstall(dir, tarballs, offline) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ private: true, type: 'module' }, null, 2)}\n`);
  // --offline proves no registry is needed; the full install still fetches third-party deps.
  const flags = [...npmFlags, offline ? '--offline' : '--prefer-offline'];
  run('npm', ['install', ...flags, ...tarballs], dir);
  // npm's record of where each package came from: every @asgrad/* must be one of our tarballs.
  const lock = JSON.parse(readFileSync(join(dir, 'node_modules/.package-lock.json'), 'utf8'));
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path.includes('@asgrad/') && !entry.resolved?.startsWith('file:')) {
      throw new Error(`${path} came from ${entry.resolved}, not from a packed tarball`);
    }
  }
  return readdirSync(join(dir, 'node_modules/@asgrad')).sort();
}

try {
  const published = readdirSync(join(root, 'packages'))
    .map((d) => JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')))
    .filter((p) => !p.private)
    .map((p) => p.name)
    .sort();
  const tarDir = join(tmp, 'tarballs');
  const tarballs = {};

  await step('pack', () => {
    // The apps are private: only packages/* is published.
    const pack = [
      '-y',
      'pnpm@12.4.2',
      '-r',
      '--filter',
      './packages/*',
      'pack',
      '--pack-destination',
      tarDir,
    ];
    run('npx', pack, root, { quiet: true });
    for (const file of readdirSync(tarDir)) {
      const { pkg } = readTarball(join(tarDir, file));
      tarballs[pkg.name] = join(tarDir, file);
    }
    const names = Object.keys(tarballs).sort();
    if (names.join() !== published.join()) throw new Error(`packed ${names}, expected ${published}`);
    return `${names.length} tarballs`;
  });

  await step('tarball contents', () => {
    const rows = [];
    for (const name of published) {
      const report = checkTarball(tarballs[name]);
      rows.push(report);
      for (const note of report.notes) console.log(`  note: ${name}: ${note}`);
    }
    console.log('| package | version | files | packed | unpacked |');
    console.log('| --- | --- | ---: | ---: | ---: |');
    const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
    for (const r of rows)
      console.log(`| ${r.name} | ${r.version} | ${r.files} | ${kb(r.packed)} | ${kb(r.unpacked)} |`);
    return rows.map((r) => `${r.name} ${kb(r.packed)} / ${kb(r.unpacked)}`).join(', ');
  });

  const all = join(tmp, 'all');
  await step('npm install of all tarballs together', () => {
    const installed = npmInstall(
      all,
      published.map((n) => tarballs[n]),
      false,
    );
    run('npm', ['ls', '--all', '--loglevel=error'], all, { quiet: true }); // fails on missing/invalid deps
    return `node_modules/@asgrad: ${installed.join(', ')}`;
  });

  cpSync(join(fixtures, 'all'), all, { recursive: true });
  await step('Node ESM: every package imports from node_modules', () =>
    run('node', ['resolve.mjs'], all).trim().split('\n').join('; '),
  );

  await step('(a) Node ESM: train with @asgrad/nn + @asgrad/optim, loss falls', () =>
    ['train-nn.mjs', 'train-optim.mjs'].map((f) => run('node', [f], all).trim()).join('; '),
  );

  await step('@asgrad/data: MNIST files of its dependency, DataLoader', () =>
    run('node', ['data.mjs'], all).trim(),
  );

  const solo = join(tmp, 'autograd');
  await step('(b) Node ESM with only @asgrad/autograd installed: a gradient', () => {
    const installed = npmInstall(solo, [tarballs['@asgrad/autograd'], tarballs['@asgrad/kernels']], true);
    if (installed.join() !== 'autograd,kernels') throw new Error(`installed ${installed}`);
    cpSync(join(fixtures, 'autograd'), solo, { recursive: true });
    return `installed offline: ${installed.join(' + ')}; ${run('node', ['grad.mjs'], solo).trim()}`;
  });

  await step('(c) Vite build and Vite dev server, cross-origin isolated, in headless Chromium', async () => {
    const pages = ['autograd', 'nn'];
    const page = join(all, 'page');
    mkdirSync(page);
    for (const p of pages) {
      cpSync(join(fixtures, 'page', `${p}.html`), join(page, `${p}.html`));
      cpSync(join(fixtures, 'page', `${p}.js`), join(page, `${p}.js`));
    }
    return await runPages(page, pages);
  });

  const types = join(all, 'types');
  cpSync(join(fixtures, 'types'), types, { recursive: true });
  let examples = [];
  await step('README examples run in Node', () => {
    const found = extractExamples(all, types);
    examples = found.files;
    for (const base of examples) console.log(run('node', [`${base}.mjs`], types, { quiet: true }).trim());
    const none = found.unmarked.length > 0 ? `; no marked example in ${found.unmarked.join(', ')}` : '';
    if (none) console.log(`  note: a README example is run when preceded by <!-- pack-test:run -->${none}`);
    return `ran ${examples.join(', ') || 'none'}${none}`;
  });

  await step('(d) tsc --noEmit of a TypeScript consumer (NodeNext and bundler resolution)', () => {
    const files = ['consumer.ts', 'consumer-nn.ts', ...examples.map((b) => `${b}.ts`)];
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const variants = {
      nodenext: { module: 'NodeNext', moduleResolution: 'NodeNext' },
      bundler: { module: 'ESNext', moduleResolution: 'Bundler' },
    };
    for (const [name, compilerOptions] of Object.entries(variants)) {
      const config = join(types, `tsconfig.${name}.json`);
      writeFileSync(config, JSON.stringify({ extends: './tsconfig.json', compilerOptions, files }));
      run('node', [tsc, '-p', config], types);
    }
    return `${files.join(' + ')} type-check with NodeNext and Bundler resolution`;
  });

  console.log('\npack-test: all passed');
  for (const r of results) console.log(`- ${r.name} (${r.seconds} s): ${r.detail}`);
} catch (e) {
  console.error(`\npack-test FAILED after ${results.length} passed steps`);
  if (e.stdout) console.error(String(e.stdout));
  console.error(e.stack ?? e);
  if (!keep) console.error(`(rerun with --keep to inspect the temp directory)`);
  process.exitCode = 1;
} finally {
  if (keep) console.log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
