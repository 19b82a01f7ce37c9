// Elementwise ops: forward (one kernel call) and backward rule side by side. Backward rules
// use a fused kernel when no graph is being recorded, and differentiable ops when it is
// (createGraph), so higher-order gradients come for free.
import * as k from '@asgrad/kernels';
import { isGradEnabled, noGrad, record } from '../graph.js';
import { broadcastShapes, broadcastStrides, sameShape } from '../shape.js';
import type { DType, Operand, Tensor } from '../tensor.js';
import { sumTo } from './reduce.js';
import { checkOperands, checkScalar, checkTensor, empty } from './util.js';

// ---- kernels as tensor functions (no graph) ----

function kUnary(op: k.UnaryOp, x: Tensor, alpha = 0): Tensor {
  const out = empty(x.shape);
  k.unary(op, x.ptr, out.ptr, x.size, alpha);
  return out;
}

/** dx = dy * f'(x) in one fused kernel. */
function kUnaryGrad(op: k.UnaryOp, x: Tensor | null, y: Tensor | null, dy: Tensor, alpha = 0): Tensor {
  const dx = empty(dy.shape);
  k.unaryBackward(op, x?.ptr ?? 0, y?.ptr ?? 0, dy.ptr, dx.ptr, dy.size, alpha);
  return dx;
}

function kAffine(x: Tensor, scale: number, shift: number): Tensor {
  const out = empty(x.shape);
  k.affine(x.ptr, out.ptr, x.size, scale, shift);
  return out;
}

function kBinary(op: k.BinaryOp, name: string, a: Tensor, b: Tensor): Tensor {
  if (sameShape(a.shape, b.shape)) {
    const same = empty(a.shape);
    k.binarySame(op, a.ptr, b.ptr, same.ptr, a.size);
    return same;
  }
  const shape = broadcastShapes(name, a.shape, b.shape);
  const out = empty(shape);
  k.binary(
    op,
    a.ptr,
    broadcastStrides(a.shape, shape),
    b.ptr,
    broadcastStrides(b.shape, shape),
    out.ptr,
    shape,
  );
  return out;
}

/** A comparison as a 1.0 / 0.0 float tensor (not differentiable). */
export function compare(op: 'gt' | 'ge' | 'lt' | 'le' | 'eq', a: Tensor, b: Operand): Tensor {
  checkOperands(op, a, b);
  if (typeof b === 'number') {
    const s = full1(b);
    try {
      return kBinary(op, op, a, s);
    } finally {
      s.dispose();
    }
  }
  return kBinary(op, op, a, b);
}

function full1(v: number): Tensor {
  const t = empty([]);
  k.fillF32(t.ptr, 1, v);
  return t;
}

/** A tensor of ones shaped like `x`. */
export function onesLike(x: Tensor): Tensor {
  const t = empty(x.shape);
  k.fillF32(t.ptr, t.size, 1);
  return t;
}

// ---- arithmetic ----

/** a + b with broadcasting. */
export function add(a: Tensor, b: Operand): Tensor {
  checkOperands('add', a, b);
  if (typeof b === 'number') return record('add', [a], kAffine(a, 1, b), (g) => [g]);
  const as = a.shape;
  const bs = b.shape;
  return record('add', [a, b], kBinary('add', 'add', a, b), (g) => [sumTo(g, as), sumTo(g, bs)]);
}

/** a - b with broadcasting. */
export function sub(a: Tensor, b: Operand): Tensor {
  checkOperands('sub', a, b);
  if (typeof b === 'number') return record('sub', [a], kAffine(a, 1, -b), (g) => [g]);
  const as = a.shape;
  const bs = b.shape;
  return record('sub', [a, b], kBinary('sub', 'sub', a, b), (g) => [sumTo(g, as), sumTo(neg(g), bs)]);
}

/** a * b with broadcasting. */
export function mul(a: Tensor, b: Operand): Tensor {
  checkOperands('mul', a, b);
  if (typeof b === 'number') return record('mul', [a], kAffine(a, b, 0), (g) => [mul(g, b)]);
  const as = a.shape;
  const bs = b.shape;
  return record(
    'mul',
    [a, b],
    kBinary('mul', 'mul', a, b),
    (g, [sa, sb]) => [
      a.requiresGrad ? sumTo(mul(g, sb), as) : null,
      b.requiresGrad ? sumTo(mul(g, sa), bs) : null,
    ],
    [a, b],
  );
}

/** a / b with broadcasting. */
export function div(a: Tensor, b: Operand): Tensor {
  checkOperands('div', a, b);
  if (typeof b === 'number') return record('div', [a], kAffine(a, 1 / b, 0), (g) => [mul(g, 1 / b)]);
  const as = a.shape;
  const bs = b.shape;
  const out = kBinary('div', 'div', a, b);
  return record(
    'div',
    [a, b],
    out,
    (g, [sb, y]) => [
      a.requiresGrad ? sumTo(div(g, sb), as) : null,
      b.requiresGrad ? sumTo(neg(div(mul(g, y), sb)), bs) : null,
    ],
    [b, out],
  );
}

/** a ** b (b a scalar or a tensor, broadcast). */
export function pow(a: Tensor, b: Operand): Tensor {
  checkOperands('pow', a, b);
  if (typeof b === 'number') {
    const out = empty(a.shape);
    k.powScalar(a.ptr, out.ptr, a.size, b);
    return record('pow', [a], out, (g, [x]) => [b === 0 ? mul(g, 0) : mul(g, mul(pow(x, b - 1), b))], [a]);
  }
  const as = a.shape;
  const bs = b.shape;
  const out = kBinary('pow', 'pow', a, b);
  return record(
    'pow',
    [a, b],
    out,
    (g, [x, e, y]) => [
      a.requiresGrad ? sumTo(mul(g, mul(e, pow(x, sub(e, 1)))), as) : null,
      b.requiresGrad ? sumTo(mul(g, mul(y, log(x))), bs) : null,
    ],
    [a, b, out],
  );
}

/** Elementwise maximum; on ties the gradient is split evenly, as in PyTorch. */
export function maximum(a: Tensor, b: Operand): Tensor {
  return minmax('maximum', a, b);
}

/** Elementwise minimum; on ties the gradient is split evenly, as in PyTorch. */
export function minimum(a: Tensor, b: Operand): Tensor {
  return minmax('minimum', a, b);
}

function minmax(op: 'maximum' | 'minimum', a: Tensor, b: Operand): Tensor {
  checkOperands(op, a, b);
  const bt = typeof b === 'number' ? full1(b) : b;
  try {
    const as = a.shape;
    const bs = bt.shape;
    const out = kBinary(op, op, a, bt);
    const inputs = typeof b === 'number' ? [a] : [a, bt];
    return record(
      op,
      inputs,
      out,
      (g, [sa, sb]) => {
        // wins = 1 where a is strictly selected, 0.5 on ties, 0 where b is.
        const wins = noGrad(() => {
          const strict = compare(op === 'maximum' ? 'gt' : 'lt', sa, sb);
          const tie = compare('eq', sa, sb);
          const w = add(strict, mul(tie, 0.5));
          strict.dispose();
          tie.dispose();
          return w;
        });
        const ga = sumTo(mul(g, wins), as);
        const gb =
          typeof b === 'number'
            ? null
            : sumTo(
                mul(
                  g,
                  noGrad(() => sub(mul(wins, -1), -1)),
                ),
                bs,
              );
        wins.dispose();
        return [ga, gb];
      },
      [a, bt],
    );
  } finally {
    if (typeof b === 'number') bt.dispose();
  }
}

// ---- unary ----

/** -x */
export function neg(x: Tensor): Tensor {
  checkTensor('neg', x, 'float32');
  return record('neg', [x], kAffine(x, -1, 0), (g) => [neg(g)]);
}

/** e^x */
export function exp(x: Tensor): Tensor {
  checkTensor('exp', x, 'float32');
  const y = kUnary('exp', x);
  return record('exp', [x], y, (g, [sy]) => [isGradEnabled() ? mul(g, sy) : kUnaryGrad('exp', null, sy, g)], [
    y,
  ]);
}

/** Natural logarithm. */
export function log(x: Tensor): Tensor {
  checkTensor('log', x, 'float32');
  return record('log', [x], kUnary('log', x), (g, [sx]) => [div(g, sx)], [x]);
}

/** Square root. */
export function sqrt(x: Tensor): Tensor {
  checkTensor('sqrt', x, 'float32');
  const y = kUnary('sqrt', x);
  return record(
    'sqrt',
    [x],
    y,
    (g, [sy]) => [isGradEnabled() ? mul(div(g, sy), 0.5) : kUnaryGrad('sqrt', null, sy, g)],
    [y],
  );
}

/** |x| (gradient sign(x), 0 at 0 as PyTorch). */
export function abs(x: Tensor): Tensor {
  checkTensor('abs', x, 'float32');
  return record(
    'abs',
    [x],
    kUnary('abs', x),
    (g, [sx]) => {
      if (!isGradEnabled()) return [kUnaryGrad('abs', sx, null, g)];
      const s = noGrad(() => kUnary('sign', sx));
      const r = mul(g, s);
      s.dispose();
      return [r];
    },
    [x],
  );
}

/** max(x, 0) */
export function relu(x: Tensor): Tensor {
  checkTensor('relu', x, 'float32');
  return record('relu', [x], kUnary('relu', x), (g, [sx]) => [maskedGrad('relu', sx, g)], [x]);
}

/** x > 0 ? x : slope * x */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  checkTensor('leakyRelu', x, 'float32');
  checkScalar('leakyRelu', negativeSlope, 'negativeSlope');
  return record(
    'leakyRelu',
    [x],
    kUnary('leakyRelu', x, negativeSlope),
    (g, [sx]) => [maskedGrad('leakyRelu', sx, g, negativeSlope)],
    [x],
  );
}

/** g * f'(x) for piecewise-linear f: the derivative is a constant mask, so it has no graph of its own. */
function maskedGrad(op: 'relu' | 'leakyRelu', x: Tensor, g: Tensor, alpha = 0): Tensor {
  if (!isGradEnabled()) return kUnaryGrad(op, x, null, g, alpha);
  const ones = noGrad(() => onesLike(x));
  const slope = kUnaryGrad(op, x, null, ones, alpha);
  ones.dispose();
  const r = mul(g, slope);
  slope.dispose();
  return r;
}

/** 1 / (1 + e^-x) */
export function sigmoid(x: Tensor): Tensor {
  checkTensor('sigmoid', x, 'float32');
  const y = kUnary('sigmoid', x);
  return record(
    'sigmoid',
    [x],
    y,
    (g, [sy]) => [
      isGradEnabled() ? mul(g, mul(sy, sub(mul(sy, -1), -1))) : kUnaryGrad('sigmoid', null, sy, g),
    ],
    [y],
  );
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  checkTensor('tanh', x, 'float32');
  const y = kUnary('tanh', x);
  return record(
    'tanh',
    [x],
    y,
    (g, [sy]) => [isGradEnabled() ? mul(g, add(neg(mul(sy, sy)), 1)) : kUnaryGrad('tanh', null, sy, g)],
    [y],
  );
}

/** GELU, PyTorch's exact form x * Φ(x) (https://arxiv.org/abs/1606.08415). */
export function gelu(x: Tensor): Tensor {
  checkTensor('gelu', x, 'float32');
  return record(
    'gelu',
    [x],
    kUnary('gelu', x),
    (g, [sx]) => [isGradEnabled() ? mul(g, geluDerivative(sx)) : kUnaryGrad('gelu', sx, null, g)],
    [x],
  );
}

/** GELU'(x) = Φ(x) + x φ(x), differentiable: GELU''(x) = φ(x) (2 - x²). */
function geluDerivative(x: Tensor): Tensor {
  const ones = noGrad(() => onesLike(x));
  const d = kUnaryGrad('gelu', x, null, ones);
  ones.dispose();
  return record(
    'geluDerivative',
    [x],
    d,
    (g, [sx]) => {
      const phi = mul(exp(mul(mul(sx, sx), -0.5)), 1 / Math.sqrt(2 * Math.PI));
      return [mul(g, mul(phi, add(neg(mul(sx, sx)), 2)))];
    },
    [x],
  );
}

/** Clamps to [min, max] (either bound optional); the gradient passes where x is inside. */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  checkTensor('clamp', x, 'float32');
  if (min === undefined && max === undefined)
    throw new Error('clamp: at least one of min and max must be given');
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  if (lo > hi) throw new Error(`clamp: min ${lo} is greater than max ${hi}`);
  const out = empty(x.shape);
  k.clamp(x.ptr, out.ptr, x.size, lo, hi);
  return record(
    'clamp',
    [x],
    out,
    (g, [sx]) => {
      if (!isGradEnabled()) {
        const dx = empty(g.shape);
        k.clampBackward(sx.ptr, g.ptr, dx.ptr, g.size, lo, hi);
        return [dx];
      }
      const inside = noGrad(() => {
        const a = compare('ge', sx, lo);
        const b = compare('le', sx, hi);
        const m = mul(a, b);
        a.dispose();
        b.dispose();
        return m;
      });
      const r = mul(g, inside);
      inside.dispose();
      return [r];
    },
    [x],
  );
}

/** A copy that stays in the graph (gradient passes through unchanged). */
export function clone(x: Tensor): Tensor {
  checkTensor('clone', x);
  const out = empty(x.shape, x.dtype);
  k.copy32(x.ptr, out.ptr, x.size);
  return record('clone', [x], out, (g) => [g]);
}

/** dtype conversion; float32 -> float32 is a differentiable copy, int32 -> float32 has no gradient. */
export function cast(x: Tensor, dtype: DType): Tensor {
  checkTensor('cast', x);
  if (x.dtype === dtype) return clone(x);
  const out = empty(x.shape, dtype);
  if (dtype === 'float32') k.castI32ToF32(x.ptr, out.ptr, x.size);
  else k.castF32ToI32(x.ptr, out.ptr, x.size);
  return out;
}

// ---- helpers for the engine ----

/** prev += g in place (same shape, no graph). */
export function addInPlace(prev: Tensor, g: Tensor): void {
  if (!sameShape(prev.shape, g.shape)) throw new Error('addInPlace: shapes differ');
  k.addF32(prev.ptr, g.ptr, prev.ptr, prev.size);
}

/** prev + g without recording. */
export function noGradAdd(a: Tensor, b: Tensor): Tensor {
  return noGrad(() => add(a, b));
}
