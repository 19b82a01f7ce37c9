// Custom ops: users supply forward and backward, asgrad records the node.
import { noGrad, record } from './graph.js';
import { checkTensor } from './ops/util.js';
import type { Tensor } from './tensor.js';

/** What a custom op's backward receives besides the output gradient. */
export interface CustomOpContext {
  /** The inputs of the forward call (kept alive for backward). */
  inputs: readonly Tensor[];
  /** The forward output. */
  output: Tensor;
}

/** A custom op's definition. */
export interface CustomOpDefinition {
  name: string;
  /** Computes the output; runs without recording (use any asgrad ops or kernels). */
  forward: (...inputs: Tensor[]) => Tensor;
  /**
   * One gradient per input (null for none), shaped like that input. Written with asgrad ops,
   * it is itself differentiable, so createGraph works through the custom op.
   */
  backward: (grad: Tensor, ctx: CustomOpContext) => (Tensor | null)[];
}

/**
 * Defines a differentiable op from a forward and a backward function.
 * @example
 * ```ts
 * const square = customOp({
 *   name: 'square',
 *   forward: (x) => x.mul(x),
 *   backward: (g, { inputs: [x] }) => [g.mul(x).mul(2)],
 * });
 * square(tensor([3], { requiresGrad: true })).sum().backward();
 * ```
 */
export function customOp(def: CustomOpDefinition): (...inputs: Tensor[]) => Tensor {
  if (
    !def ||
    typeof def.forward !== 'function' ||
    typeof def.backward !== 'function' ||
    typeof def.name !== 'string'
  ) {
    throw new Error('customOp: needs { name: string, forward: function, backward: function }');
  }
  const { name } = def;
  return (...inputs: Tensor[]) => {
    inputs.forEach((t, i) => checkTensor(name, t, undefined, `input ${i}`));
    const out = noGrad(() => def.forward(...inputs));
    checkTensor(name, out, undefined, 'forward result');
    return record(
      name,
      inputs,
      out,
      (g, saved) => {
        const grads = def.backward(g, {
          inputs: saved.slice(0, inputs.length),
          output: saved[inputs.length],
        });
        if (!Array.isArray(grads) || grads.length !== inputs.length) {
          throw new Error(
            `${name}: backward must return ${inputs.length} gradients (one per input), got ${Array.isArray(grads) ? grads.length : typeof grads}`,
          );
        }
        grads.forEach((gi, i) => {
          if (gi && gi.shape.join() !== inputs[i].shape.join()) {
            throw new Error(
              `${name}: backward returned a gradient of shape [${gi.shape}] for input ${i} of shape [${inputs[i].shape}]`,
            );
          }
        });
        return grads;
      },
      [...inputs, out],
    );
  };
}
