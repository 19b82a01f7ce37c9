// Fused optimizer updates: validated wrappers over the AssemblyScript exports in
// assembly/optim.ts. Each call updates one parameter buffer and its state in place, in one
// pass. Step-dependent scalars (bias corrections, decayed rates, NAdam's momentum schedule)
// and complements such as 1 - beta2 are computed here in float64, as PyTorch computes them
// in Python, and reach the kernel rounded to f32.
import { checkCount, checkElems } from './check.js';
import { wasm } from './loader.js';
import { parallelUpdate, type UpdateKernel } from './threads.js';

// Flag bits shared with assembly/optim.ts.
const MAXIMIZE = 1;
const WEIGHT_DECAY = 2;
const DECOUPLED = 4;
const NESTEROV = 8;
const FIRST = 16;
const AMSGRAD = 32;
const CENTERED = 64;
const MOMENTUM = 128;

/** Options every rule accepts. */
export interface CommonStepOptions {
  /** Learning rate. */
  lr: number;
  /** L2 penalty added to the gradient (decoupled for `adamStep`/`nadamStep` with `decoupled`, and for Lion). Default 0. */
  weightDecay?: number;
  /** Ascend instead of descend (the gradient is negated first). Default false. */
  maximize?: boolean;
}

/**
 * Validates a kernel call: count, every used buffer a distinct live block of `n` f32, every
 * scalar finite. Throws `Error('<op>: ...')` before anything runs.
 */
function check(
  op: string,
  n: number,
  buffers: Record<string, number | undefined>,
  scalars: Record<string, number | undefined>,
): void {
  checkCount(op, 'n', n);
  // for-in and a pairwise scan rather than Object.entries and a Map: this runs once per
  // parameter per step, and those allocations were most of a small update's cost.
  for (const name in scalars) {
    const v = scalars[name];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v)))
      throw new Error(`${op}: ${name} must be a finite number, got ${v}`);
  }
  for (const name in buffers) {
    const ptr = buffers[name];
    if (ptr === undefined) continue;
    if (!Number.isInteger(ptr) || ptr <= 0)
      throw new Error(`${op}: ${name} must be a kernel-heap pointer, got ${ptr}`);
    for (const other in buffers) {
      if (other === name) break;
      if (buffers[other] === ptr)
        throw new Error(`${op}: ${name} and ${other} are the same buffer (pointer ${ptr})`);
    }
    checkElems(op, name, ptr, n);
  }
}

/** Runs update kernel `name`(...pointers, n, ...scalars), split over the thread pool when n is large. */
function update(name: UpdateKernel, pointers: number[], n: number, scalars: number[]): void {
  if (!parallelUpdate(name, pointers, n, scalars)) wasm()[name](...pointers, n, ...scalars);
}

function checkStep(op: string, step: number): void {
  if (!Number.isInteger(step) || step < 1)
    throw new Error(`${op}: step must be an integer >= 1, got ${step}`);
}

function baseFlags(o: CommonStepOptions): number {
  return (o.maximize ? MAXIMIZE : 0) | ((o.weightDecay ?? 0) !== 0 ? WEIGHT_DECAY : 0);
}

/** Options of {@link sgdStep}. */
export interface SgdStepOptions extends CommonStepOptions {
  /** Momentum factor; 0 (default) means plain SGD and `buf` is not used. */
  momentum?: number;
  /** Dampening of the gradient added to the momentum buffer. Default 0. */
  dampening?: number;
  /** Nesterov momentum. Default false. */
  nesterov?: boolean;
  /** First step for this buffer: it is set to the gradient (as PyTorch), not decayed. */
  first?: boolean;
}

/**
 * One SGD step (PyTorch's rule), in place:
 * `d = g + wd·p; buf = first ? d : momentum·buf + (1 − dampening)·d;
 *  d = nesterov ? d + momentum·buf : buf; p −= lr·d`.
 *
 * @param p parameter, `n` f32; @param g gradient; @param buf momentum buffer (0 when momentum is 0)
 */
export function sgdStep(p: number, g: number, buf: number, n: number, o: SgdStepOptions): void {
  const momentum = o.momentum ?? 0;
  const useBuf = momentum !== 0;
  check(
    'sgdStep',
    n,
    { p, g, buf: useBuf ? buf : undefined },
    {
      lr: o.lr,
      momentum,
      dampening: o.dampening,
      weightDecay: o.weightDecay,
    },
  );
  const flags = baseFlags(o) | (useBuf ? MOMENTUM : 0) | (o.nesterov ? NESTEROV : 0) | (o.first ? FIRST : 0);
  update('sgd_f32', [p, g, buf], n, [o.lr, momentum, 1 - (o.dampening ?? 0), o.weightDecay ?? 0, flags]);
}

/** Options of {@link adagradStep}. */
export interface AdagradStepOptions extends CommonStepOptions {
  /** Learning-rate decay: the step uses lr / (1 + (step − 1)·lrDecay). Default 0. */
  lrDecay?: number;
  /** Term added to the denominator. */
  eps: number;
  /** This update's step number, counting from 1. */
  step: number;
}

/**
 * One Adagrad step, in place: `d = g + wd·p; sum += d²; p −= clr·d / (√sum + eps)`,
 * `clr = lr / (1 + (step − 1)·lrDecay)`.
 */
export function adagradStep(p: number, g: number, sum: number, n: number, o: AdagradStepOptions): void {
  check(
    'adagradStep',
    n,
    { p, g, sum },
    { lr: o.lr, lrDecay: o.lrDecay, eps: o.eps, weightDecay: o.weightDecay },
  );
  checkStep('adagradStep', o.step);
  const clr = o.lr / (1 + (o.step - 1) * (o.lrDecay ?? 0));
  update('adagrad_f32', [p, g, sum], n, [clr, o.eps, o.weightDecay ?? 0, baseFlags(o)]);
}

/** Options of {@link rmspropStep}. */
export interface RmspropStepOptions extends CommonStepOptions {
  /** Smoothing constant of the squared-gradient average. */
  alpha: number;
  eps: number;
  /** Momentum factor; 0 (default) means `buf` is not used. */
  momentum?: number;
  /** Normalise by the centered second moment (variance estimate); needs `gAvg`. Default false. */
  centered?: boolean;
}

/**
 * One RMSprop step, in place: `d = g + wd·p; sq = α·sq + (1−α)·d²;`
 * `avg = √(sq − gAvg²) + eps` with `gAvg = lerp(gAvg, d, 1−α)` when centered, else `√sq + eps`;
 * with momentum `buf = momentum·buf + d/avg; p −= lr·buf`, else `p −= lr·d/avg`.
 */
export function rmspropStep(
  p: number,
  g: number,
  sq: number,
  buf: number,
  gAvg: number,
  n: number,
  o: RmspropStepOptions,
): void {
  const momentum = o.momentum ?? 0;
  check(
    'rmspropStep',
    n,
    { p, g, sq, buf: momentum !== 0 ? buf : undefined, gAvg: o.centered ? gAvg : undefined },
    { lr: o.lr, alpha: o.alpha, eps: o.eps, weightDecay: o.weightDecay, momentum },
  );
  const flags = baseFlags(o) | (momentum !== 0 ? MOMENTUM : 0) | (o.centered ? CENTERED : 0);
  update('rmsprop_f32', [p, g, sq, buf, gAvg], n, [
    o.lr,
    o.alpha,
    1 - o.alpha,
    o.eps,
    o.weightDecay ?? 0,
    momentum,
    flags,
  ]);
}

/** Options of {@link adamStep}. */
export interface AdamStepOptions extends CommonStepOptions {
  beta1: number;
  beta2: number;
  eps: number;
  /** AdamW: decay the parameter by (1 − lr·wd) instead of adding wd·p to the gradient. Default false. */
  decoupled?: boolean;
  /** Use the running maximum of the second moment (needs `vMax`). Default false. */
  amsgrad?: boolean;
  /** This update's step number, counting from 1 (for the bias corrections). */
  step: number;
}

/**
 * One Adam / AdamW step, in place: `m = lerp(m, d, 1−β1); v = β2·v + (1−β2)·d²;`
 * `p −= (lr/bc1)·m / (√v/√bc2 + eps)` with `bc_i = 1 − β_i^step`, `d = g + wd·p` (Adam) or
 * `p *= 1 − lr·wd` first (AdamW); amsgrad uses `vMax = max(vMax, v)` in place of v.
 */
export function adamStep(
  p: number,
  g: number,
  m: number,
  v: number,
  vMax: number,
  n: number,
  o: AdamStepOptions,
): void {
  check(
    'adamStep',
    n,
    { p, g, m, v, vMax: o.amsgrad ? vMax : undefined },
    { lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay },
  );
  checkStep('adamStep', o.step);
  const wd = o.weightDecay ?? 0;
  const bc1 = 1 - o.beta1 ** o.step;
  const bc2 = 1 - o.beta2 ** o.step;
  const flags = baseFlags(o) | (o.decoupled ? DECOUPLED : 0) | (o.amsgrad ? AMSGRAD : 0);
  update('adam_f32', [p, g, m, v, vMax], n, [
    o.lr / bc1,
    1 - o.beta1,
    o.beta2,
    1 - o.beta2,
    Math.sqrt(bc2),
    o.eps,
    wd,
    1 - o.lr * wd,
    flags,
  ]);
}

/** Options of {@link adamaxStep}. */
export interface AdamaxStepOptions extends CommonStepOptions {
  beta1: number;
  beta2: number;
  eps: number;
  step: number;
}

/**
 * One Adamax step, in place: `m = lerp(m, d, 1−β1); u = max(β2·u, |d| + eps);`
 * `p −= lr/(1 − β1^step) · m/u`, `d = g + wd·p`.
 */
export function adamaxStep(
  p: number,
  g: number,
  m: number,
  u: number,
  n: number,
  o: AdamaxStepOptions,
): void {
  check(
    'adamaxStep',
    n,
    { p, g, m, u },
    { lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay },
  );
  checkStep('adamaxStep', o.step);
  const clr = o.lr / (1 - o.beta1 ** o.step);
  update('adamax_f32', [p, g, m, u], n, [clr, 1 - o.beta1, o.beta2, o.eps, o.weightDecay ?? 0, baseFlags(o)]);
}

/**
 * NAdam's momentum coefficient μ_t = β1·(1 − ½·0.96^(t·ψ)), ψ = momentumDecay, as PyTorch
 * computes it. The optimizer keeps the running product of these (see {@link nadamStep}).
 */
export function nadamMu(beta1: number, momentumDecay: number, step: number): number {
  return beta1 * (1 - 0.5 * 0.96 ** (step * momentumDecay));
}

/** Options of {@link nadamStep}. */
export interface NadamStepOptions extends CommonStepOptions {
  beta1: number;
  beta2: number;
  eps: number;
  /** ψ in μ_t = β1·(1 − ½·0.96^(t·ψ)). */
  momentumDecay: number;
  /** Decoupled weight decay (p *= 1 − lr·wd), PyTorch's `decoupled_weight_decay`. Default false. */
  decoupled?: boolean;
  step: number;
  /**
   * μ_1·…·μ_step, including this step's μ. PyTorch keeps this product in a float32 tensor, so
   * the caller rounds it with Math.fround after each multiplication to match.
   */
  muProduct: number;
}

/**
 * One NAdam step (Dozat 2016, PyTorch's form), in place: `m = lerp(m, d, 1−β1);`
 * `v = β2·v + (1−β2)·d²; den = √(v/bc2) + eps;`
 * `p −= lr(1−μ_t)/(1−Πμ)·d/den + lr·μ_{t+1}/(1−Πμ·μ_{t+1})·m/den`.
 */
export function nadamStep(p: number, g: number, m: number, v: number, n: number, o: NadamStepOptions): void {
  check(
    'nadamStep',
    n,
    { p, g, m, v },
    {
      lr: o.lr,
      beta1: o.beta1,
      beta2: o.beta2,
      eps: o.eps,
      weightDecay: o.weightDecay,
      momentumDecay: o.momentumDecay,
      muProduct: o.muProduct,
    },
  );
  checkStep('nadamStep', o.step);
  const wd = o.weightDecay ?? 0;
  const mu = nadamMu(o.beta1, o.momentumDecay, o.step);
  const muNext = nadamMu(o.beta1, o.momentumDecay, o.step + 1);
  const c1 = (-o.lr * (1 - mu)) / (1 - o.muProduct);
  const c2 = (-o.lr * muNext) / (1 - o.muProduct * muNext);
  const flags = baseFlags(o) | (o.decoupled ? DECOUPLED : 0);
  update('nadam_f32', [p, g, m, v], n, [
    c1,
    c2,
    1 - o.beta1,
    o.beta2,
    1 - o.beta2,
    1 - o.beta2 ** o.step,
    o.eps,
    wd,
    1 - o.lr * wd,
    flags,
  ]);
}

/** Options of {@link adadeltaStep}. */
export interface AdadeltaStepOptions extends CommonStepOptions {
  rho: number;
  eps: number;
}

/**
 * One Adadelta step, in place: `sq = ρ·sq + (1−ρ)·d²; δ = √(acc + eps)/√(sq + eps)·d;`
 * `acc = ρ·acc + (1−ρ)·δ²; p −= lr·δ`, `d = g + wd·p`.
 */
export function adadeltaStep(
  p: number,
  g: number,
  sq: number,
  acc: number,
  n: number,
  o: AdadeltaStepOptions,
): void {
  check(
    'adadeltaStep',
    n,
    { p, g, sq, acc },
    { lr: o.lr, rho: o.rho, eps: o.eps, weightDecay: o.weightDecay },
  );
  update('adadelta_f32', [p, g, sq, acc], n, [
    o.lr,
    o.rho,
    1 - o.rho,
    o.eps,
    o.weightDecay ?? 0,
    baseFlags(o),
  ]);
}

/** Options of {@link lionStep}. */
export interface LionStepOptions extends CommonStepOptions {
  beta1: number;
  beta2: number;
}

/**
 * One Lion step (Chen et al. 2023), in place: `p *= 1 − lr·wd; p −= lr·sign(β1·m + (1−β1)·g);`
 * `m = β2·m + (1−β2)·g`. Weight decay is always decoupled, as in the paper.
 */
export function lionStep(p: number, g: number, m: number, n: number, o: LionStepOptions): void {
  check('lionStep', n, { p, g, m }, { lr: o.lr, beta1: o.beta1, beta2: o.beta2, weightDecay: o.weightDecay });
  const wd = o.weightDecay ?? 0;
  const flags = baseFlags(o) | DECOUPLED;
  update('lion_f32', [p, g, m], n, [o.lr, o.beta1, 1 - o.beta1, o.beta2, 1 - o.beta2, 1 - o.lr * wd, flags]);
}
