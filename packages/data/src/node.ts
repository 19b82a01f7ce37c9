// Node built-ins are fetched at call time rather than imported, so that bundling
// @asgrad/data for a browser works: only the file and gzip paths need Node.

type BuiltinModules = {
  'node:fs': typeof import('node:fs');
  'node:module': typeof import('node:module');
  'node:path': typeof import('node:path');
  'node:zlib': typeof import('node:zlib');
};

/**
 * Returns a Node built-in module, or throws an Error naming `caller` when the
 * runtime has none (a browser, or Node older than 20.16 without `process.getBuiltinModule`).
 */
export function nodeBuiltin<K extends keyof BuiltinModules>(id: K, caller: string): BuiltinModules[K] {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.(id);
  if (mod === undefined) {
    throw new Error(`${caller}: needs ${id}, available in Node >= 20.16 (process.getBuiltinModule)`);
  }
  return mod as BuiltinModules[K];
}
