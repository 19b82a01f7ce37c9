// The confusion matrix of a classifier and its text rendering for the terminal.

/** `m[t][p]` counts samples of true class t predicted as p. */
export type ConfusionMatrix = number[][];

/** Counts (label, prediction) pairs into a `classes` x `classes` matrix. */
export function confusionMatrix(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  classes = 10,
): ConfusionMatrix {
  if (labels.length !== predictions.length) {
    throw new Error(`confusionMatrix: ${labels.length} labels but ${predictions.length} predictions`);
  }
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    const p = predictions[i];
    if (!(t >= 0 && t < classes && p >= 0 && p < classes)) {
      throw new Error(
        `confusionMatrix: sample ${i} has label ${t} / prediction ${p} outside 0..${classes - 1}`,
      );
    }
    m[t][p]++;
  }
  return m;
}

/** Recall of each true class (diagonal over row sum); NaN for a class with no samples. */
export function perClassAccuracy(m: ConfusionMatrix): number[] {
  return m.map((row, i) => {
    const n = row.reduce((a, b) => a + b, 0);
    return n === 0 ? Number.NaN : row[i] / n;
  });
}

/**
 * The matrix as an aligned text table: rows are true classes, columns predictions, and a last
 * column with each class's accuracy.
 */
export function formatConfusion(m: ConfusionMatrix, names: readonly string[]): string {
  const acc = perClassAccuracy(m);
  const label = Math.max(9, ...names.map((n) => n.length + 2));
  const w = Math.max(4, ...m.flat().map((v) => String(v).length)) + 1;
  const head = `${'true\\pred'.padEnd(label + 1)}${m.map((_, j) => String(j).padStart(w)).join('')}${'acc'.padStart(8)}`;
  const rows = m.map((row, i) => {
    const a = (Number.isNaN(acc[i]) ? '-' : `${(acc[i] * 100).toFixed(1)}%`).padStart(6);
    const name = names[i] === undefined || names[i] === String(i) ? `${i}` : `${i} ${names[i]}`;
    return `${name.padEnd(label + 1)}${row.map((v) => String(v).padStart(w)).join('')}  ${a}`;
  });
  return [head, ...rows].join('\n');
}
