// What a result was measured on: CPU, cores, memory, runtime; and where packages live.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Machine } from './report.js';

function cpuModel(): string {
  const fromOs = os.cpus()[0]?.model?.trim() || 'unknown CPU';
  // Virtual machines often report a bare family name ("AMD EPYC"); the family/model
  // numbers from /proc/cpuinfo still tell the microarchitecture apart.
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (k: string) => info.match(new RegExp(`^${k}\\s*:\\s*(.+)$`, 'm'))?.[1].trim();
    const family = field('cpu family');
    const model = field('model');
    if (family && model) return `${fromOs} (family ${family}, model ${model})`;
  } catch {
    // not Linux: the os.cpus() name is all there is
  }
  return fromOs;
}

export function machineInfo(relaxedSimd: boolean): Machine {
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    memoryGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    relaxedSimd,
  };
}

/**
 * Directory of an installed package (the one whose package.json names it). Resolves the
 * entry point and walks up, because some packages (jax-js, asgrad's own) export neither
 * ./package.json nor a CommonJS entry.
 */
export function packageDir(name: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.resolve(name)));
  while (dir !== path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === name)
      return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find the package directory of ${name}`);
}

/** A dependency's version from its package.json, or 'unknown'. */
export function packageVersion(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(packageDir(name), 'package.json'), 'utf8'));
    return (pkg as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
