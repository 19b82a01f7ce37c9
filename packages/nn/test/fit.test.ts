import { manualSeed, memoryInfo, mseLoss, type Tensor, tensor } from '@asgrad/autograd';
import { Adam, SGD } from '@asgrad/optim';
import { describe, expect, it } from 'vitest';
import { accuracy, earlyStopping, fit, Linear, ReLU, Sequential, Tanh } from '../src/index.js';

function spiral(nPerClass: number): { x: Tensor; y: Tensor } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < nPerClass; i++) {
      const r = ((i + 1) / nPerClass) * 5; // from r > 0: both classes meet at the origin
      const t = 1.75 * (i / nPerClass) * 2 * Math.PI + c * Math.PI;
      xs.push(r * Math.sin(t) * 0.3, r * Math.cos(t) * 0.3);
      ys.push(c);
    }
  }
  return { x: tensor(Float32Array.from(xs), { shape: [2 * nPerClass, 2] }), y: tensor(Int32Array.from(ys)) };
}

describe('fit', () => {
  it('learns XOR to 100% training accuracy', () => {
    manualSeed(0);
    const x = tensor([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    const y = tensor([0, 1, 1, 0], { dtype: 'int32' });
    const model = new Sequential(new Linear(2, 8), new Tanh(), new Linear(8, 2));
    const h = fit(
      model,
      { x, y },
      {
        optimizer: new Adam(model.parameters(), { lr: 0.05 }),
        epochs: 300,
        batchSize: 4,
        metrics: ['accuracy'],
      },
    );
    expect(h.history.accuracy.at(-1)).toBe(1);
    expect(accuracy(model.forward(x), y)).toBe(1);
    expect(h.history.loss.at(-1)!).toBeLessThan(h.history.loss[0] / 10);
  });

  it('learns a 2-class spiral to 100% training accuracy, with memory flat across epochs', () => {
    manualSeed(1);
    const data = spiral(100);
    const model = new Sequential(
      new Linear(2, 64),
      new ReLU(),
      new Linear(64, 64),
      new ReLU(),
      new Linear(64, 2),
    );
    const opt = new Adam(model.parameters(), { lr: 0.005 });
    const bytes: number[] = [];
    const h = fit(model, data, {
      optimizer: opt,
      epochs: 600,
      batchSize: 32,
      metrics: ['accuracy'],
      validationData: data,
      callbacks: [{ onEpochEnd: () => void bytes.push(memoryInfo().bytes) }],
    });
    expect(h.history.valAccuracy.at(-1)).toBe(1);
    expect(new Set(bytes.slice(1)).size).toBe(1); // identical after the first epoch (optimizer state made then)
    expect(h.epoch).toHaveLength(600);
  });

  it('earlyStopping ends training when the monitored value stalls', () => {
    manualSeed(2);
    const x = tensor([[1], [2], [3]]);
    const y = tensor([[2], [4], [6]]);
    const model = new Linear(1, 1);
    const stop = earlyStopping({ monitor: 'loss', patience: 2, minDelta: 1e9 });
    const h = fit(
      model,
      { x, y },
      { optimizer: new SGD(model.parameters(), { lr: 0.01 }), loss: mseLoss, epochs: 50, callbacks: [stop] },
    );
    expect(h.epoch).toHaveLength(4); // epoch 0 sets the best, 1 and 2 are patience, 3 stops
    expect(stop.stoppedEpoch).toBe(3);
    expect(() => fit(model, { x, y }, { optimizer: {} as never })).toThrow(
      /optimizer must have step\(\) and zeroGrad\(\)/,
    );
    expect(() => fit(model, { x, y: tensor([[1]]) }, { optimizer: new SGD(model.parameters()) })).toThrow(
      /x has 3 samples but y has 1/,
    );
    expect(() =>
      fit(
        model,
        { x, y },
        {
          optimizer: new SGD(model.parameters()),
          loss: mseLoss,
          callbacks: [earlyStopping({ monitor: 'valLoss' })],
        },
      ),
    ).toThrow(/'valLoss' is not logged/);
  });
});
