// Initialisers (in place), all driven by asgrad's seeded generator. Fan-in/fan-out follow PyTorch:
// for a weight [out, in, ...kernel], fanIn = in·Πkernel and fanOut = out·Πkernel.
import {
  full,
  noGrad,
  normal as randNormal,
  uniform as randUniform,
  scope,
  type Tensor,
} from '@asgrad/autograd';

/** Fan-in and fan-out of a weight tensor. */
export function fans(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.rank < 2) throw new Error(`init: fan in/out needs a tensor of rank >= 2, got shape [${t.shape}]`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

function fill(t: Tensor, make: () => Tensor): Tensor {
  scope(() => noGrad(() => t.copyFrom(make())));
  return t;
}

/** The recommended gain of a nonlinearity (PyTorch's calculate_gain). */
export function calculateGain(
  nonlinearity: 'linear' | 'relu' | 'leakyRelu' | 'tanh' | 'sigmoid',
  param = 0.01,
): number {
  switch (nonlinearity) {
    case 'linear':
    case 'sigmoid':
      return 1;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu':
      return Math.sqrt(2 / (1 + param * param));
    case 'tanh':
      return 5 / 3;
    default:
      throw new Error(`calculateGain: unknown nonlinearity '${String(nonlinearity)}'`);
  }
}

/** Options of the Kaiming initialisers. */
export interface KaimingOptions {
  /** Negative slope of the following leaky ReLU (0 for ReLU). */
  a?: number;
  mode?: 'fanIn' | 'fanOut';
  nonlinearity?: 'relu' | 'leakyRelu';
}

function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const { fanIn, fanOut } = fans(t);
  const fan = (o.mode ?? 'fanIn') === 'fanIn' ? fanIn : fanOut;
  const gain = calculateGain(o.nonlinearity ?? 'leakyRelu', o.a ?? 0);
  return gain / Math.sqrt(fan);
}

/** He et al. 2015 (https://arxiv.org/abs/1502.01852), uniform: U(-b, b), b = gain·√(3/fan). */
export function kaimingUniform(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, options);
  return fill(t, () => randUniform(t.shape, -bound, bound));
}

/** He et al. 2015, normal: N(0, gain²/fan). */
export function kaimingNormal(t: Tensor, options: KaimingOptions = {}): Tensor {
  return fill(t, () => randNormal(t.shape, 0, kaimingStd(t, options)));
}

/** Glorot & Bengio 2010, uniform: U(-b, b), b = gain·√(6/(fanIn+fanOut)). */
export function xavierUniform(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = fans(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return fill(t, () => randUniform(t.shape, -bound, bound));
}

/** Glorot & Bengio 2010, normal: N(0, gain²·2/(fanIn+fanOut)). */
export function xavierNormal(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = fans(t);
  return fill(t, () => randNormal(t.shape, 0, gain * Math.sqrt(2 / (fanIn + fanOut))));
}

/** U(low, high) in place. */
export function uniform(t: Tensor, low = 0, high = 1): Tensor {
  return fill(t, () => randUniform(t.shape, low, high));
}

/** N(mean, std²) in place. */
export function normal(t: Tensor, mean = 0, std = 1): Tensor {
  return fill(t, () => randNormal(t.shape, mean, std));
}

/** A constant in place. */
export function constant(t: Tensor, value: number): Tensor {
  return fill(t, () => full(t.shape, value, { dtype: t.dtype }));
}

export function zeros(t: Tensor): Tensor {
  return constant(t, 0);
}

export function ones(t: Tensor): Tensor {
  return constant(t, 1);
}
