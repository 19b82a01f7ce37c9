// What a published tarball must hold: the built JS and its declarations (kernels: the embedded
// wasm), README, LICENSE, CHANGELOG and package.json — no sources, tests, maps or configs —
// with a package.json whose imports all resolve from the tarball itself.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';

const ALLOWED = /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|(dist|build)\/.+\.(js|d\.ts|wasm))$/;
const REQUIRED = ['package.json', 'README.md', 'LICENSE'];
// import x from '…', export { y } from '…', import '…', import('…') and require.resolve('…')
// in emitted JS and .d.ts, once comments (doc examples import other packages) are removed.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\.resolve\(\s*)['"]([^'"]+)['"]/g;
const COMMENTS = /\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm;

function walk(dir, prefix = '') {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walk(join(dir, entry.name), rel));
    else out.push({ path: rel, size: statSync(join(dir, entry.name)).size });
  }
  return out;
}

/** Unpacks a tarball into a temp directory; returns its package.json and files. */
export function readTarball(file) {
  const dir = mkdtempSync(join(tmpdir(), 'asgrad-tgz-'));
  try {
    execFileSync('tar', ['-xzf', file, '-C', dir]);
    const base = join(dir, 'package');
    const files = walk(base);
    const text = Object.fromEntries(
      files
        .filter((f) => /\.(js|json|ts)$/.test(f.path))
        .map((f) => [f.path, readFileSync(join(base, f.path), 'utf8')]),
    );
    return { pkg: JSON.parse(text['package.json']), files, text };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Checks one tarball; throws listing every problem, or returns its sizes and notes. */
export function checkTarball(file) {
  const { pkg, files, text } = readTarball(file);
  const problems = [];
  const notes = [];
  const has = new Set(files.map((f) => f.path));

  for (const f of files) if (!ALLOWED.test(f.path)) problems.push(`ships ${f.path}, which users do not need`);
  for (const f of REQUIRED) if (!has.has(f)) problems.push(`lacks ${f}`);
  if (!has.has('CHANGELOG.md')) notes.push('no CHANGELOG.md yet (written by `pnpm changeset version`)');

  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(pkg[field] ?? {})) {
      if (/^(workspace|link|file):/.test(range)) problems.push(`${field}.${dep} is '${range}'`);
    }
  }
  if (pkg.private) problems.push('is private');
  if (pkg.type !== 'module') problems.push('is not "type": "module"');
  if (typeof pkg.engines?.node !== 'string') problems.push('has no engines.node');
  if (pkg.sideEffects === undefined) problems.push('does not declare sideEffects');
  if (!pkg.license) problems.push('has no license');
  const entry = pkg.exports?.['.'];
  if (!entry || typeof entry !== 'object') problems.push('has no exports["."] conditions');
  else {
    if (Object.keys(entry)[0] !== 'types') problems.push('exports["."]: "types" must come first');
    for (const target of Object.values(entry)) {
      if (!has.has(posix.normalize(target))) problems.push(`exports["."] points at missing ${target}`);
    }
  }
  for (const field of ['main', 'types']) {
    if (pkg[field] && !has.has(posix.normalize(pkg[field])))
      problems.push(`${field} points at missing ${pkg[field]}`);
  }

  // Every import in the shipped code resolves: relative ones to a shipped file, bare ones to
  // a Node built-in or a declared dependency (a devDependency is not installed for users).
  const declared = new Set([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
  ]);
  const usedDeps = new Set();
  for (const [path, source] of Object.entries(text)) {
    if (!/\.(js|d\.ts)$/.test(path)) continue;
    for (const [, spec] of source.replace(COMMENTS, '').matchAll(SPECIFIER)) {
      if (spec.startsWith('.')) {
        const target = posix.join(dirname(path), spec);
        const candidates = path.endsWith('.d.ts') ? [target.replace(/\.js$/, '.d.ts'), target] : [target];
        if (!candidates.some((c) => has.has(c))) problems.push(`${path} imports missing ${spec}`);
      } else if (spec.startsWith('node:') || builtinModules.includes(spec)) {
        if (path.endsWith('.js')) notes.push(`${path} imports ${spec} statically (not browser-safe)`);
      } else {
        const name = packageName(spec);
        usedDeps.add(name);
        if (!declared.has(name)) problems.push(`${path} imports ${spec}, not a declared dependency`);
      }
    }
  }
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    if (!usedDeps.has(dep)) notes.push(`dependency ${dep} is never imported by the shipped code`);
  }

  if (problems.length > 0) throw new Error(`${pkg.name} tarball:\n  ${problems.join('\n  ')}`);
  return {
    name: pkg.name,
    version: pkg.version,
    files: files.length,
    packed: statSync(file).size,
    unpacked: files.reduce((s, f) => s + f.size, 0),
    notes,
  };
}
