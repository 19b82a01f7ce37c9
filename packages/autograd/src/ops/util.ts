// What every op does first: check its inputs, then make its output.
import { allocStorage } from '../memory.js';
import { fmt, numel } from '../shape.js';
import { type DType, type Operand, Tensor } from '../tensor.js';

/** A fresh, uninitialised tensor. */
export function empty(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return new Tensor(allocStorage(numel(shape)), shape, dtype);
}

/** Throws unless `t` is a live tensor (optionally of `dtype`), naming the op. */
export function checkTensor(op: string, t: unknown, dtype?: DType, what = 'input'): asserts t is Tensor {
  if (!(t instanceof Tensor) && (t as { isTensor?: boolean } | null)?.isTensor !== true) {
    throw new Error(`${op}: ${what} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  }
  const tt = t as Tensor;
  if (tt.isDisposed) throw new Error(`${op}: ${what} of shape ${fmt(tt.shape)} has been disposed`);
  if (dtype && tt.dtype !== dtype) {
    throw new Error(
      `${op}: ${what} must be ${dtype}, got ${tt.dtype} (shape ${fmt(tt.shape)})${dtype === 'float32' ? '; cast with .float()' : ''}`,
    );
  }
}

/** Throws unless `v` is a finite-or-infinite number (NaN allowed as a value, not as a type error). */
export function checkScalar(op: string, v: unknown, what = 'scalar'): asserts v is number {
  if (typeof v !== 'number') throw new Error(`${op}: ${what} must be a number, got ${typeof v}`);
}

/** Checks a binary op's operands. */
export function checkOperands(op: string, a: Tensor, b: Operand): void {
  checkTensor(op, a, 'float32', 'first operand');
  if (typeof b === 'number') return;
  checkTensor(op, b, 'float32', 'second operand');
}
