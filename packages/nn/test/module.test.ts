import { manualSeed, randn, tensor, zeros } from '@asgrad/autograd';
import { describe, expect, it } from 'vitest';
import {
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  init,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
  summary,
} from '../src/index.js';

describe('Module', () => {
  const model = () =>
    new Sequential(
      new Conv2d(1, 4, 3, { padding: 1 }),
      new BatchNorm2d(4),
      new ReLU(),
      new MaxPool2d(2),
      new Flatten(),
      new Dropout(0.3),
      new Linear(64, 10),
    );

  it('names parameters and buffers with PyTorch dotted names', () => {
    const m = model();
    expect(m.namedParameters().map(([n]) => n)).toEqual([
      '0.weight',
      '0.bias',
      '1.weight',
      '1.bias',
      '6.weight',
      '6.bias',
    ]);
    expect(Object.keys(m.stateDict())).toEqual([
      '0.weight',
      '0.bias',
      '1.weight',
      '1.bias',
      '6.weight',
      '6.bias',
      '1.running_mean',
      '1.running_var',
      '1.num_batches_tracked',
    ]);
    expect(m.children()).toHaveLength(7);
    expect(m.parameters().every((p) => p.requiresGrad && p.isLeaf)).toBe(true);
  });

  it('train() / eval() reach every descendant', () => {
    const m = model();
    m.eval();
    expect(m.children().every((c) => !c.training)).toBe(true);
    m.train();
    expect(m.children().every((c) => c.training)).toBe(true);
  });

  it('loadStateDict copies in place and checks keys, shapes and dtypes before writing', () => {
    const a = model();
    const b = model();
    const w = b.stateDict()['6.weight'];
    b.loadStateDict(a.stateDict());
    expect(b.stateDict()['6.weight']).toBe(w); // same tensor, new values
    expect(Array.from(w.dataSync())).toEqual(Array.from(a.stateDict()['6.weight'].dataSync()));
    const before = Array.from(w.dataSync());
    const bad = { ...a.stateDict(), '6.weight': zeros([10, 63]) };
    expect(() => b.loadStateDict(bad)).toThrow(
      "loadStateDict: '6.weight' has shape [10,63] but the model expects [10,64]",
    );
    expect(Array.from(w.dataSync())).toEqual(before);
    const partial = { '6.bias': zeros([10]) };
    expect(() => b.loadStateDict(partial)).toThrow(/missing keys: 0.weight/);
    b.loadStateDict(partial, { strict: false });
    expect(Array.from(b.stateDict()['6.bias'].dataSync())).toEqual(new Array(10).fill(0));
    expect(() => b.loadStateDict({ ...a.stateDict(), extra: zeros([1]) })).toThrow(/unexpected keys: extra/);
    expect(() => b.loadStateDict({ ...a.stateDict(), '1.num_batches_tracked': zeros([]) })).toThrow(
      /is float32 but the model expects int32/,
    );
  });

  it('zeroGrad frees the gradients', () => {
    const m = new Linear(3, 2);
    m.forward(randn([4, 3]))
      .sum()
      .backward();
    expect(m.weight.grad).not.toBeNull();
    m.zeroGrad();
    expect(m.weight.grad).toBeNull();
  });

  it('default inits follow PyTorch: U(-1/√fanIn, 1/√fanIn) for Linear and Conv2d', () => {
    manualSeed(0);
    const l = new Linear(400, 50);
    const w = l.weight.dataSync();
    const bound = 1 / Math.sqrt(400);
    expect(Math.max(...w)).toBeLessThanOrEqual(bound);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-bound);
    expect(Math.max(...w)).toBeGreaterThan(bound * 0.95);
    const c = new Conv2d(8, 4, 3);
    expect(Math.max(...c.weight.dataSync().map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(72));
  });

  it('initialisers have the documented spread', () => {
    manualSeed(1);
    const t = init.kaimingNormal(zeros([256, 512]), { nonlinearity: 'relu' });
    const d = Array.from(t.dataSync());
    const std = Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / 512), 2);
    const x = init.xavierUniform(zeros([100, 300]));
    expect(Math.max(...x.dataSync())).toBeLessThanOrEqual(Math.sqrt(6 / 400));
    expect(Array.from(init.ones(zeros([3])).dataSync())).toEqual([1, 1, 1]);
    expect(() => init.kaimingUniform(zeros([3]))).toThrow(/rank >= 2/);
  });

  it('bad layer arguments are rejected clearly', () => {
    expect(() => new Linear(0, 3)).toThrow('Linear: inFeatures must be a positive integer, got 0');
    expect(() => new Dropout(1.5)).toThrow(/p must be in \[0, 1\]/);
    expect(() => new BatchNorm2d(3).forward(randn([2, 4, 3, 3]))).toThrow(/input has 4 channels/);
    expect(() => new Linear(3, 2).forward(randn([2, 4]))).toThrow(
      /linear: x has 4 features but weight \[2,3\] expects 3/,
    );
  });

  it('summary: a Keras-like table with output shapes and parameter counts', () => {
    const text = summary(model(), [1, 1, 8, 8]);
    expect(text).toContain('0 (Conv2d)');
    expect(text).toContain('[?, 4, 8, 8]');
    expect(text).toContain('6 (Linear)');
    expect(text).toContain('[?, 10]');
    expect(text).toContain(`Total params: ${(40 + 8 + 650).toLocaleString('en-US')}`);
    expect(tensor([1]).item()).toBe(1);
  });
});
