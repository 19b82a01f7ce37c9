// Module: the PyTorch nn.Module contract — parameters, buffers and children registered by name,
// train/eval, and state dicts keyed by dotted names ('0.weight' inside a Sequential).
import { keep, type Tensor } from '@asgrad/autograd';

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /** Require exactly the model's keys (default true), as PyTorch. */
  strict?: boolean;
}

export abstract class Module {
  /** Whether the module is in training mode (dropout active, batch-norm batch statistics). */
  training = true;
  private readonly _parameters = new Map<string, Tensor>();
  private readonly _buffers = new Map<string, Tensor>();
  private readonly _modules = new Map<string, Module>();

  /** The computation; call it directly: `model.forward(x)`. */
  abstract forward(...inputs: Tensor[]): Tensor;

  /** Registers a trainable tensor under `name` (kept out of any scope, requiresGrad set). */
  protected registerParameter(name: string, t: Tensor): Tensor {
    keep(t);
    t.requiresGrad = true;
    this._parameters.set(name, t);
    return t;
  }

  /** Registers a non-trainable state tensor (e.g. running statistics) saved in the state dict. */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    keep(t);
    this._buffers.set(name, t);
    return t;
  }

  /** Registers a child module under `name`. */
  protected registerModule<M extends Module>(name: string, m: M): M {
    if (!(m instanceof Module)) throw new Error(`${this.constructor.name}: child '${name}' is not a Module`);
    this._modules.set(name, m);
    return m;
  }

  /** Direct children, in registration order. */
  children(): Module[] {
    return [...this._modules.values()];
  }

  namedChildren(): [string, Module][] {
    return [...this._modules.entries()];
  }

  /** Every parameter of this module and its descendants, with dotted names. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this._parameters) out.push([prefix + n, p]);
    for (const [n, m] of this._modules) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every buffer of this module and its descendants, with dotted names. */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, b] of this._buffers) out.push([prefix + n, b]);
    for (const [n, m] of this._modules) out.push(...m.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  /** Sets training mode here and in every descendant. */
  train(mode = true): this {
    this.training = mode;
    for (const m of this._modules.values()) m.train(mode);
    return this;
  }

  /** Evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Drops every parameter's gradient (freeing its memory), PyTorch's zero_grad(set_to_none=True). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Parameters and buffers by dotted name. The tensors are the live ones: copy them to keep a snapshot. */
  stateDict(): Record<string, Tensor> {
    const sd: Record<string, Tensor> = {};
    for (const [n, p] of this.namedParameters()) sd[n] = p;
    for (const [n, b] of this.namedBuffers()) sd[n] = b;
    return sd;
  }

  /**
   * Copies values from `sd` into this module's parameters and buffers (in place, so optimizers
   * holding the parameters keep working). Everything is checked before anything is written.
   */
  loadStateDict(sd: Record<string, Tensor>, options: LoadStateDictOptions = {}): void {
    const strict = options.strict ?? true;
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !(k in sd));
    const unexpected = Object.keys(sd).filter((k) => !(k in own));
    if (strict && (missing.length || unexpected.length)) {
      const parts = [];
      if (missing.length) parts.push(`missing keys: ${missing.join(', ')}`);
      if (unexpected.length) parts.push(`unexpected keys: ${unexpected.join(', ')}`);
      throw new Error(`loadStateDict: ${parts.join('; ')}`);
    }
    const pairs: [Tensor, Tensor][] = [];
    for (const [k, dst] of Object.entries(own)) {
      const src = sd[k];
      if (!src) continue;
      if (src.shape.join() !== dst.shape.join()) {
        throw new Error(
          `loadStateDict: '${k}' has shape [${src.shape}] but the model expects [${dst.shape}]`,
        );
      }
      if (src.dtype !== dst.dtype)
        throw new Error(`loadStateDict: '${k}' is ${src.dtype} but the model expects ${dst.dtype}`);
      pairs.push([dst, src]);
    }
    for (const [dst, src] of pairs) dst.copyFrom(src);
  }
}
