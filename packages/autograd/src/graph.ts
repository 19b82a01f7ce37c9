// The define-by-run tape: every differentiable op that sees an input requiring grad records
// a Node (its inputs, the tensors it saved, its backward rule). backward() walks the nodes in
// reverse topological order, applies the chain rule and frees what the nodes saved.
import { scope, trackNode } from './memory.js';
import { fmt, sameShape } from './shape.js';
import type { Tensor } from './tensor.js';

/** A backward rule: the gradient of the output in, one gradient per input out (null = none). */
export type BackwardFn = (grad: Tensor, saved: readonly Tensor[]) => readonly (Tensor | null | undefined)[];

let gradEnabled = true;

/** Whether ops record the graph right now. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` with graph recording switched on or off, restoring the previous mode afterwards. */
export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Runs `fn` without recording the graph (evaluation, parameter updates).
 * @example
 * ```ts
 * const logits = noGrad(() => model.forward(x));
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

export class Node {
  saved: readonly Tensor[] | null;
  constructor(
    readonly name: string,
    readonly inputs: readonly Tensor[],
    readonly backward: BackwardFn,
    saved: readonly Tensor[],
  ) {
    this.saved = saved;
  }

  /** Frees what the node saved; a second backward through it then fails clearly. */
  release(): void {
    if (this.saved === null) return;
    for (const t of this.saved) t.dispose();
    this.saved = null;
  }
}

/**
 * Connects `out` to the graph if recording is on and any input requires grad. `save` lists
 * the tensors the backward rule needs (it may include `out`); they are kept alive, sharing
 * memory, until backward has run even if the caller disposes them.
 */
export function record(
  name: string,
  inputs: readonly Tensor[],
  out: Tensor,
  backward: BackwardFn,
  save: readonly Tensor[] = [],
): Tensor {
  if (!gradEnabled) return out;
  let needs = false;
  for (const t of inputs) if (t.requiresGrad) needs = true;
  if (!needs) return out;
  const node = new Node(name, inputs, backward, []);
  out._attach(node);
  node.saved = save.map((t) => t._alias());
  trackNode(node);
  return out;
}

export interface BackwardOptions {
  /** Keep the saved tensors so backward can run through this graph again (default: createGraph). */
  retainGraph?: boolean;
  /** Record the backward pass itself, for higher-order gradients (default false). */
  createGraph?: boolean;
}

function topoOrder(roots: readonly Tensor[]): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
  const stack: [Node, number][] = [];
  for (const r of roots) {
    if (r.node && !seen.has(r.node)) {
      seen.add(r.node);
      stack.push([r.node, 0]);
    }
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [node, i] = top;
      if (i < node.inputs.length) {
        top[1]++;
        const child = node.inputs[i].node;
        if (child && !seen.has(child)) {
          seen.add(child);
          stack.push([child, 0]);
        }
      } else {
        stack.pop();
        order.push(node);
      }
    }
  }
  return order;
}

/**
 * Backpropagates `grads` from `roots`. Leaf gradients go to `sink` (accumulate into `.grad`,
 * or collect for the functional `grad`).
 */
export function runBackward(
  roots: readonly Tensor[],
  grads: readonly Tensor[],
  options: BackwardOptions,
  sink: (leaf: Tensor, grad: Tensor) => void,
  stopAt?: ReadonlyMap<Node, Tensor>,
): void {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const pending = new Map<Node, Tensor>();
  const owned = new Set<Tensor>(); // gradients the engine made and must free
  const deliver = (target: Tensor, g: Tensor) => {
    if (!target.requiresGrad) return;
    if (!sameShape(g.shape, target.shape)) {
      throw new Error(
        `backward: gradient of shape ${fmt(g.shape)} does not match tensor of shape ${fmt(target.shape)}`,
      );
    }
    if (!target.node) {
      sink(target._leaf(), owned.has(g) ? g : g._share());
      owned.delete(g);
      return;
    }
    const prev = pending.get(target.node);
    if (!prev) {
      const mine = owned.has(g) ? g : g._share();
      owned.delete(g);
      pending.set(target.node, mine);
      return;
    }
    const sum = withGradMode(createGraph, () => prev.add(g));
    prev.dispose();
    if (owned.has(g)) {
      owned.delete(g);
      g.dispose();
    }
    pending.set(target.node, sum);
  };
  roots.forEach((r, i) => deliver(r, grads[i]));
  const order = topoOrder(roots);
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k];
    const g = pending.get(node);
    if (!g) continue;
    pending.delete(node);
    const stop = stopAt?.get(node);
    if (stop) {
      // A non-leaf the caller asked the gradient of: hand it over instead of going further.
      sink(stop, g);
      continue;
    }
    if (node.saved === null) {
      g.dispose();
      throw new Error(
        `backward: the graph through '${node.name}' was already freed by an earlier backward; pass { retainGraph: true } to the first backward to run it twice`,
      );
    }
    // The rule's temporaries die with its scope; what it returns is handed on below.
    const inGrads = withGradMode(createGraph, () => scope(() => node.backward(g, node.saved!)));
    for (const gi of inGrads) if (gi && gi !== g) owned.add(gi);
    node.inputs.forEach((input, i) => {
      const gi = inGrads[i];
      if (gi) deliver(input, gi);
    });
    for (const gi of inGrads) {
      if (gi && owned.has(gi)) {
        owned.delete(gi);
        gi.dispose();
      }
    }
    g.dispose();
    if (!retainGraph) node.release();
  }
}
