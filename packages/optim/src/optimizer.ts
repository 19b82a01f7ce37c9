// The Optimizer base, as torch.optim.Optimizer: parameter groups with per-group options, lazily
// created per-parameter state, step / zeroGrad, and a state dict keyed by parameter index.
// Subclasses (one file per optimizer) supply the option checks, the state they keep and the
// fused kernel call that updates one parameter.
import { full, keep, type Tensor, tensor, zeros } from '@asgrad/autograd';
import { fillF32 } from '@asgrad/kernels';
import { boolean, isTensor, nonNegative, show } from './validate.js';

/** Options every optimizer's parameter groups carry. */
export interface OptimizerOptions {
  /** Learning rate. */
  lr: number;
  /** Maximize the objective instead of minimizing it (the gradient is negated). */
  maximize: boolean;
}

/** Keys the LR schedulers add to parameter groups, as PyTorch's do. */
export interface SchedulerKeys {
  initialLr?: number;
  maxLr?: number;
  minLr?: number;
  maxMomentum?: number;
  baseMomentum?: number;
}

const SCHEDULER_KEYS: ReadonlySet<string> = new Set([
  'initialLr',
  'maxLr',
  'minLr',
  'maxMomentum',
  'baseMomentum',
]);

/** A parameter group: its tensors and its full set of options. */
export type ParamGroup<O extends OptimizerOptions = OptimizerOptions> = O &
  SchedulerKeys & { params: Tensor[] };

/** A parameter group as passed in: tensors plus any options that differ from the defaults. */
export type ParamGroupInput<O extends OptimizerOptions = OptimizerOptions> = Partial<O> &
  SchedulerKeys & { params: Tensor | Iterable<Tensor> };

/** What optimizers accept: tensors, or parameter groups with their own options. */
export type Params<O extends OptimizerOptions = OptimizerOptions> =
  | Iterable<Tensor>
  | Iterable<ParamGroupInput<O>>;

/** Per-parameter state: buffers (tensors updated in place by the kernels) and counters. */
export type StateEntry = Record<string, Tensor | number | null>;

/** What each state key holds, for validating a loaded state dict. */
export type StateSpec = Record<string, { kind: 'tensor' | 'number'; required: boolean }>;

/**
 * A serialisable optimizer state: plain objects, numbers and Float32Arrays (`structuredClone`
 * keeps it as is; for JSON, Float32Arrays may be written as number arrays, which
 * `loadStateDict` accepts and restores bit for bit).
 */
export interface OptimizerStateDict {
  /** The class that saved it, e.g. 'Adam'. */
  optimizer: string;
  /** Per-parameter state keyed by parameter index (counting through the groups in order). */
  state: Record<string, Record<string, number | Float32Array | number[]>>;
  /** Each group's options, with `params` as parameter indices. */
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

/** Copies option values so that groups never share arrays (betas) with the caller. */
function cloneOptions<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = Array.isArray(v) ? [...v] : v;
  return out as T;
}

/**
 * Base class of the optimizers. `paramGroups` is public: change `paramGroups[i].lr` (or any
 * option) between steps, as LR schedulers do.
 */
export abstract class Optimizer<
  O extends OptimizerOptions = OptimizerOptions,
  S extends StateEntry = StateEntry,
> {
  /** The options groups fall back to. */
  readonly defaults: Readonly<O>;
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created on a parameter's first update. */
  readonly state = new Map<Tensor, S>();

  /**
   * @param name the class name, used in messages and to tag state dicts
   * @param options the caller's options; unknown keys are an error
   */
  protected constructor(
    readonly name: string,
    params: Params<O>,
    defaults: O,
    options: Partial<O> = {},
  ) {
    if (options === null || typeof options !== 'object') {
      throw new Error(`${name}: options must be an object, got ${show(options)}`);
    }
    this.checkKeys(name, options, 'option', defaults);
    this.defaults = Object.freeze(cloneOptions({ ...defaults, ...options }));
    this.checkOptions(name, this.defaults);
    if (params === null || typeof params !== 'object' || !(Symbol.iterator in params) || isTensor(params)) {
      throw new Error(`${name}: params must be an array of Tensors or of param groups, got ${show(params)}`);
    }
    const list = [...(params as Iterable<Tensor | ParamGroupInput<O>>)];
    if (list.length === 0) throw new Error(`${name}: got an empty parameter list`);
    const tensors = list.filter(isTensor).length;
    if (tensors > 0 && tensors < list.length) {
      const i = list.findIndex((v) => !isTensor(v));
      throw new Error(
        `${name}: params[${i}] is not a Tensor (got ${show(list[i])}); pass Tensors or param groups, not a mix`,
      );
    }
    const inputs: ParamGroupInput<O>[] =
      tensors > 0
        ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<O>]
        : (list as ParamGroupInput<O>[]);
    const groups = inputs.map((g, i) => this.makeGroup(name, g, i));
    const seen = new Set<Tensor>();
    for (const g of groups) this.checkDisjoint(name, g, seen);
    this.paramGroups.push(...groups);
  }

  /** Checks a group's options (ranges, combinations); throws `Error('<op>: ...')`. */
  protected abstract checkOptions(op: string, o: Readonly<O>): void;

  /** The state keys this optimizer keeps, for validating a loaded state dict. */
  protected abstract stateSpec(): StateSpec;

  /** Creates a parameter's state before its first update. */
  protected abstract initState(p: Tensor, group: ParamGroup<O>): S;

  /** Updates one parameter in place from its gradient (one fused kernel call). */
  protected abstract update(p: Tensor, grad: Tensor, state: S, group: ParamGroup<O>): void;

  /** A state buffer shaped like `p`: kept out of any `scope()`, owned by this optimizer. */
  protected buffer(p: Tensor, fill = 0): Tensor {
    return keep(fill === 0 ? zeros(p.shape) : full(p.shape, fill));
  }

  /**
   * Updates every parameter that has a gradient (parameters whose `.grad` is null are skipped,
   * as in PyTorch). Everything is checked before the first parameter changes. `closure`, if
   * given, is called first and its result returned (PyTorch's closure form).
   */
  step(closure?: () => number): number | undefined {
    const loss = closure?.();
    const op = `${this.name}.step`;
    this.paramGroups.forEach((group, gi) => {
      this.checkOptions(op, group);
      group.params.forEach((p, pi) => {
        const where = `paramGroups[${gi}].params[${pi}]`;
        if (p.isDisposed) throw new Error(`${op}: ${where} has been disposed`);
        const g = p.grad;
        if (g === null) return;
        if (!isTensor(g) || g.isDisposed)
          throw new Error(`${op}: the gradient of ${where} is disposed or not a Tensor`);
        if (g.dtype !== 'float32' || g.size !== p.size) {
          throw new Error(
            `${op}: the gradient of ${where} is ${g.dtype} [${g.shape.join(', ')}] but the parameter is float32 [${p.shape.join(', ')}]`,
          );
        }
      });
    });
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = p.grad;
        if (g === null) continue;
        let s = this.state.get(p);
        if (s === undefined) {
          s = this.initState(p, group);
          this.state.set(p, s);
        }
        this.update(p, g, s, group);
      }
    }
    return loss;
  }

  /**
   * Clears the gradients of all parameters. By default (PyTorch 2.x's `set_to_none=True`) each
   * `.grad` is disposed and set to null, which frees its memory; with `setToNone = false` the
   * gradients are filled with zeros in place.
   */
  zeroGrad(setToNone = true): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = p.grad;
        if (g === null) continue;
        if (setToNone) {
          p.grad = null;
          g.dispose();
        } else {
          fillF32(g.ptr, g.size, 0);
        }
      }
    }
  }

  /** Adds a parameter group (e.g. layers unfrozen during fine-tuning); options default to `defaults`. */
  addParamGroup(group: ParamGroupInput<O>): void {
    const op = `${this.name}.addParamGroup`;
    const g = this.makeGroup(op, group, this.paramGroups.length);
    const seen = new Set<Tensor>();
    for (const old of this.paramGroups) for (const p of old.params) seen.add(p);
    this.checkDisjoint(op, g, seen);
    this.paramGroups.push(g);
  }

  /** The optimizer's state as plain data: buffers copied out as Float32Arrays. */
  stateDict(): OptimizerStateDict {
    const state: OptimizerStateDict['state'] = {};
    let index = 0;
    const paramGroups = this.paramGroups.map(({ params, ...opts }) => {
      const ids: number[] = [];
      for (const p of params) {
        const s = this.state.get(p);
        if (s !== undefined) {
          const entry: Record<string, number | Float32Array> = {};
          for (const [k, v] of Object.entries(s)) {
            if (v === null) continue;
            entry[k] = typeof v === 'number' ? v : (v.dataSync() as Float32Array);
          }
          state[index] = entry;
        }
        ids.push(index++);
      }
      return { ...cloneOptions(opts), params: ids };
    });
    return { optimizer: this.name, state, paramGroups };
  }

  /**
   * Restores a state saved by `stateDict()` of the same optimizer class with the same group
   * sizes: group options are replaced by the saved ones (parameters stay), state is mapped to
   * the parameters by index and copied in. Everything is validated first; on error nothing
   * changes.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const op = `${this.name}.loadStateDict`;
    if (sd === null || typeof sd !== 'object' || !('paramGroups' in sd) || !('state' in sd)) {
      throw new Error(
        `${op}: expected { optimizer, state, paramGroups } as made by stateDict(), got ${show(sd)}`,
      );
    }
    if (sd.optimizer !== this.name) {
      throw new Error(`${op}: this state dict was saved by ${show(sd.optimizer)}, not by ${this.name}`);
    }
    const { options, byId } = this.savedGroups(op, sd.paramGroups);
    const loaded = this.savedState(op, sd.state, byId);
    // Everything checked: now replace.
    this.clearState();
    for (const [p, entry] of loaded) {
      const s: StateEntry = {};
      for (const [k, v] of Object.entries(entry)) {
        s[k] = typeof v === 'number' ? v : keep(tensor(Float32Array.from(v), { shape: p.shape }));
      }
      this.state.set(p, s as S);
    }
    this.paramGroups.forEach((g, i) => {
      for (const k of Object.keys(g)) if (k !== 'params') delete (g as unknown as Record<string, unknown>)[k];
      Object.assign(g, options[i]);
    });
  }

  /** Validates saved groups against this optimizer's; returns their options and index → parameter. */
  private savedGroups(op: string, saved: OptimizerStateDict['paramGroups']) {
    if (!Array.isArray(saved) || saved.length !== this.paramGroups.length) {
      throw new Error(
        `${op}: the state dict has ${Array.isArray(saved) ? saved.length : show(saved)} param groups, this optimizer has ${this.paramGroups.length}`,
      );
    }
    const byId = new Map<number, Tensor>();
    const options = saved.map((group, gi) => {
      const cur = this.paramGroups[gi];
      if (group === null || typeof group !== 'object' || !Array.isArray(group.params)) {
        throw new Error(`${op}: paramGroups[${gi}] has no params array`);
      }
      if (group.params.length !== cur.params.length) {
        throw new Error(
          `${op}: paramGroups[${gi}] has ${group.params.length} parameters in the state dict but ${cur.params.length} here`,
        );
      }
      group.params.forEach((id, j) => {
        if (!Number.isInteger(id) || byId.has(id))
          throw new Error(`${op}: bad or repeated parameter index ${show(id)}`);
        byId.set(id, cur.params[j]);
      });
      const { params: _ids, ...opts } = group;
      for (const k of Object.keys(this.defaults)) {
        if (!(k in opts))
          throw new Error(
            `${op}: paramGroups[${gi}] lacks the option '${k}' (a state dict of another optimizer?)`,
          );
      }
      this.checkKeys(op, opts, `option in paramGroups[${gi}]`, this.defaults);
      this.checkOptions(op, opts as unknown as O);
      return cloneOptions(opts);
    });
    return { options, byId };
  }

  /** Validates saved per-parameter state against the spec and the parameters' sizes. */
  private savedState(op: string, state: OptimizerStateDict['state'], byId: Map<number, Tensor>) {
    if (state === null || typeof state !== 'object') throw new Error(`${op}: state must be an object`);
    const spec = this.stateSpec();
    const loaded = new Map<Tensor, Record<string, number | ArrayLike<number>>>();
    for (const [id, entry] of Object.entries(state)) {
      const p = byId.get(Number(id));
      const what = `state of parameter ${id}`;
      if (p === undefined) throw new Error(`${op}: state for parameter ${id}, which no param group lists`);
      if (entry === null || typeof entry !== 'object') throw new Error(`${op}: ${what} is not an object`);
      for (const [k, { required }] of Object.entries(spec)) {
        if (required && !(k in entry))
          throw new Error(`${op}: ${what} lacks '${k}' (a state dict of another optimizer?)`);
      }
      for (const [k, v] of Object.entries(entry)) {
        const kind = spec[k]?.kind;
        if (kind === undefined) {
          throw new Error(
            `${op}: ${what} has an unexpected entry '${k}' (a state dict of another optimizer?)`,
          );
        }
        if (kind === 'number' && (typeof v !== 'number' || !Number.isFinite(v))) {
          throw new Error(`${op}: state '${k}' of parameter ${id} must be a finite number, got ${show(v)}`);
        }
        if (kind === 'tensor') checkSavedBuffer(op, `state '${k}' of parameter ${id}`, v, p);
      }
      loaded.set(p, entry);
    }
    return loaded;
  }

  /** Frees the state buffers (the optimizer starts afresh on its next step). */
  dispose(): void {
    this.clearState();
  }

  private clearState(): void {
    for (const s of this.state.values()) {
      for (const v of Object.values(s)) if (v !== null && typeof v === 'object') v.dispose();
    }
    this.state.clear();
  }

  private checkKeys(op: string, o: object, what: string, allowed: object): void {
    for (const k of Object.keys(o)) {
      if (k !== 'params' && !(k in allowed) && !SCHEDULER_KEYS.has(k)) {
        throw new Error(
          `${op}: unknown ${what} '${k}' (${this.name} takes ${Object.keys(allowed).join(', ')})`,
        );
      }
    }
  }

  private makeGroup(op: string, input: ParamGroupInput<O>, gi: number): ParamGroup<O> {
    if (input === null || typeof input !== 'object' || !('params' in input)) {
      throw new Error(`${op}: param group ${gi} must be an object with a params array, got ${show(input)}`);
    }
    const { params, ...opts } = input;
    const list = isTensor(params) ? [params] : [...(params as Iterable<Tensor>)];
    const seen = new Set<Tensor>();
    list.forEach((p, pi) => {
      const where = `paramGroups[${gi}].params[${pi}]`;
      if (!isTensor(p)) throw new Error(`${op}: ${where} is not a Tensor (got ${show(p)})`);
      if (p.isDisposed) throw new Error(`${op}: ${where} has been disposed`);
      if (p.dtype !== 'float32')
        throw new Error(`${op}: ${where} is ${p.dtype}; only float32 tensors can be optimized`);
      if (!p.isLeaf) {
        throw new Error(
          `${op}: ${where} is not a leaf tensor (it was computed by an op); optimize the tensors you created`,
        );
      }
      if (seen.has(p)) throw new Error(`${op}: ${where} appears twice in the group`);
      seen.add(p);
    });
    this.checkKeys(op, opts, `option in param group ${gi}`, this.defaults);
    const group = {
      ...cloneOptions(this.defaults as O),
      ...cloneOptions(opts),
      params: list,
    } as unknown as ParamGroup<O>;
    this.checkOptions(op, group);
    return group;
  }

  private checkDisjoint(op: string, g: ParamGroup<O>, seen: Set<Tensor>): void {
    for (const p of g.params) {
      if (seen.has(p)) throw new Error(`${op}: some parameters appear in more than one parameter group`);
      seen.add(p);
    }
  }
}

/** A saved buffer: a Float32Array, or numbers (from JSON, which cannot hold NaN or ±Infinity). */
function checkSavedBuffer(op: string, what: string, v: unknown, p: Tensor): void {
  if (!(v instanceof Float32Array) && !Array.isArray(v)) {
    throw new Error(`${op}: ${what} must be a Float32Array or number[], got ${show(v)}`);
  }
  if (v.length !== p.size) {
    throw new Error(
      `${op}: ${what} has ${v.length} values but the parameter has shape [${p.shape.join(', ')}] (${p.size} values)`,
    );
  }
  if (Array.isArray(v) && !v.every((x) => typeof x === 'number')) {
    throw new Error(`${op}: ${what} holds a non-number (JSON writes NaN and ±Infinity as null)`);
  }
}

/** Checks shared by every optimizer: lr >= 0 and a boolean maximize. */
export function checkCommon(op: string, o: OptimizerOptions): void {
  nonNegative(op, 'learning rate', o.lr);
  boolean(op, 'maximize', o.maximize);
}
