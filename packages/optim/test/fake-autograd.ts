// A minimal stand-in for @asgrad/autograd, used by test/setup.ts only while the real package
// cannot load (it needs kernel families that are not merged yet). It implements exactly the
// interface @asgrad/optim relies on: Tensor (ptr, shape, size, dtype, grad, requiresGrad,
// isLeaf, isDisposed, dataSync, dispose), tensor, zeros, full, keep, noGrad, ready.
import { heap, ready as kernelsReady } from '@asgrad/kernels';

await kernelsReady();

type DType = 'float32' | 'int32';

export class Tensor {
  readonly isTensor = true;
  readonly shape: readonly number[];
  readonly size: number;
  requiresGrad = false;
  /** Non-null for a tensor "computed by an op" (so not a leaf). */
  node: object | null = null;
  private _ptr: number | null;
  private _grad: Tensor | null = null;

  constructor(
    shape: readonly number[],
    readonly dtype: DType = 'float32',
  ) {
    this.shape = Object.freeze([...shape]);
    this.size = shape.reduce((a, b) => a * b, 1);
    this._ptr = heap().alloc(Math.max(this.size, 1) * 4);
  }

  get ptr(): number {
    if (this._ptr === null) throw new Error(`tensor of shape [${this.shape.join(', ')}] has been disposed`);
    return this._ptr;
  }

  get isDisposed(): boolean {
    return this._ptr === null;
  }

  get isLeaf(): boolean {
    return this.node === null;
  }

  get grad(): Tensor | null {
    return this._grad;
  }

  set grad(g: Tensor | null) {
    if (g !== null && g.shape.join() !== this.shape.join()) {
      throw new Error(`grad: assigned gradient of shape [${g.shape}] to a tensor of shape [${this.shape}]`);
    }
    this._grad = g;
  }

  dataSync(): Float32Array {
    const p = this.ptr >>> 2;
    return heap()
      .f32()
      .slice(p, p + this.size);
  }

  dispose(): void {
    if (this._ptr === null) return;
    heap().free(this._ptr);
    this._ptr = null;
  }
}

export function tensor(
  data: number | number[] | number[][] | Float32Array,
  options: { shape?: readonly number[]; requiresGrad?: boolean; dtype?: DType } = {},
): Tensor {
  const flat =
    typeof data === 'number' ? [data] : data instanceof Float32Array ? data : (data.flat() as number[]);
  const shape =
    options.shape ??
    (typeof data === 'number'
      ? []
      : Array.isArray(data[0])
        ? [data.length, (data[0] as number[]).length]
        : [flat.length]);
  const t = new Tensor(shape, options.dtype ?? 'float32');
  if (t.size !== flat.length) throw new Error(`tensor: ${flat.length} values do not fill shape [${shape}]`);
  heap()
    .f32()
    .set(flat, t.ptr >>> 2);
  t.requiresGrad = options.requiresGrad ?? false;
  return t;
}

export function full(shape: readonly number[], value: number): Tensor {
  const t = new Tensor(shape);
  heap()
    .f32()
    .fill(value, t.ptr >>> 2, (t.ptr >>> 2) + t.size);
  return t;
}

export function zeros(shape: readonly number[]): Tensor {
  return full(shape, 0);
}

export function keep<T>(t: T): T {
  return t;
}

export function noGrad<T>(fn: () => T): T {
  return fn();
}

export function ready(): Promise<void> {
  return kernelsReady();
}

/** Test helper: a tensor that looks computed by an op (isLeaf false). */
export function nonLeaf(t: Tensor): Tensor {
  t.node = {};
  return t;
}
