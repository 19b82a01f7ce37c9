// The DataLoader's side of the contract with @asgrad/autograd's tensor(), checked against a
// stand-in that records its calls (loader.test.ts runs the same loop on the real tensors).
import { beforeEach, describe, expect, it, vi } from 'vitest';

interface Call {
  data: Float32Array | Int32Array;
  shape: number[];
  dtype: string;
  disposed: boolean;
}
const calls: Call[] = [];
let failOn = -1;

vi.mock('@asgrad/autograd', () => ({
  ready: async () => {},
  tensor: (data: Float32Array | Int32Array, options: { shape: number[]; dtype: string }) => {
    if (calls.length === failOn) throw new Error('tensor: out of memory');
    const call: Call = { data, shape: options.shape, dtype: options.dtype, disposed: false };
    calls.push(call);
    return {
      shape: options.shape,
      dtype: options.dtype,
      dataSync: () => data.slice(),
      dispose: () => {
        call.disposed = true;
      },
    };
  },
}));

const { DataLoader } = await import('../src/loader.js');

const data = {
  x: Float32Array.from({ length: 5 * 4 }, (_, i) => i),
  y: Int32Array.of(0, 1, 2, 3, 4),
  shape: [2, 2],
};

describe('DataLoader with a tensor() stand-in', () => {
  beforeEach(() => {
    calls.length = 0;
    failOn = -1;
  });

  it('passes each batch with its shape and dtype to tensor()', () => {
    const loader = new DataLoader(data, { batchSize: 2 });
    const batches = [...loader];
    expect(batches).toHaveLength(3);
    expect(calls.map((c) => [c.dtype, c.shape])).toEqual([
      ['float32', [2, 1, 2, 2]],
      ['int32', [2]],
      ['float32', [2, 1, 2, 2]],
      ['int32', [2]],
      ['float32', [1, 1, 2, 2]],
      ['int32', [1]],
    ]);
    expect(Array.from(calls[4].data)).toEqual([16, 17, 18, 19]);
    expect(Array.from(calls[5].data)).toEqual([4]);
    expect(loader.epoch).toBe(1);
  });

  it('gives int32 x tensors for an Int32Array dataset', () => {
    [...new DataLoader({ x: Int32Array.of(1, 2, 3), y: Int32Array.of(0, 1, 2) }, { batchSize: 3 })];
    expect(calls.map((c) => c.dtype)).toEqual(['int32', 'int32']);
  });

  it('disposes the x tensor when building y fails, and still advances the epoch', () => {
    failOn = 1;
    const loader = new DataLoader(data, { batchSize: 2 });
    expect(() => [...loader]).toThrow(/tensor: out of memory/);
    expect(calls).toHaveLength(1);
    expect(calls[0].disposed).toBe(true);
    expect(loader.epoch).toBe(1);
  });
});
