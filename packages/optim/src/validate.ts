// Checks shared by the optimizers and schedulers. Every failure is an Error naming the class and
// the offending value, thrown before anything is changed.
import type { Tensor } from '@asgrad/autograd';

/** A finite number >= 0 (learning rates, weight decay, eps, momentum, ...). */
export function nonNegative(op: string, name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new Error(`${op}: invalid ${name} ${show(v)} (must be a finite number >= 0)`);
  }
}

/** A number in [0, 1) (betas, rho-like decay rates that must leave some memory). */
export function unitInterval(op: string, name: string, v: unknown, closed = false): void {
  if (typeof v !== 'number' || !(v >= 0) || (closed ? v > 1 : v >= 1)) {
    throw new Error(`${op}: invalid ${name} ${show(v)} (must be in [0, 1${closed ? ']' : ')'})`);
  }
}

/** A pair [beta1, beta2], each in [0, 1). */
export function betas(op: string, v: unknown): void {
  if (!Array.isArray(v) || v.length !== 2) {
    throw new Error(`${op}: betas must be a pair [beta1, beta2], got ${show(v)}`);
  }
  v.forEach((b, i) => {
    unitInterval(op, `beta parameter at index ${i}`, b);
  });
}

export function boolean(op: string, name: string, v: unknown): void {
  if (typeof v !== 'boolean') throw new Error(`${op}: ${name} must be a boolean, got ${show(v)}`);
}

export function positiveInteger(op: string, name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new Error(`${op}: ${name} must be a positive integer, got ${show(v)}`);
  }
}

/** Whether `v` looks like an asgrad Tensor (duck-typed, so two copies of the package interoperate). */
export function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && (v as { isTensor?: unknown }).isTensor === true;
}

/** A value for error messages: arrays and objects in brief, numbers as written. */
export function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (isTensor(v)) return `Tensor [${v.shape.join(', ')}]`;
  if (v !== null && typeof v === 'object') return v.constructor?.name ?? 'object';
  return String(v);
}
