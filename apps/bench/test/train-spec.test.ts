import { describe, expect, it } from 'vitest';
import {
  CNN_PARAMS,
  decodeTrainData,
  encodeTrainData,
  initialWeights,
  MLP_PARAMS,
  parseReply,
  REPLY_MARK,
  rewarmSteps,
  roundsWithin,
  settleSteps,
  stepsPerRound,
} from '../src/train/spec.js';

describe('initialWeights', () => {
  it('gives every parameter of each model its shape, zero biases and Glorot-uniform weights', () => {
    for (const [model, params] of [
      ['mlp', MLP_PARAMS],
      ['cnn', CNN_PARAMS],
    ] as const) {
      const w = initialWeights(model, 7);
      expect(Object.keys(w)).toEqual(params.map((p) => p.name));
      for (const p of params) {
        const a = w[p.name];
        expect(a.length).toBe(p.shape.reduce((x, y) => x * y, 1));
        if (p.fanIn === 0) {
          expect(a.every((v) => v === 0)).toBe(true);
          continue;
        }
        const limit = Math.sqrt(6 / (p.fanIn + p.fanOut));
        const max = a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expect(max).toBeLessThanOrEqual(limit);
        // Uniform on [-limit, limit): the largest of thousands of draws comes close to the limit.
        if (a.length > 1000) expect(max).toBeGreaterThan(0.99 * limit);
      }
    }
  });

  it('is the same for the same seed and differs for another', () => {
    expect(initialWeights('mlp', 3)['fc1.weight']).toEqual(initialWeights('mlp', 3)['fc1.weight']);
    expect(initialWeights('mlp', 3)['fc1.weight']).not.toEqual(initialWeights('mlp', 4)['fc1.weight']);
  });

  it('has the CNN dense layer take 64·5·5 features (28 → 26 → 13 → 11 → 5)', () => {
    expect(CNN_PARAMS.find((p) => p.name === 'fc.weight')!.shape).toEqual([10, 64 * 5 * 5]);
  });
});

describe('train data file', () => {
  it('round-trips the first n images and labels', () => {
    const x = Float32Array.from({ length: 3 * 784 }, (_, i) => i / 7);
    const y = Int32Array.from([4, 1, 9]);
    const d = decodeTrainData(encodeTrainData(x, y, 2));
    expect(d.n).toBe(2);
    expect(d.x).toEqual(x.subarray(0, 2 * 784));
    expect(Array.from(d.y)).toEqual([4, 1]);
  });

  it('rejects a file that is not whole samples', () => {
    expect(() => decodeTrainData(new Uint8Array(785 * 4 + 4))).toThrow(/not a whole number of samples/);
  });
});

describe('round sizing', () => {
  it('fits steps into the target time, at least 1 and at most the cap', () => {
    expect(stepsPerRound(0.01, 3, 100)).toBe(100);
    expect(stepsPerRound(0.1, 3, 100)).toBe(30);
    expect(stepsPerRound(12, 3, 100)).toBe(1);
    expect(stepsPerRound(0, 3, 100)).toBe(100);
  });

  it('fits rounds into the budget, at least 1 and at most reps', () => {
    expect(roundsWithin(1, 30, 5)).toBe(5);
    expect(roundsWithin(12, 30, 5)).toBe(2);
    expect(roundsWithin(100, 30, 5)).toBe(1);
  });
});

describe('parseReply', () => {
  it('reads marked lines and ignores anything else a library prints', () => {
    expect(parseReply(`${REPLY_MARK}{"ok":true,"maxRss":5}`)).toEqual({ ok: true, maxRss: 5 });
    expect(parseReply(`${REPLY_MARK}{"ok":false,"error":"boom"}`)).toEqual({ ok: false, error: 'boom' });
    expect(parseReply('Hi there 👋. Looks like you are running TensorFlow.js in Node.js.')).toBeUndefined();
  });
});

describe('settling warm-up', () => {
  it('runs untimed steps until the warm-up has lasted settleSeconds, in rounds of at most maxSteps', () => {
    expect(settleSteps(0.5, 3, 0.01, 200)).toBe(200);
    expect(settleSteps(2, 3, 0.25, 200)).toBe(4);
    expect(settleSteps(2.9, 3, 5, 200)).toBe(1);
    expect(settleSteps(3, 3, 0.01, 200)).toBe(0);
    expect(settleSteps(60, 3, 0.01, 200)).toBe(0);
    expect(settleSteps(0, 0, 0.01, 200)).toBe(0);
  });
});

describe('re-warming before each timed round', () => {
  it('runs untimed steps for rewarmSeconds, at most maxSteps, none for a step that long', () => {
    expect(rewarmSteps(0.001, 0.5, 200)).toBe(200);
    expect(rewarmSteps(0.04, 0.5, 200)).toBe(13);
    expect(rewarmSteps(0.3, 0.5, 200)).toBe(2);
    expect(rewarmSteps(0.5, 0.5, 200)).toBe(0);
    expect(rewarmSteps(57, 0.5, 40)).toBe(0);
    expect(rewarmSteps(0.01, 0, 200)).toBe(0);
  });
});
