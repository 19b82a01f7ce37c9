// A run's checkpoint: model.safetensors (the weights, loadable by PyTorch), optimizer.json (the
// optimizer's state dict) and checkpoint.json (epoch, generator and data-loader positions,
// metrics so far, and the SHA-256 of the other two files). Each file is replaced atomically and
// checkpoint.json last, so it always describes complete files; the hashes catch the one case
// left, a kill between the renames, instead of resuming from mismatched parts.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type generatorState, scope, type Tensor } from '@asgrad/autograd';
import { loadSafetensors, type Module, saveSafetensors } from '@asgrad/nn';
import type { AnyOptimizer, OptimizerStateDict, SchedulerStateDict } from '@asgrad/optim';
import type { DatasetName } from './data.js';
import { writeFileAtomic } from './files.js';
import { isModelName, type ModelName, modelOf } from './models.js';
import type { OptimizerName, ScheduleName } from './optimizers.js';

export const MODEL_FILE = 'model.safetensors';
export const OPTIMIZER_FILE = 'optimizer.json';
export const CHECKPOINT_FILE = 'checkpoint.json';

/** Everything that defines a training run (and must match when it is resumed). */
export interface TrainConfig {
  model: ModelName;
  optimizer: OptimizerName;
  lr: number;
  /** Learning-rate schedule over the whole run, stepped after every batch. */
  schedule: ScheduleName;
  epochs: number;
  batchSize: number;
  seed: number;
  dataset: DatasetName;
  validation: number;
  trainLimit: number | null;
  testLimit: number | null;
}

/** Figures of one finished epoch. */
export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  lr: number;
  seconds: number;
  samplesPerSecond: number;
}

/** The contents of checkpoint.json. */
export interface CheckpointState {
  format: 'asgrad-mnist-checkpoint';
  version: 1;
  config: TrainConfig;
  /** Epochs completed. */
  epoch: number;
  /** asgrad's global generator after that epoch (dropout draws continue from here). */
  rng: ReturnType<typeof generatorState>;
  /** The DataLoader's next epoch (its shuffle order depends only on seed and epoch). */
  loaderEpoch: number;
  /** The LR scheduler's state (null without a schedule). */
  scheduler: SchedulerStateDict | null;
  history: EpochMetrics[];
  sha256: { model: string; optimizer: string };
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

// Optimizer buffers are Float32Arrays: stored as base64 of their bytes (exact, and ~4x smaller
// than number arrays).
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Float32Array) {
    return { f32: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && 'f32' in value && typeof value.f32 === 'string') {
    const bytes = Buffer.from(value.f32, 'base64');
    if (bytes.byteLength % 4 !== 0)
      throw new Error('a Float32Array entry has a byte length not divisible by 4');
    const out = new Float32Array(bytes.byteLength / 4);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  return value;
}

/** The model's weights as a safetensors file, with the model and dataset names as metadata. */
export function modelBytes(model: Module, config: Pick<TrainConfig, 'model' | 'dataset'>): Uint8Array {
  return scope(() => saveSafetensors(model.stateDict(), { model: config.model, dataset: config.dataset }));
}

/** Writes the three checkpoint files of `dir` (the model and optimizer first, the index last). */
export function saveCheckpoint(
  dir: string,
  model: Module,
  optimizer: AnyOptimizer,
  state: Omit<CheckpointState, 'format' | 'version' | 'sha256'>,
): void {
  const weights = modelBytes(model, state.config);
  const opt = JSON.stringify(optimizer.stateDict(), replacer);
  writeFileAtomic(join(dir, MODEL_FILE), weights);
  writeFileAtomic(join(dir, OPTIMIZER_FILE), opt);
  const full: CheckpointState = {
    format: 'asgrad-mnist-checkpoint',
    version: 1,
    ...state,
    sha256: { model: sha256(weights), optimizer: sha256(opt) },
  };
  writeFileAtomic(join(dir, CHECKPOINT_FILE), `${JSON.stringify(full, null, 2)}\n`);
}

function readBytes(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new Error(`cannot read ${what} ${path}: ${why}`);
  }
}

function parseJson(path: string, text: string, reviver?: (k: string, v: unknown) => unknown): unknown {
  try {
    return JSON.parse(text, reviver);
  } catch (e) {
    throw new Error(`${path} is corrupt: ${(e as Error).message}`);
  }
}

function checkState(path: string, s: unknown): asserts s is CheckpointState {
  const c = s as CheckpointState | null;
  const ok =
    c !== null &&
    typeof c === 'object' &&
    c.format === 'asgrad-mnist-checkpoint' &&
    c.version === 1 &&
    typeof c.config === 'object' &&
    c.config !== null &&
    isModelName(c.config.model) &&
    Number.isInteger(c.epoch) &&
    Number.isInteger(c.loaderEpoch) &&
    Array.isArray(c.history) &&
    typeof c.rng === 'object' &&
    typeof c.sha256?.model === 'string' &&
    typeof c.sha256?.optimizer === 'string';
  if (!ok) throw new Error(`${path} is not an asgrad-mnist checkpoint (missing or malformed fields)`);
}

/** A checkpoint read back, verified, with the weights as tensors (the caller disposes them). */
export interface LoadedCheckpoint {
  dir: string;
  state: CheckpointState;
  weights: Record<string, Tensor>;
  optimizer: OptimizerStateDict;
}

/** The `__metadata__` of a safetensors file already validated by loadSafetensors (empty if none). */
export function safetensorsMetadata(bytes: Uint8Array): Record<string, string> {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  const meta = header.__metadata__;
  return meta !== null && typeof meta === 'object' ? meta : {};
}

/** Parses safetensors bytes, turning the parser's error into one naming the file. */
export function readWeights(path: string, bytes: Uint8Array): Record<string, Tensor> {
  try {
    return loadSafetensors(bytes);
  } catch (e) {
    throw new Error(`${path} is not a valid safetensors file (${(e as Error).message.split('\n')[0]})`);
  }
}

/** Reads and verifies the checkpoint in run directory `dir`. */
export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const indexPath = join(dir, CHECKPOINT_FILE);
  const state = parseJson(indexPath, new TextDecoder().decode(readBytes(indexPath, 'checkpoint')));
  checkState(indexPath, state);
  const modelPath = join(dir, MODEL_FILE);
  const optPath = join(dir, OPTIMIZER_FILE);
  const weights = readBytes(modelPath, 'model');
  const opt = readBytes(optPath, 'optimizer state');
  if (sha256(weights) !== state.sha256.model || sha256(opt) !== state.sha256.optimizer) {
    throw new Error(
      `${dir}: ${MODEL_FILE} / ${OPTIMIZER_FILE} do not match ${CHECKPOINT_FILE} (the run was killed while saving?)`,
    );
  }
  const optimizer = parseJson(optPath, new TextDecoder().decode(opt), reviver) as OptimizerStateDict;
  return { dir, state, weights: readWeights(modelPath, weights), optimizer };
}

/** A trained model's weights and what they are, from a run directory, checkpoint.json or a .safetensors file. */
export interface ModelFile {
  path: string;
  model: ModelName;
  dataset: DatasetName;
  weights: Record<string, Tensor>;
  epoch: number | null;
}

/**
 * Resolves what `--checkpoint` names: a run directory or its checkpoint.json (verified, as
 * for resuming), or any .safetensors file with these models' weights (the model is recognised
 * from the tensor names and shapes; the dataset from the metadata, else MNIST).
 */
export function loadModelFile(path: string): ModelFile {
  if (!existsSync(path)) throw new Error(`cannot read checkpoint ${path}: no such file or directory`);
  if (statSync(path).isDirectory() || basename(path) === CHECKPOINT_FILE) {
    const dir = statSync(path).isDirectory() ? path : dirname(path);
    const ck = loadCheckpoint(dir);
    return {
      path: join(dir, MODEL_FILE),
      model: ck.state.config.model,
      dataset: ck.state.config.dataset,
      weights: ck.weights,
      epoch: ck.state.epoch,
    };
  }
  const bytes = readBytes(path, 'checkpoint');
  const weights = readWeights(path, bytes);
  const meta = safetensorsMetadata(bytes);
  const model = modelOf(weights);
  if (model === null) {
    for (const t of Object.values(weights)) t.dispose();
    throw new Error(`${path} holds weights of neither model (mlp, cnn): tensor names or shapes differ`);
  }
  const dataset = meta.dataset === 'fashion' ? 'fashion' : 'mnist';
  return { path, model, dataset, weights, epoch: null };
}
