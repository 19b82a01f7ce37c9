// Checking command-line values: each bad value becomes a UsageError naming the flag.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A mistake in the command line (exit code 2, with a pointer to --help). */
export class UsageError extends Error {}

/** An integer flag >= `min`, or undefined when not given. */
export function intOption(flag: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${flag} must be an integer >= ${min}, got '${v}'`);
  }
  return n;
}

/** A positive finite number flag, or undefined when not given. */
export function positiveOption(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${flag} must be a positive number, got '${v}'`);
  }
  return n;
}

/** One of `choices`, or undefined when not given. */
export function choiceOption<T extends string>(
  flag: string,
  v: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (v === undefined) return undefined;
  if (!(choices as readonly string[]).includes(v)) {
    throw new UsageError(`--${flag} must be one of ${choices.join(', ')}; got '${v}'`);
  }
  return v as T;
}

/** `runs/2025-01-31T12-00-00-suffix`: a new run directory name that sorts by time. */
export function timestampedDir(root: string, suffix: string): string {
  const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, '-');
  return join(root, `${stamp}-${suffix}`);
}

/** The run under `root` whose checkpoint was written last (for `--resume` without `--out`). */
export function latestRun(root: string, checkpointFile: string): string {
  let best: { dir: string; mtime: number } | null = null;
  let entries: string[] = [];
  try {
    entries = readdirSync(root);
  } catch {
    // no runs directory: handled below
  }
  for (const name of entries) {
    try {
      const mtime = statSync(join(root, name, checkpointFile)).mtimeMs;
      if (!best || mtime > best.mtime) best = { dir: join(root, name), mtime };
    } catch {
      // not a run directory
    }
  }
  if (!best)
    throw new UsageError(`--resume: no run with a checkpoint under ${root}/; name one with --out DIR`);
  return best.dir;
}
