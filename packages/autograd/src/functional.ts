// The functional interface: grad(f) and valueAndGrad(f), as in JAX. Nested calls give
// higher-order derivatives because an inner call on inputs that already require grad
// records its backward pass (createGraph).
import { type Node, runBackward, withGradMode } from './graph.js';
import { onesLike } from './ops/elementwise.js';
import { checkTensor } from './ops/util.js';
import { fmt } from './shape.js';
import type { Tensor } from './tensor.js';

type Fn = (...args: Tensor[]) => Tensor;

function run(name: string, f: Fn, argnums: number | readonly number[], args: Tensor[]) {
  if (typeof f !== 'function') throw new Error(`${name}: expected a function, got ${typeof f}`);
  const nums = typeof argnums === 'number' ? [argnums] : [...argnums];
  const callArgs = [...args];
  const targets: Tensor[] = [];
  const made: Tensor[] = [];
  let nested = false;
  for (const i of nums) {
    if (!Number.isInteger(i) || i < 0 || i >= args.length) {
      throw new Error(`${name}: argnum ${i} is out of range for ${args.length} arguments`);
    }
    checkTensor(name, args[i], 'float32', `argument ${i}`);
    if (args[i].requiresGrad) {
      nested = true;
      targets.push(args[i]);
    } else {
      const x = args[i].detach();
      x.requiresGrad = true;
      made.push(x);
      callArgs[i] = x;
      targets.push(x);
    }
  }
  const out = f(...callArgs);
  checkTensor(name, out, 'float32', 'the function result');
  if (out.size !== 1)
    throw new Error(`${name}: the function must return a scalar, got shape ${fmt(out.shape)}`);
  const found = new Map<Tensor, Tensor>();
  const stopAt = new Map<Node, Tensor>();
  for (const t of targets) if (t.node) stopAt.set(t.node, t);
  if (out.requiresGrad) {
    const seed = onesLike(out);
    try {
      runBackward(
        [out],
        [seed],
        { createGraph: nested },
        (leaf, g) => {
          const target = targets.find((t) => t === leaf || (t.node !== null && t.node === leaf.node));
          if (!target) return g.dispose();
          const prev = found.get(target);
          // A leaf used several times receives several gradients: they add up.
          found.set(target, prev ? withGradMode(nested, () => prev.add(g)) : g);
          if (prev) {
            prev.dispose();
            g.dispose();
          }
        },
        stopAt,
      );
    } finally {
      seed.dispose();
    }
  }
  const grads = targets.map((t) => found.get(t) ?? zerosOf(t));
  for (const x of made) x.dispose();
  return { out, grads, single: typeof argnums === 'number', nested };
}

function zerosOf(t: Tensor): Tensor {
  const z = onesLike(t);
  const r = z.mul(0);
  z.dispose();
  return r;
}

/**
 * The gradient of a scalar function with respect to its argument(s) `argnums` (default 0).
 * @example
 * ```ts
 * const dfdx = grad((x) => x.pow(3).sum());
 * dfdx(tensor([2])).item(); // 12
 * const d2 = grad((x) => grad((y) => y.pow(3).sum())(x).sum()); // second derivative: 6x
 * ```
 */
export function grad(
  f: Fn,
  argnums: number | readonly number[] = 0,
): (...args: Tensor[]) => Tensor | Tensor[] {
  return (...args: Tensor[]) => {
    const { out, grads, single, nested } = run('grad', f, argnums, args);
    if (!nested) out.dispose();
    return single ? grads[0] : grads;
  };
}

/** Like {@link grad} but also returns the function's value: `[value, gradient(s)]`. */
export function valueAndGrad(
  f: Fn,
  argnums: number | readonly number[] = 0,
): (...args: Tensor[]) => [Tensor, Tensor | Tensor[]] {
  return (...args: Tensor[]) => {
    const { out, grads, single, nested } = run('valueAndGrad', f, argnums, args);
    let value = out;
    if (!nested) {
      value = out.detach();
      out.dispose();
    }
    return [value, single ? grads[0] : grads];
  };
}
