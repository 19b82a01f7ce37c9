// Who frees tensor memory. wasm memory is not garbage-collected, so every tensor's block is
// reference-counted (a reshape or a graph's saved copy shares it), `scope(fn)` frees what a
// step created and did not return, and a FinalizationRegistry frees what was dropped.
import { heap } from '@asgrad/kernels';
import type { Tensor } from './tensor.js';

/** A kernel-heap block shared by the tensors that view it. */
export class Storage {
  refs = 1;
  constructor(
    readonly ptr: number,
    readonly bytes: number,
  ) {}

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs === 0) {
      liveBytes -= this.bytes;
      heap().free(this.ptr);
    }
  }
}

let liveTensors = 0;
let liveBytes = 0;

/** Allocates a block for `n` 4-byte elements. */
export function allocStorage(n: number): Storage {
  const bytes = Math.max(n, 1) * 4;
  const s = new Storage(heap().alloc(bytes), bytes);
  liveBytes += bytes;
  return s;
}

// The safety net: a tensor dropped without dispose() gives its block back when collected.
const registry = new FinalizationRegistry<Storage>((storage) => {
  liveTensors--;
  storage.release();
});

/** The part of a graph node that memory management needs. */
export interface GraphNode {
  readonly inputs: readonly Tensor[];
  release(): void;
}

interface Scope {
  tensors: Set<Tensor>;
  nodes: Set<GraphNode>;
}

const scopes: Scope[] = [];

/** Called when an op records a node: a scope releases the nodes no kept tensor can reach. */
export function trackNode(node: GraphNode): void {
  scopes[scopes.length - 1]?.nodes.add(node);
}

/** Called by the Tensor constructor. */
// Tensors inside a scope are freed by it, so they join the registry (which costs more than the
// op itself for small tensors) only if they leave the outermost scope alive.
// Registration is deferred to a microtask (or a batch of 4096): a tensor disposed before then —
// `a.add(b).dispose()`, or anything inside a scope — never pays for it. Finalizers only run
// between tasks anyway, so the deferral frees nothing later than before.
let pending: Tensor[] = [];
let flushQueued = false;

function flushRegistrations(): void {
  flushQueued = false;
  const batch = pending;
  pending = [];
  for (const t of batch) {
    if (!t.isDisposed && !t._registered) {
      registry.register(t, t.storage, t);
      t._registered = true;
    }
  }
}

function register(t: Tensor): void {
  pending.push(t);
  if (pending.length >= 4096) flushRegistrations();
  else if (!flushQueued) {
    flushQueued = true;
    queueMicrotask(flushRegistrations);
  }
}

export function track(t: Tensor, scoped: boolean): void {
  liveTensors++;
  const top = scoped ? scopes[scopes.length - 1] : undefined;
  if (top) top.tensors.add(t);
  else register(t);
}

/** Called by Tensor.dispose(). */
export function untrack(t: Tensor, storage: Storage): void {
  liveTensors--;
  if (t._registered) {
    t._registered = false;
    registry.unregister(t);
  }
  for (const s of scopes) s.tensors.delete(t);
  storage.release();
}

/** Takes `t` out of every open scope, so a scope's end does not free it (leaf gradients, optimizer state). */
export function keep<T extends Tensor>(t: T): T {
  let held = false;
  for (const s of scopes) held = s.tensors.delete(t) || held;
  if (held && !t.isDisposed) register(t);
  return t;
}

function collect(value: unknown, out: Set<Tensor>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if ((value as { isTensor?: boolean }).isTensor === true) {
    out.add(value as Tensor);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, out, seen);
  else if (value instanceof Map) for (const v of value.values()) collect(v, out, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype)
    for (const v of Object.values(value)) collect(v, out, seen);
}

/**
 * Runs `fn` and frees every tensor created inside it that it does not return (tensors in the
 * returned value — a tensor, an array, a Map or a plain object — move to the enclosing scope).
 * Tensors a graph still needs for backward stay alive until that backward has run.
 *
 * @example
 * ```ts
 * for (const { x, y } of loader) {
 *   scope(() => {
 *     optimizer.zeroGrad();
 *     crossEntropy(model.forward(x), y).backward();
 *     optimizer.step();
 *   });
 * }
 * ```
 */
export function scope<T>(fn: () => T): T {
  const mine: Scope = { tensors: new Set(), nodes: new Set() };
  scopes.push(mine);
  let result: T | undefined;
  let failed = true;
  try {
    result = fn();
    failed = false;
  } finally {
    scopes.pop();
    const kept = new Set<Tensor>();
    if (!failed) collect(result, kept, new Set());
    close(mine, kept);
  }
  if (result instanceof Promise) {
    throw new Error('scope: fn must be synchronous (it returned a Promise); await outside the scope');
  }
  return result as T;
}

/** Frees a scope's tensors except `kept`, and releases its graph nodes that no kept tensor reaches. */
function close(mine: Scope, kept: Set<Tensor>): void {
  const parent = scopes[scopes.length - 1];
  for (const t of mine.tensors) {
    if (!kept.has(t)) t.dispose();
    else if (parent) parent.tensors.add(t);
    else register(t);
  }
  if (mine.nodes.size === 0) return;
  const reachable = new Set<GraphNode>();
  const stack: GraphNode[] = [];
  for (const t of kept) if (t.node) stack.push(t.node);
  while (stack.length) {
    const n = stack.pop()!;
    if (reachable.has(n)) continue;
    reachable.add(n);
    for (const i of n.inputs) if (i.node) stack.push(i.node);
  }
  for (const n of mine.nodes) {
    if (reachable.has(n)) parent?.nodes.add(n);
    else n.release();
  }
}

/** What the library holds in kernel memory right now. */
export interface MemoryInfo {
  /** Tensors not yet disposed or collected. */
  tensors: number;
  /** Bytes held by tensor storage (a block shared by several tensors counts once). */
  bytes: number;
  /** Bytes in live kernel-heap blocks, including scratch and optimizer buffers. */
  heapBytesLive: number;
  /** Highest `heapBytesLive` since load. */
  peak: number;
  /** Size of the wasm linear memory. */
  heapBytes: number;
}

/** Live tensors and bytes; an ordinary training loop keeps these flat. */
export function memoryInfo(): MemoryInfo {
  const s = heap().stats();
  return {
    tensors: liveTensors,
    bytes: liveBytes,
    heapBytesLive: s.bytesLive,
    peak: s.peak,
    heapBytes: s.heapBytes,
  };
}
