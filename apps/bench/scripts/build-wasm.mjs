// Compiles assembly/peak.ts into the two peak-FLOP probes the `peak` suite loads:
// build/peak-simd128.wasm (SIMD128 mul+add) and build/peak-relaxed.wasm (adds relaxed_madd,
// which Node 20 only validates with --experimental-wasm-relaxed-simd).
import { mkdirSync, statSync } from 'node:fs';
import asc from 'assemblyscript/asc';

const root = new URL('../', import.meta.url);
mkdirSync(new URL('build/', root), { recursive: true });

const variants = [
  { name: 'simd128', flags: [] },
  { name: 'relaxed', flags: ['--enable', 'relaxed-simd'] },
];
const common = ['--runtime', 'stub', '--noAssert', '-O3', '--enable', 'simd'];

for (const v of variants) {
  const file = new URL(`build/peak-${v.name}.wasm`, root);
  const { error, stderr } = await asc.main(
    [new URL('assembly/peak.ts', root).pathname, '-o', file.pathname, ...common, ...v.flags],
    {
      stdout: process.stdout,
      stderr: process.stderr,
    },
  );
  if (error) {
    console.error(stderr.toString());
    console.error(`asc failed for peak-${v.name}: ${error.message}`);
    process.exit(1);
  }
  console.log(`bench: peak-${v.name}.wasm ${statSync(file).size} bytes`);
}
