// Creating tensors: from data, constants, ranges and the seeded generator.
import * as k from '@asgrad/kernels';
import { heap } from '@asgrad/kernels';
import { empty } from './ops/util.js';
import { globalGenerator } from './random.js';
import { checkShape, fmt, numel } from './shape.js';
import type { DType, Tensor } from './tensor.js';

/** Options shared by the creation functions. */
export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

type Nested = number | readonly Nested[];
type Data =
  | Nested
  | Float32Array
  | Int32Array
  | Float64Array
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array;

function inferShape(data: Nested): number[] {
  const shape: number[] = [];
  let d: Nested = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    d = d[0] as Nested;
    if (d === undefined) break;
  }
  return shape;
}

function flattenInto(data: Nested, shape: number[], dim: number, out: number[]): void {
  if (dim === shape.length) {
    if (typeof data !== 'number')
      throw new Error(
        `tensor: expected a number at depth ${dim}, got ${Array.isArray(data) ? 'an array' : typeof data}`,
      );
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw new Error(
      `tensor: ragged nested array: expected ${shape[dim]} entries at depth ${dim} (shape ${fmt(shape)})`,
    );
  }
  for (const v of data) flattenInto(v, shape, dim + 1, out);
}

function finish(t: Tensor, options: TensorOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * A tensor from nested arrays, a number (0-d) or a typed array with `shape`.
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const y = tensor(new Float32Array(6), { shape: [2, 3] });
 * const labels = tensor([3, 1, 4], { dtype: 'int32' });
 * ```
 */
export function tensor(data: Data, options: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  let values: ArrayLike<number>;
  let shape: number[];
  let dtype: DType = options.dtype ?? 'float32';
  if (ArrayBuffer.isView(data)) {
    values = data as ArrayLike<number>;
    if (data instanceof Int32Array && options.dtype === undefined) dtype = 'int32';
    shape = options.shape ? checkShape('tensor', options.shape) : [values.length];
  } else if (typeof data === 'number' || Array.isArray(data)) {
    const inferred = inferShape(data as Nested);
    const flat: number[] = [];
    flattenInto(data as Nested, inferred, 0, flat);
    values = flat;
    shape = options.shape ? checkShape('tensor', options.shape) : inferred;
  } else {
    throw new Error(
      `tensor: data must be a number, a nested array or a typed array, got ${data === null ? 'null' : typeof data}`,
    );
  }
  if (dtype !== 'float32' && dtype !== 'int32')
    throw new Error(`tensor: dtype must be 'float32' or 'int32', got '${dtype}'`);
  if (numel(shape) !== values.length) {
    throw new Error(
      `tensor: ${values.length} values do not fill shape ${fmt(shape)} (${numel(shape)} elements)`,
    );
  }
  const t = empty(shape, dtype);
  const p = t.ptr >>> 2;
  if (dtype === 'float32') heap().f32().set(values, p);
  else {
    const view = heap().i32();
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isInteger(v)) {
        t.dispose();
        throw new Error(`tensor: int32 tensor given non-integer value ${v} at index ${i}`);
      }
      view[p + i] = v;
    }
  }
  return finish(t, options);
}

/** A tensor filled with `value`. */
export function full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
  const s = checkShape('full', shape);
  if (typeof value !== 'number') throw new Error(`full: value must be a number, got ${typeof value}`);
  const dtype = options.dtype ?? 'float32';
  if (dtype === 'int32' && !Number.isInteger(value))
    throw new Error(`full: int32 fill value ${value} is not an integer`);
  const t = empty(s, dtype);
  if (dtype === 'float32') k.fillF32(t.ptr, t.size, value);
  else k.fillI32(t.ptr, t.size, value);
  return finish(t, options);
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return full(shape, 0, options);
}

/** A tensor of ones. */
export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return full(shape, 1, options);
}

/** Zeros shaped like `t`. */
export function zerosLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return zeros(t.shape, { dtype: t.dtype, ...options });
}

/** Uniform samples in [0, 1) from the seeded generator. */
export function rand(shape: readonly number[], options: TensorOptions = {}): Tensor {
  const t = empty(checkShape('rand', shape));
  k.uniform(globalGenerator(), t.ptr, t.size, 0, 1);
  return finish(t, options);
}

/** Standard normal samples from the seeded generator. */
export function randn(shape: readonly number[], options: TensorOptions = {}): Tensor {
  const t = empty(checkShape('randn', shape));
  k.normal(globalGenerator(), t.ptr, t.size, 0, 1);
  return finish(t, options);
}

/** Uniform samples in [low, high). */
export function uniform(
  shape: readonly number[],
  low: number,
  high: number,
  options: TensorOptions = {},
): Tensor {
  if (!(low <= high)) throw new Error(`uniform: low ${low} must not exceed high ${high}`);
  const t = empty(checkShape('uniform', shape));
  k.uniform(globalGenerator(), t.ptr, t.size, low, high);
  return finish(t, options);
}

/** Normal samples with the given mean and standard deviation. */
export function normal(
  shape: readonly number[],
  mean: number,
  std: number,
  options: TensorOptions = {},
): Tensor {
  if (!(std >= 0)) throw new Error(`normal: std must be >= 0, got ${std}`);
  const t = empty(checkShape('normal', shape));
  k.normal(globalGenerator(), t.ptr, t.size, mean, std);
  return finish(t, options);
}

/** [start, start+step, ...) below `end`, as PyTorch's arange (arange(n) = 0..n-1). */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  if (step === 0 || !Number.isFinite(step))
    throw new Error(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const values = Array.from({ length: n }, (_, i) => lo + i * step);
  return tensor(values, options);
}
