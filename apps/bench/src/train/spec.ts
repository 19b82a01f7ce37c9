// What a training child is asked to do, and the pieces every peer shares: the two models'
// parameters (PyTorch names and layouts), their initial values, and the wire format between
// the suite and its children (one JSON object per line; replies are marked so that a
// library printing to stdout cannot be mistaken for one).
import { rng } from '../random.js';

export type ModelName = 'mlp' | 'cnn';
/** The libraries a training child can run (`torch` is the Python child of python/bench.py). */
export type TrainLibrary = 'asgrad' | 'tfjs-wasm' | 'tfjs-cpu' | 'jax-js' | 'torch';

/** A parameter: name and shape in PyTorch's layout (Linear weight [out, in], Conv2d [out, in, kh, kw]). */
export interface ParamSpec {
  name: string;
  shape: number[];
  /** Glorot fans: for a conv, in/out channels times the kernel area (Keras's convention). */
  fanIn: number;
  fanOut: number;
}

/** MNIST MLP 784-128-10 (ReLU). */
export const MLP_PARAMS: ParamSpec[] = [
  { name: 'fc1.weight', shape: [128, 784], fanIn: 784, fanOut: 128 },
  { name: 'fc1.bias', shape: [128], fanIn: 0, fanOut: 0 },
  { name: 'fc2.weight', shape: [10, 128], fanIn: 128, fanOut: 10 },
  { name: 'fc2.bias', shape: [10], fanIn: 0, fanOut: 0 },
];

/** conv 3×3 32 → ReLU → maxpool 2 → conv 3×3 64 → ReLU → maxpool 2 → flatten (64·5·5) → dropout → dense 10. */
export const CNN_PARAMS: ParamSpec[] = [
  { name: 'conv1.weight', shape: [32, 1, 3, 3], fanIn: 9, fanOut: 288 },
  { name: 'conv1.bias', shape: [32], fanIn: 0, fanOut: 0 },
  { name: 'conv2.weight', shape: [64, 32, 3, 3], fanIn: 288, fanOut: 576 },
  { name: 'conv2.bias', shape: [64], fanIn: 0, fanOut: 0 },
  { name: 'fc.weight', shape: [10, 1600], fanIn: 1600, fanOut: 10 },
  { name: 'fc.bias', shape: [10], fanIn: 0, fanOut: 0 },
];

export const MODEL_PARAMS: Record<ModelName, ParamSpec[]> = { mlp: MLP_PARAMS, cnn: CNN_PARAMS };

/** The CNN's dropout probability (as the Keras MNIST example). */
export const DROPOUT = 0.5;
/** Adam, as PyTorch's defaults (TF.js is given the same epsilon). */
export const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Initial parameters: Glorot-uniform weights (limit √(6 / (fanIn + fanOut)), TF.js's default),
 * zero biases, drawn once from `seed` so that every peer starts from the same numbers.
 */
export function initialWeights(model: ModelName, seed: number): Record<string, Float32Array> {
  const next = rng(seed);
  const out: Record<string, Float32Array> = {};
  for (const p of MODEL_PARAMS[model]) {
    const a = new Float32Array(count(p.shape));
    if (p.fanIn > 0) {
      const limit = Math.sqrt(6 / (p.fanIn + p.fanOut));
      for (let i = 0; i < a.length; i++) a[i] = (2 * next() - 1) * limit;
    }
    out[p.name] = a;
  }
  return out;
}

/** The first message to a child. */
export interface TrainInit {
  cmd: 'init';
  library: TrainLibrary;
  model: ModelName;
  batch: number;
  /** Training images a round may use (the first ones of the MNIST training set). */
  samples: number;
  threads: number;
  seed: number;
  /** Initial parameters by name, PyTorch layouts, as plain arrays (JSON). */
  weights: Record<string, number[]>;
  /** The training images, written by the suite (see {@link encodeTrainData}). */
  dataFile: string;
}

/**
 * The first `n` images and labels as one binary file (little-endian): n·784 float32 pixels,
 * then n int32 labels. The suite loads MNIST once and every child (Node or Python) reads
 * this, so loading the full set does not count in any child's memory.
 */
export function encodeTrainData(x: Float32Array, y: Int32Array, n: number): Uint8Array {
  const out = new Uint8Array(n * 784 * 4 + n * 4);
  new Float32Array(out.buffer, 0, n * 784).set(x.subarray(0, n * 784));
  new Int32Array(out.buffer, n * 784 * 4, n).set(y.subarray(0, n));
  return out;
}

/** The inverse of {@link encodeTrainData}. */
export function decodeTrainData(bytes: Uint8Array): { x: Float32Array; y: Int32Array; n: number } {
  const n = bytes.byteLength / (785 * 4);
  if (!Number.isInteger(n))
    throw new Error(`train data: ${bytes.byteLength} bytes is not a whole number of samples`);
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return { x: new Float32Array(buf, 0, n * 784), y: new Int32Array(buf, n * 784 * 4, n), n };
}

/** `steps` training steps over the first steps·batch images, in order. */
export interface TrainRound {
  cmd: 'round';
  steps: number;
}

export type Request = TrainInit | TrainRound | { cmd: 'finish' };

/** A reply: `ok` with the request's fields (see the callers), or the error. */
export type Reply = ({ ok: true } & Record<string, unknown>) | { ok: false; error: string };

/** Prefix of every reply line on a child's stdout. */
export const REPLY_MARK = '@@bench ';

/** Parses a stdout line; undefined for anything that is not a reply. */
export function parseReply(line: string): Reply | undefined {
  if (!line.startsWith(REPLY_MARK)) return undefined;
  return JSON.parse(line.slice(REPLY_MARK.length)) as Reply;
}

/**
 * Steps per timed round: as many as fit in `targetSeconds` at the warm-up's step time, at
 * least 1 and at most `maxSteps`.
 */
export function stepsPerRound(stepSeconds: number, targetSeconds: number, maxSteps: number): number {
  if (!(stepSeconds > 0)) return maxSteps;
  return Math.max(1, Math.min(maxSteps, Math.floor(targetSeconds / stepSeconds)));
}

/**
 * Steps of the next untimed settling round: enough to bring the warm-up's `spentSeconds` up to
 * `settleSeconds` at `stepSeconds` a step (at least 1, at most `maxSteps`), or 0 once it is there.
 */
export function settleSteps(
  spentSeconds: number,
  settleSeconds: number,
  stepSeconds: number,
  maxSteps: number,
): number {
  if (!(spentSeconds < settleSeconds)) return 0;
  if (!(stepSeconds > 0)) return maxSteps;
  return Math.max(1, Math.min(maxSteps, Math.ceil((settleSeconds - spentSeconds) / stepSeconds)));
}

/**
 * Steps of the untimed round that precedes each timed one: enough for `rewarmSeconds` at
 * `stepSeconds` a step (at most `maxSteps`), or none when one step takes that long already.
 */
export function rewarmSteps(stepSeconds: number, rewarmSeconds: number, maxSteps: number): number {
  if (!(rewarmSeconds > 0) || !(stepSeconds < rewarmSeconds)) return 0;
  if (!(stepSeconds > 0)) return maxSteps;
  return Math.min(maxSteps, Math.ceil(rewarmSeconds / stepSeconds));
}

/** Rounds that fit in `budgetSeconds` (at least 1, at most `reps`). */
export function roundsWithin(roundSeconds: number, budgetSeconds: number, reps: number): number {
  if (!(roundSeconds > 0)) return reps;
  return Math.max(1, Math.min(reps, Math.floor(budgetSeconds / roundSeconds)));
}
