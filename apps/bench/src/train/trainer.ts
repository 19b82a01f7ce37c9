// The interface each library's training child implements, and the data they share.
import type { TrainInit } from './spec.js';

/** The first `n` MNIST training images (784 floats each, pixels in [0, 1]) and their labels. */
export interface TrainData {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

export interface Trainer {
  library: { name: string; version: string; build: string };
  /** Runs `steps` steps over batches 0..steps-1 of the data; seconds is the wall time of the steps alone. */
  round(steps: number): Promise<{ seconds: number; loss: number }>;
}

export type TrainerFactory = (init: TrainInit, data: TrainData) => Promise<Trainer>;

/** The parameters as Float32Arrays (they travel as JSON arrays). */
export function weightArrays(init: TrainInit): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(init.weights).map(([k, v]) => [k, Float32Array.from(v)]));
}
