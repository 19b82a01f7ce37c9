// summary(): a Keras-like table of layers, output shapes and parameter counts, found by running
// a forward pass on zeros (under noGrad, inside a scope, so nothing is left behind).
import { noGrad, scope, type Tensor, zeros } from '@asgrad/autograd';
import { Sequential } from './container.js';
import type { Module } from './module.js';

function count(m: Module): number {
  return m.parameters().reduce((s, p) => s + p.size, 0);
}

/**
 * A text table: one row per layer (Sequential children are expanded), its output shape for an
 * input of `inputShape` (including the batch dimension) and its parameter count.
 * @example
 * ```ts
 * console.log(summary(model, [1, 1, 28, 28]));
 * ```
 */
export function summary(model: Module, inputShape: readonly number[]): string {
  const rows: [string, string, number][] = [];
  const wasTraining = model.training;
  model.eval();
  try {
    scope(() =>
      noGrad(() => {
        const run = (m: Module, x: Tensor, name: string): Tensor => {
          if (m instanceof Sequential) {
            let y = x;
            m.namedChildren().forEach(([n, c]) => {
              y = run(c, y, name ? `${name}.${n}` : n);
            });
            return y;
          }
          const y = m.forward(x);
          rows.push([
            `${name || 'model'} (${m.constructor.name})`,
            `[${['?', ...y.shape.slice(1)].join(', ')}]`,
            count(m),
          ]);
          return y;
        };
        run(model, zeros(inputShape), '');
      }),
    );
  } finally {
    model.train(wasTraining);
  }
  const total = count(model);
  const header: [string, string, string] = ['Layer (type)', 'Output shape', 'Param #'];
  const body = rows.map(([a, b, c]) => [a, b, c.toLocaleString('en-US')]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('   ');
  const rule = '─'.repeat(widths.reduce((a, b) => a + b + 3, -3));
  const trainable = model
    .parameters()
    .filter((p) => p.requiresGrad)
    .reduce((s, p) => s + p.size, 0);
  return [
    rule,
    line(header),
    rule,
    ...body.map(line),
    rule,
    `Total params: ${total.toLocaleString('en-US')}`,
    `Trainable params: ${trainable.toLocaleString('en-US')}`,
    `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`,
    rule,
  ].join('\n');
}
