// The Tensor: a shape, a dtype and a reference-counted block of kernel memory, plus the
// graph node that made it. Its methods are thin: each op lives in ops/<family>.ts with its
// forward and backward side by side.
import { copy32, heap } from '@asgrad/kernels';
import { type BackwardOptions, type Node, runBackward } from './graph.js';
import { keep, type Storage, track, untrack } from './memory.js';
import * as ew from './ops/elementwise.js';
import * as mm from './ops/matmul.js';
import * as red from './ops/reduce.js';
import * as sh from './ops/shape.js';
import * as sm from './ops/softmax.js';
import { fmt, numel } from './shape.js';

export type DType = 'float32' | 'int32';
/** A scalar or a tensor: what binary ops accept as their other operand. */
export type Operand = Tensor | number;
type Nested = number | Nested[];

export class Tensor {
  /** Marks tensors for duck-typed checks across package copies. */
  readonly isTensor = true;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  /** The node that produced this tensor, or null for a leaf. @internal */
  node: Node | null = null;
  private _requiresGrad = false;
  private _grad: Tensor | null = null;
  private _storage: Storage | null;
  private _leafOf: Tensor | null = null;
  /** @internal Whether the FinalizationRegistry watches this handle. */
  _registered = false;

  /** @internal Use tensor(), zeros() etc. */
  constructor(storage: Storage, shape: readonly number[], dtype: DType, scoped = true) {
    this._storage = storage;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = numel(shape);
    track(this, scoped);
  }

  /** Byte offset of the contiguous data in the kernel heap. Throws if disposed. */
  get ptr(): number {
    if (this._storage === null) throw new Error(`tensor of shape ${fmt(this.shape)} has been disposed`);
    return this._storage.ptr;
  }

  /** @internal */
  get storage(): Storage {
    if (this._storage === null) throw new Error(`tensor of shape ${fmt(this.shape)} has been disposed`);
    return this._storage;
  }

  get isDisposed(): boolean {
    return this._storage === null;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Whether gradients flow to this tensor. Settable on leaves only, as in PyTorch. */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(v: boolean) {
    if (this.node && !v) {
      throw new Error('requiresGrad: only leaf tensors can change requiresGrad; use detach() for a non-leaf');
    }
    if (v && this.dtype !== 'float32')
      throw new Error(`requiresGrad: only float32 tensors can require grad, got ${this.dtype}`);
    this._requiresGrad = v;
  }

  /** Whether this tensor was made by the user rather than by an op. */
  get isLeaf(): boolean {
    return this.node === null;
  }

  /**
   * Accumulated gradient (leaves only); assignable, as in PyTorch. Assigning (including `null`)
   * frees the previous gradient's memory: clone it first to keep it.
   */
  get grad(): Tensor | null {
    return this._grad;
  }

  set grad(g: Tensor | null) {
    if (g !== null) {
      if (!g.isTensor) throw new Error('grad: must be a Tensor or null');
      if (g.shape.join() !== this.shape.join()) {
        throw new Error(
          `grad: assigned gradient of shape ${fmt(g.shape)} to a tensor of shape ${fmt(this.shape)}`,
        );
      }
      keep(g);
    }
    const prev = this._grad;
    this._grad = g;
    if (prev && prev !== g) prev.dispose();
  }

  /** @internal Connects this fresh op output to its node. */
  _attach(node: Node): void {
    this.node = node;
    this._requiresGrad = true;
  }

  /** @internal A second handle on the same memory and graph position, owned by a node. */
  _alias(): Tensor {
    const t = new Tensor(this.storage.retain(), this.shape, this.dtype, false);
    t.node = this.node;
    t._requiresGrad = this._requiresGrad;
    t._leafOf = this.node ? null : this._leaf();
    return t;
  }

  /** @internal A plain handle (no graph) on the same memory. */
  _share(): Tensor {
    return new Tensor(this.storage.retain(), this.shape, this.dtype, false);
  }

  /** @internal The user's leaf this handle stands for. */
  _leaf(): Tensor {
    return this._leafOf ?? this;
  }

  /** Frees this handle's memory (shared memory is freed when its last user lets go). Idempotent. */
  dispose(): void {
    const s = this._storage;
    if (s === null) return;
    this._storage = null;
    untrack(this, s);
  }

  // ---- data out ----

  /** A copy of the data as a typed array. */
  dataSync(): Float32Array | Int32Array {
    const start = this.ptr >>> 2;
    return this.dtype === 'float32'
      ? heap()
          .f32()
          .slice(start, start + this.size)
      : heap()
          .i32()
          .slice(start, start + this.size);
  }

  /** The data as nested arrays (a number for a 0-d tensor). */
  toArray(): Nested {
    const data = this.dataSync();
    if (this.shape.length === 0) return data[0];
    const build = (dim: number, offset: number): Nested[] => {
      const n = this.shape[dim];
      const out: Nested[] = new Array(n);
      if (dim === this.shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = data[offset + i];
        return out;
      }
      const stride = numel(this.shape.slice(dim + 1));
      for (let i = 0; i < n; i++) out[i] = build(dim + 1, offset + i * stride);
      return out;
    };
    return build(0, 0);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1)
      throw new Error(`item: tensor of shape ${fmt(this.shape)} has ${this.size} elements, not 1`);
    const p = this.ptr >>> 2;
    return this.dtype === 'float32' ? heap().f32()[p] : heap().i32()[p];
  }

  toString(): string {
    return `Tensor(${fmt(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  /**
   * Copies `src`'s values into this tensor's memory in place (same shape and dtype), outside the
   * graph — how parameters are loaded and updated. A tensor a recorded graph saved for backward
   * must not be overwritten before that backward runs.
   */
  copyFrom(src: Tensor): this {
    if (src.shape.join() !== this.shape.join() || src.dtype !== this.dtype) {
      throw new Error(
        `copyFrom: source ${fmt(src.shape)} ${src.dtype} does not match ${fmt(this.shape)} ${this.dtype}`,
      );
    }
    if (this.size > 0 && src.ptr !== this.ptr) copy32(src.ptr, this.ptr, this.size);
    return this;
  }

  // ---- graph ----

  /**
   * Backpropagates from this tensor, accumulating into the `.grad` of every leaf that requires
   * grad. A non-scalar tensor needs `grad` (the gradient of some scalar with respect to it).
   */
  backward(grad?: Tensor, options: BackwardOptions = {}): void {
    if (!this.requiresGrad) {
      throw new Error(
        'backward: tensor does not require grad (no input had requiresGrad: true, or it was made under noGrad)',
      );
    }
    let seed = grad;
    if (seed === undefined) {
      if (this.size !== 1) {
        throw new Error(`backward: grad must be given for a non-scalar output of shape ${fmt(this.shape)}`);
      }
      seed = ew.onesLike(this);
    } else if (seed.shape.join() !== this.shape.join()) {
      throw new Error(
        `backward: grad of shape ${fmt(seed.shape)} does not match output of shape ${fmt(this.shape)}`,
      );
    }
    try {
      runBackward([this], [seed], options, (leaf, g) => accumulate(leaf, g, options.createGraph ?? false));
    } finally {
      if (grad === undefined) seed.dispose();
    }
  }

  /** A tensor sharing this one's memory, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.storage.retain(), this.shape, this.dtype);
  }

  // ---- elementwise ----
  add(other: Operand): Tensor {
    return ew.add(this, other);
  }
  sub(other: Operand): Tensor {
    return ew.sub(this, other);
  }
  mul(other: Operand): Tensor {
    return ew.mul(this, other);
  }
  div(other: Operand): Tensor {
    return ew.div(this, other);
  }
  pow(exponent: Operand): Tensor {
    return ew.pow(this, exponent);
  }
  maximum(other: Operand): Tensor {
    return ew.maximum(this, other);
  }
  minimum(other: Operand): Tensor {
    return ew.minimum(this, other);
  }
  neg(): Tensor {
    return ew.neg(this);
  }
  exp(): Tensor {
    return ew.exp(this);
  }
  log(): Tensor {
    return ew.log(this);
  }
  sqrt(): Tensor {
    return ew.sqrt(this);
  }
  abs(): Tensor {
    return ew.abs(this);
  }
  relu(): Tensor {
    return ew.relu(this);
  }
  sigmoid(): Tensor {
    return ew.sigmoid(this);
  }
  tanh(): Tensor {
    return ew.tanh(this);
  }
  gelu(): Tensor {
    return ew.gelu(this);
  }
  leakyRelu(negativeSlope = 0.01): Tensor {
    return ew.leakyRelu(this, negativeSlope);
  }
  clamp(min?: number, max?: number): Tensor {
    return ew.clamp(this, min, max);
  }
  /** A float32 copy (int32 -> float32), or this tensor's float copy. */
  float(): Tensor {
    return ew.cast(this, 'float32');
  }
  /** An int32 copy, truncating toward zero. */
  int(): Tensor {
    return ew.cast(this, 'int32');
  }
  clone(): Tensor {
    return ew.clone(this);
  }

  // ---- reductions ----
  sum(axis?: number | number[], keepDim = false): Tensor {
    return red.sum(this, axis, keepDim);
  }
  mean(axis?: number | number[], keepDim = false): Tensor {
    return red.mean(this, axis, keepDim);
  }
  max(axis?: number | number[], keepDim = false): Tensor {
    return red.max(this, axis, keepDim);
  }
  min(axis?: number | number[], keepDim = false): Tensor {
    return red.min(this, axis, keepDim);
  }
  argmax(axis?: number, keepDim = false): Tensor {
    return red.argmax(this, axis, keepDim);
  }
  argmin(axis?: number, keepDim = false): Tensor {
    return red.argmin(this, axis, keepDim);
  }

  // ---- linear algebra ----
  matmul(other: Tensor): Tensor {
    return mm.matmul(this, other);
  }

  // ---- shape ----
  reshape(...shape: number[] | [number[]]): Tensor {
    return sh.reshape(this, Array.isArray(shape[0]) ? shape[0] : (shape as number[]));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return sh.flatten(this, startDim, endDim);
  }
  transpose(dim0 = -2, dim1 = -1): Tensor {
    return sh.transpose(this, dim0, dim1);
  }
  permute(...dims: number[] | [number[]]): Tensor {
    return sh.permute(this, Array.isArray(dims[0]) ? dims[0] : (dims as number[]));
  }
  /** Slices along each axis: `[start, end]` pairs (end exclusive, negatives count from the end) or null for all. */
  slice(ranges: readonly ([number, number] | number | null)[]): Tensor {
    return sh.slice(this, ranges);
  }
  /** Rows (entries along `axis`) picked by integer indices, as PyTorch's index_select. */
  indexSelect(axis: number, indices: readonly number[] | Int32Array | Tensor): Tensor {
    return sh.indexSelect(this, axis, indices);
  }
  /** Broadcasts to `shape` (a copy), as PyTorch's expand. */
  expand(shape: readonly number[]): Tensor {
    return sh.expand(this, shape);
  }
  squeeze(axis?: number): Tensor {
    return sh.squeeze(this, axis);
  }
  unsqueeze(axis: number): Tensor {
    return sh.unsqueeze(this, axis);
  }

  // ---- softmax ----
  softmax(axis = -1): Tensor {
    return sm.softmax(this, axis);
  }
  logSoftmax(axis = -1): Tensor {
    return sm.logSoftmax(this, axis);
  }
}

/** Adds a gradient into a leaf's `.grad` (in place when nothing else shares that memory). */
function accumulate(leaf: Tensor, g: Tensor, createGraph: boolean): void {
  if (leaf.isDisposed) {
    g.dispose();
    return;
  }
  const prev = leaf.grad;
  if (prev === null || prev.isDisposed) {
    leaf.grad = g;
    return;
  }
  if (!createGraph && prev.storage.refs === 1 && !prev.requiresGrad) {
    ew.addInPlace(prev, g);
    g.dispose();
    return;
  }
  leaf.grad = createGraph ? prev.add(g) : ew.noGradAdd(prev, g);
  g.dispose();
}
