// Softmax family along the last axis of a [rows, cols] view: validated wrappers over
// softmax_f32, log_softmax_f32, their backwards, and the fused softmax cross-entropy.
import { checkCount, checkElems } from './check.js';
import { heap, wasm, writeScratch } from './loader.js';

function checkRowsCols(op: string, rows: number, cols: number): number {
  checkCount(op, 'rows', rows);
  checkCount(op, 'cols', cols);
  return rows * cols;
}

function checkRows(op: string, rows: number, cols: number, blocks: Record<string, number>): void {
  const n = checkRowsCols(op, rows, cols);
  for (const [name, ptr] of Object.entries(blocks)) checkElems(op, name, ptr, n);
}

/**
 * out = softmax(x) along each row of the contiguous [rows, cols] f32 block x (the row max is
 * subtracted first, so large logits stay finite). out may be x.
 *
 * @example
 * ```ts
 * softmax(logits, probs, batch, 10);
 * ```
 */
export function softmax(x: number, out: number, rows: number, cols: number): void {
  checkRows('softmax', rows, cols, { x, out });
  wasm().softmax_f32(x, out, rows, cols);
}

/** out = log(softmax(x)) = x - max - log Σ exp(x - max), row by row. out may be x. */
export function logSoftmax(x: number, out: number, rows: number, cols: number): void {
  checkRows('logSoftmax', rows, cols, { x, out });
  wasm().log_softmax_f32(x, out, rows, cols);
}

/** Backward of {@link softmax}: dx = y * (dy - Σ dy*y) per row, with y the softmax output. */
export function softmaxBackward(y: number, dy: number, dx: number, rows: number, cols: number): void {
  checkRows('softmaxBackward', rows, cols, { y, dy, dx });
  wasm().softmax_backward_f32(y, dy, dx, rows, cols);
}

/** Backward of {@link logSoftmax}: dx = dy - exp(y) * Σ dy per row, with y the logSoftmax output. */
export function logSoftmaxBackward(y: number, dy: number, dx: number, rows: number, cols: number): void {
  checkRows('logSoftmaxBackward', rows, cols, { y, dy, dx });
  wasm().log_softmax_backward_f32(y, dy, dx, rows, cols);
}

/** Checks the i32 labels block and every label in [0, cols), naming the first bad row. */
function checkLabels(op: string, labels: number, rows: number, cols: number, smoothing: number): void {
  checkElems(op, 'labels', labels, rows);
  if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing <= 1))
    throw new Error(`${op}: smoothing must be in [0, 1], got ${smoothing}`);
  const i32 = heap().i32();
  const base = labels >>> 2;
  for (let r = 0; r < rows; r++) {
    const label = i32[base + r];
    if (label < 0 || label >= cols)
      throw new Error(`${op}: label ${label} at row ${r} is outside [0, ${cols})`);
  }
}

/**
 * Fused softmax + cross-entropy with mean reduction, as PyTorch's
 * `F.cross_entropy(logits, labels, label_smoothing=smoothing)`: writes softmax(logits) into
 * `probs` (the backward needs it) and returns the mean loss (f32). `labels` is an i32 block of
 * `rows` class indices, each in [0, cols); a bad label throws naming its row and value.
 *
 * @example
 * ```ts
 * const loss = softmaxCrossEntropy(logits, labels, batch, 10, probs);
 * softmaxCrossEntropyBackward(probs, labels, batch, 10, 1, dLogits);
 * ```
 */
export function softmaxCrossEntropy(
  logits: number,
  labels: number,
  rows: number,
  cols: number,
  probs: number,
  smoothing = 0,
): number {
  const op = 'softmaxCrossEntropy';
  checkRows(op, rows, cols, { logits, probs });
  checkLabels(op, labels, rows, cols, smoothing);
  const slot = writeScratch([0]);
  wasm().softmax_cross_entropy_f32(logits, labels, rows, cols, probs, smoothing, slot);
  return heap().f32()[slot >>> 2];
}

/**
 * Backward of {@link softmaxCrossEntropy}: dx = gradLoss * (probs - target) / rows, where
 * target = (1 - smoothing) * one-hot(label) + smoothing / cols.
 */
export function softmaxCrossEntropyBackward(
  probs: number,
  labels: number,
  rows: number,
  cols: number,
  gradLoss: number,
  dx: number,
  smoothing = 0,
): void {
  const op = 'softmaxCrossEntropyBackward';
  checkRows(op, rows, cols, { probs, dx });
  checkLabels(op, labels, rows, cols, smoothing);
  if (typeof gradLoss !== 'number') throw new Error(`${op}: gradLoss must be a number, got ${gradLoss}`);
  wasm().softmax_cross_entropy_backward_f32(probs, labels, rows, cols, gradLoss, dx, smoothing);
}
