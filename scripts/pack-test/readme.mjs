// README examples marked `<!-- pack-test:run -->` (the code block right after the marker) are
// taken from the installed packages' READMEs — what npm shows users — then type-checked with the
// consumer (step d) and run in Node after TypeScript strips their types.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const MARKED = /<!-- pack-test:run -->\s*\n```ts\n([\s\S]*?)\n```/g;

/**
 * Writes each marked example of the `<dir>/node_modules/@asgrad/*` READMEs into `out` as
 * `<base>.ts` and `<base>.mjs`; returns the bases and the packages whose README marks none.
 */
export function extractExamples(dir, out) {
  const files = [];
  const unmarked = [];
  const scope = join(dir, 'node_modules/@asgrad');
  for (const pkg of readdirSync(scope).sort()) {
    const readme = readFileSync(join(scope, pkg, 'README.md'), 'utf8');
    let i = 0;
    for (const [, code] of readme.matchAll(MARKED)) {
      const base = `readme-${pkg}-${++i}`;
      writeFileSync(join(out, `${base}.ts`), `${code}\n`);
      const { outputText } = ts.transpileModule(code, {
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          verbatimModuleSyntax: true,
        },
      });
      writeFileSync(join(out, `${base}.mjs`), outputText);
      files.push(base);
    }
    if (i === 0) unmarked.push(`@asgrad/${pkg}`);
  }
  return { files, unmarked };
}
