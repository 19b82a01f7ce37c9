// Fused optimizer updates: one pass over a parameter, its gradient and its state buffers,
// everything updated in place. Each rule follows PyTorch 2.x's single-tensor (non-foreach)
// implementation operation by operation, in float32, so results round as PyTorch's do:
//   add(x, alpha=a)     -> self + a*x
//   addcmul(x, y, v)    -> self + (v*x)*y
//   addcdiv(x, y, v)    -> self + (v*x)/y
//   lerp(end, w)        -> |w| < 0.5 ? self + w*(end-self) : end - (end-self)*(1-w)
// Every scalar, including complements such as 1-beta2 and step-dependent ones (bias corrections,
// decayed rates, NAdam's mu products), is computed by the TypeScript wrapper in float64 and
// arrives here as f32, as PyTorch passes Python floats to its kernels.
//
// One departure: first-moment buffers (Adam's, Adamax's and NAdam's m, the momentum buffers of
// SGD and RMSprop, centered RMSprop's gradient average) are stored as 0 once they fall below the
// smallest normal float. Wasm has no flush-to-zero mode, and a buffer whose gradient has stayed
// 0 for a few hundred steps (a dead ReLU unit, an always-blank pixel) decays into subnormals,
// which made a whole Adam step 2-3x slower here. Such a buffer moves its parameter by less than
// lr·1e-14, which rounds away unless the parameter itself is that small. Second moments are left
// alone: with eps = 0 they are divisors. Lion's m is left alone: its update is the sign of m.
//
// Each rule is written once, generic over T: T = v128 runs it on four lanes (the SIMD body),
// T = f32 runs the same vector code on one splatted element (the scalar tail), so the body and
// the tail round identically. No FMA: the relaxed and SIMD128 builds give the same bits.

export const OPT_MAXIMIZE: i32 = 1;
export const OPT_WEIGHT_DECAY: i32 = 2;
/** Decoupled weight decay (AdamW, NAdam's option, Lion): p *= 1 - lr*wd before the update. */
export const OPT_DECOUPLED: i32 = 4;
export const OPT_NESTEROV: i32 = 8;
/** SGD: the first step sets the momentum buffer to the gradient. */
export const OPT_FIRST: i32 = 16;
export const OPT_AMSGRAD: i32 = 32;
export const OPT_CENTERED: i32 = 64;
export const OPT_MOMENTUM: i32 = 128;

@inline function ld<T>(ptr: usize): v128 {
  if (sizeof<T>() == 16) return v128.load(ptr);
  return f32x4.splat(load<f32>(ptr));
}

@inline function st<T>(ptr: usize, v: v128): void {
  if (sizeof<T>() == 16) v128.store(ptr, v);
  else store<f32>(ptr, f32x4.extract_lane(v, 0));
}

@inline function S(x: f32): v128 {
  return f32x4.splat(x);
}

@inline function add(a: v128, b: v128): v128 {
  return f32x4.add(a, b);
}

@inline function sub(a: v128, b: v128): v128 {
  return f32x4.sub(a, b);
}

@inline function mul(a: v128, b: v128): v128 {
  return f32x4.mul(a, b);
}

@inline function div(a: v128, b: v128): v128 {
  return f32x4.div(a, b);
}

/** x, or 0 where |x| is subnormal (NaN passes: the comparison is false for it). */
@inline function flush(x: v128): v128 {
  return v128.andnot(x, f32x4.lt(f32x4.abs(x), S(1.17549435e-38)));
}

/** ATen's lerp: self + w*(end-self) for |w| < 0.5, else end - (end-self)*(1-w). */
@inline function lerp(self: v128, end: v128, w: v128, rest: v128, small: bool): v128 {
  const d = sub(end, self);
  return small ? add(self, mul(w, d)) : sub(end, mul(d, rest));
}

/** The gradient as the rules see it: negated for maximize, plus L2 weight decay. */
@inline function effectiveGrad(g: v128, p: v128, flags: i32, wd: v128): v128 {
  let d = g;
  if (flags & OPT_MAXIMIZE) d = f32x4.neg(d);
  if ((flags & (OPT_WEIGHT_DECAY | OPT_DECOUPLED)) == OPT_WEIGHT_DECAY) d = add(d, mul(wd, p));
  return d;
}

/** p *= 1 - lr*wd (decoupled decay) when that flag is set. */
@inline function decoupledDecay(p: v128, flags: i32, keep: v128): v128 {
  return (flags & OPT_DECOUPLED) && (flags & OPT_WEIGHT_DECAY) ? mul(p, keep) : p;
}

// ---------------------------------------------------------------------------------------------
// SGD: d = g + wd*p; buf = first ? d : momentum*buf + (1-dampening)*d;
//      d = nesterov ? d + momentum*buf : buf; p -= lr*d

@inline function sgdAt<T>(
  o: usize, p: usize, g: usize, buf: usize, flags: i32,
  negLr: v128, mom: v128, oneMinusDamp: v128, wd: v128,
): void {
  const w = ld<T>(p + o);
  let d = effectiveGrad(ld<T>(g + o), w, flags, wd);
  if (flags & OPT_MOMENTUM) {
    const b = flush(flags & OPT_FIRST ? d : add(mul(ld<T>(buf + o), mom), mul(oneMinusDamp, d)));
    st<T>(buf + o, b);
    d = flags & OPT_NESTEROV ? add(d, mul(mom, b)) : b;
  }
  st<T>(p + o, add(w, mul(negLr, d)));
}

export function sgd_f32(
  p: usize, g: usize, buf: usize, n: i32,
  lr: f32, momentum: f32, oneMinusDampening: f32, weightDecay: f32, flags: i32,
): void {
  const negLr = S(-lr), mom = S(momentum), omd = S(oneMinusDampening), wd = S(weightDecay);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) sgdAt<v128>(<usize>i << 2, p, g, buf, flags, negLr, mom, omd, wd);
  for (; i < n; i++) sgdAt<f32>(<usize>i << 2, p, g, buf, flags, negLr, mom, omd, wd);
}

// ---------------------------------------------------------------------------------------------
// Adagrad: d = g + wd*p; sum += d*d; p -= clr * d / (sqrt(sum) + eps), clr = lr/(1+(t-1)*lrDecay)

@inline function adagradAt<T>(
  o: usize, p: usize, g: usize, sum: usize, flags: i32, negClr: v128, eps: v128, wd: v128,
): void {
  const w = ld<T>(p + o);
  const d = effectiveGrad(ld<T>(g + o), w, flags, wd);
  const s = add(ld<T>(sum + o), mul(d, d));
  st<T>(sum + o, s);
  st<T>(p + o, add(w, div(mul(negClr, d), add(f32x4.sqrt(s), eps))));
}

export function adagrad_f32(
  p: usize, g: usize, sum: usize, n: i32, clr: f32, eps: f32, weightDecay: f32, flags: i32,
): void {
  const negClr = S(-clr), e = S(eps), wd = S(weightDecay);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) adagradAt<v128>(<usize>i << 2, p, g, sum, flags, negClr, e, wd);
  for (; i < n; i++) adagradAt<f32>(<usize>i << 2, p, g, sum, flags, negClr, e, wd);
}

// ---------------------------------------------------------------------------------------------
// RMSprop: d = g + wd*p; sq = alpha*sq + (1-alpha)*d*d;
//   centered: gAvg = lerp(gAvg, d, 1-alpha); avg = sqrt(sq - gAvg^2) + eps, else sqrt(sq) + eps
//   momentum: buf = momentum*buf + d/avg; p -= lr*buf, else p -= lr*d/avg

@inline function rmspropAt<T>(
  o: usize, p: usize, g: usize, sq: usize, buf: usize, gAvg: usize, flags: i32,
  negLr: v128, alpha: v128, w: v128, rest: v128, small: bool, eps: v128, wd: v128, mom: v128,
): void {
  const x = ld<T>(p + o);
  const d = effectiveGrad(ld<T>(g + o), x, flags, wd);
  const s = add(mul(ld<T>(sq + o), alpha), mul(mul(w, d), d));
  st<T>(sq + o, s);
  let avg: v128;
  if (flags & OPT_CENTERED) {
    const ga = flush(lerp(ld<T>(gAvg + o), d, w, rest, small));
    st<T>(gAvg + o, ga);
    avg = f32x4.sqrt(add(s, mul(f32x4.neg(ga), ga)));
  } else {
    avg = f32x4.sqrt(s);
  }
  avg = add(avg, eps);
  if (flags & OPT_MOMENTUM) {
    const b = flush(add(mul(ld<T>(buf + o), mom), div(d, avg)));
    st<T>(buf + o, b);
    st<T>(p + o, add(x, mul(negLr, b)));
  } else {
    st<T>(p + o, add(x, div(mul(negLr, d), avg)));
  }
}

export function rmsprop_f32(
  p: usize, g: usize, sq: usize, buf: usize, gAvg: usize, n: i32,
  lr: f32, alpha: f32, oneMinusAlpha: f32, eps: f32, weightDecay: f32, momentum: f32, flags: i32,
): void {
  const negLr = S(-lr), a = S(alpha), w = S(oneMinusAlpha), rest = S(<f32>1 - oneMinusAlpha);
  const small = abs<f32>(oneMinusAlpha) < 0.5, e = S(eps), wd = S(weightDecay), mom = S(momentum);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4)
    rmspropAt<v128>(<usize>i << 2, p, g, sq, buf, gAvg, flags, negLr, a, w, rest, small, e, wd, mom);
  for (; i < n; i++)
    rmspropAt<f32>(<usize>i << 2, p, g, sq, buf, gAvg, flags, negLr, a, w, rest, small, e, wd, mom);
}

// ---------------------------------------------------------------------------------------------
// Adam / AdamW: decoupled ? p *= 1-lr*wd : d = g + wd*p; m = lerp(m, d, 1-beta1);
//   v = beta2*v + (1-beta2)*d*d; amsgrad: vMax = max(vMax, v), used in place of v;
//   p -= stepSize * m / (sqrt(v)/sqrt(bc2) + eps), stepSize = lr/bc1

@inline function adamAt<T>(
  o: usize, p: usize, g: usize, m: usize, v: usize, vMax: usize, flags: i32,
  negStep: v128, w: v128, rest: v128, small: bool, beta2: v128, omb2: v128,
  bc2Sqrt: v128, eps: v128, wd: v128, keep: v128,
): void {
  const x = decoupledDecay(ld<T>(p + o), flags, keep);
  const d = effectiveGrad(ld<T>(g + o), x, flags, wd);
  const mt = flush(lerp(ld<T>(m + o), d, w, rest, small));
  st<T>(m + o, mt);
  let vt = add(mul(ld<T>(v + o), beta2), mul(mul(omb2, d), d));
  st<T>(v + o, vt);
  if (flags & OPT_AMSGRAD) {
    vt = f32x4.max(ld<T>(vMax + o), vt);
    st<T>(vMax + o, vt);
  }
  const denom = add(div(f32x4.sqrt(vt), bc2Sqrt), eps);
  st<T>(p + o, add(x, div(mul(negStep, mt), denom)));
}

export function adam_f32(
  p: usize, g: usize, m: usize, v: usize, vMax: usize, n: i32,
  stepSize: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, bc2Sqrt: f32, eps: f32,
  weightDecay: f32, decay: f32, flags: i32,
): void {
  const negStep = S(-stepSize), w = S(oneMinusBeta1), rest = S(<f32>1 - oneMinusBeta1);
  const small = abs<f32>(oneMinusBeta1) < 0.5, b2 = S(beta2), omb2 = S(oneMinusBeta2);
  const bc2 = S(bc2Sqrt), e = S(eps), wd = S(weightDecay), keep = S(decay);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4)
    adamAt<v128>(<usize>i << 2, p, g, m, v, vMax, flags, negStep, w, rest, small, b2, omb2, bc2, e, wd, keep);
  for (; i < n; i++)
    adamAt<f32>(<usize>i << 2, p, g, m, v, vMax, flags, negStep, w, rest, small, b2, omb2, bc2, e, wd, keep);
}

// ---------------------------------------------------------------------------------------------
// Adamax: d = g + wd*p; m = lerp(m, d, 1-beta1); u = max(beta2*u, |d| + eps); p -= clr * m / u,
//   clr = lr/(1-beta1^t)

@inline function adamaxAt<T>(
  o: usize, p: usize, g: usize, m: usize, u: usize, flags: i32,
  negClr: v128, w: v128, rest: v128, small: bool, beta2: v128, eps: v128, wd: v128,
): void {
  const x = ld<T>(p + o);
  const d = effectiveGrad(ld<T>(g + o), x, flags, wd);
  const mt = flush(lerp(ld<T>(m + o), d, w, rest, small));
  st<T>(m + o, mt);
  const ut = f32x4.max(mul(ld<T>(u + o), beta2), add(f32x4.abs(d), eps));
  st<T>(u + o, ut);
  st<T>(p + o, add(x, div(mul(negClr, mt), ut)));
}

export function adamax_f32(
  p: usize, g: usize, m: usize, u: usize, n: i32,
  clr: f32, oneMinusBeta1: f32, beta2: f32, eps: f32, weightDecay: f32, flags: i32,
): void {
  const negClr = S(-clr), w = S(oneMinusBeta1), rest = S(<f32>1 - oneMinusBeta1);
  const small = abs<f32>(oneMinusBeta1) < 0.5, b2 = S(beta2), e = S(eps), wd = S(weightDecay);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) adamaxAt<v128>(<usize>i << 2, p, g, m, u, flags, negClr, w, rest, small, b2, e, wd);
  for (; i < n; i++) adamaxAt<f32>(<usize>i << 2, p, g, m, u, flags, negClr, w, rest, small, b2, e, wd);
}

// ---------------------------------------------------------------------------------------------
// NAdam: decoupled ? p *= 1-lr*wd : d = g + wd*p; m = lerp(m, d, 1-beta1);
//   v = beta2*v + (1-beta2)*d*d; denom = sqrt(v/bc2) + eps; p += c1*d/denom; p += c2*m/denom
//   with c1 = -lr(1-mu_t)/(1-prod mu), c2 = -lr mu_{t+1}/(1-prod mu * mu_{t+1})

@inline function nadamAt<T>(
  o: usize, p: usize, g: usize, m: usize, v: usize, flags: i32,
  c1: v128, c2: v128, w: v128, rest: v128, small: bool, beta2: v128, omb2: v128,
  bc2: v128, eps: v128, wd: v128, keep: v128,
): void {
  const x = decoupledDecay(ld<T>(p + o), flags, keep);
  const d = effectiveGrad(ld<T>(g + o), x, flags, wd);
  const mt = flush(lerp(ld<T>(m + o), d, w, rest, small));
  st<T>(m + o, mt);
  const vt = add(mul(ld<T>(v + o), beta2), mul(mul(omb2, d), d));
  st<T>(v + o, vt);
  const denom = add(f32x4.sqrt(div(vt, bc2)), eps);
  const half = add(x, div(mul(c1, d), denom));
  st<T>(p + o, add(half, div(mul(c2, mt), denom)));
}

export function nadam_f32(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  c1: f32, c2: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, bc2: f32, eps: f32,
  weightDecay: f32, decay: f32, flags: i32,
): void {
  const C1 = S(c1), C2 = S(c2), w = S(oneMinusBeta1), rest = S(<f32>1 - oneMinusBeta1);
  const small = abs<f32>(oneMinusBeta1) < 0.5, b2 = S(beta2), omb2 = S(oneMinusBeta2), B = S(bc2);
  const e = S(eps), wd = S(weightDecay), keep = S(decay);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4)
    nadamAt<v128>(<usize>i << 2, p, g, m, v, flags, C1, C2, w, rest, small, b2, omb2, B, e, wd, keep);
  for (; i < n; i++)
    nadamAt<f32>(<usize>i << 2, p, g, m, v, flags, C1, C2, w, rest, small, b2, omb2, B, e, wd, keep);
}

// ---------------------------------------------------------------------------------------------
// Adadelta: d = g + wd*p; sq = rho*sq + (1-rho)*d*d; delta = sqrt(acc+eps)/sqrt(sq+eps) * d;
//   acc = rho*acc + (1-rho)*delta^2; p -= lr*delta

@inline function adadeltaAt<T>(
  o: usize, p: usize, g: usize, sq: usize, acc: usize, flags: i32,
  negLr: v128, rho: v128, omr: v128, eps: v128, wd: v128,
): void {
  const x = ld<T>(p + o);
  const d = effectiveGrad(ld<T>(g + o), x, flags, wd);
  const s = add(mul(ld<T>(sq + o), rho), mul(mul(omr, d), d));
  st<T>(sq + o, s);
  const a = ld<T>(acc + o);
  const delta = mul(div(f32x4.sqrt(add(a, eps)), f32x4.sqrt(add(s, eps))), d);
  st<T>(acc + o, add(mul(a, rho), mul(mul(omr, delta), delta)));
  st<T>(p + o, add(x, mul(negLr, delta)));
}

export function adadelta_f32(
  p: usize, g: usize, sq: usize, acc: usize, n: i32,
  lr: f32, rho: f32, oneMinusRho: f32, eps: f32, weightDecay: f32, flags: i32,
): void {
  const negLr = S(-lr), r = S(rho), omr = S(oneMinusRho), e = S(eps), wd = S(weightDecay);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) adadeltaAt<v128>(<usize>i << 2, p, g, sq, acc, flags, negLr, r, omr, e, wd);
  for (; i < n; i++) adadeltaAt<f32>(<usize>i << 2, p, g, sq, acc, flags, negLr, r, omr, e, wd);
}

// ---------------------------------------------------------------------------------------------
// Lion (Chen et al. 2023): p *= 1-lr*wd; p -= lr*sign(beta1*m + (1-beta1)*g);
//   m = beta2*m + (1-beta2)*g

@inline function lionAt<T>(
  o: usize, p: usize, g: usize, m: usize, flags: i32,
  negLr: v128, beta1: v128, omb1: v128, beta2: v128, omb2: v128, keep: v128,
): void {
  const x = decoupledDecay(ld<T>(p + o), flags, keep);
  let d = ld<T>(g + o);
  if (flags & OPT_MAXIMIZE) d = f32x4.neg(d);
  const mo = ld<T>(m + o);
  const c = add(mul(mo, beta1), mul(omb1, d));
  // sign(c), keeping ±0 and NaN as torch.sign does
  const one = S(1);
  const sgn = v128.bitselect(one, v128.bitselect(f32x4.neg(one), c, f32x4.lt(c, S(0))), f32x4.gt(c, S(0)));
  st<T>(p + o, add(x, mul(negLr, sgn)));
  st<T>(m + o, add(mul(mo, beta2), mul(omb2, d)));
}

export function lion_f32(
  p: usize, g: usize, m: usize, n: i32,
  lr: f32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, decay: f32, flags: i32,
): void {
  const negLr = S(-lr), b1 = S(beta1), omb1 = S(oneMinusBeta1), b2 = S(beta2), omb2 = S(oneMinusBeta2);
  const keep = S(decay);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) lionAt<v128>(<usize>i << 2, p, g, m, flags, negLr, b1, omb1, b2, omb2, keep);
  for (; i < n; i++) lionAt<f32>(<usize>i << 2, p, g, m, flags, negLr, b1, omb1, b2, omb2, keep);
}
