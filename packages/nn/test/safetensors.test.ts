import { readFileSync } from 'node:fs';
import { manualSeed, noGrad, type Tensor, tensor } from '@asgrad/autograd';
import { describe, expect, it } from 'vitest';
import {
  BatchNorm2d,
  Conv2d,
  Flatten,
  Linear,
  loadSafetensors,
  MaxPool2d,
  ReLU,
  Sequential,
  saveSafetensors,
} from '../src/index.js';

const cnn = () =>
  new Sequential(
    new Conv2d(1, 4, 3, { padding: 1 }),
    new BatchNorm2d(4),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(64, 5),
  );

function file(header: unknown, data = new Uint8Array(0), lenOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lenOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('a state dict round-trips exactly', () => {
    manualSeed(5);
    const a = cnn();
    const bytes = saveSafetensors(a.stateDict());
    const loaded = loadSafetensors(bytes);
    const b = cnn();
    b.loadStateDict(loaded);
    for (const [k, t] of Object.entries(a.stateDict())) {
      expect(Array.from(b.stateDict()[k].dataSync()), k).toEqual(Array.from(t.dataSync()));
      expect(loaded[k].dtype).toBe(t.dtype);
    }
    expect(saveSafetensors(b.stateDict())).toEqual(bytes);
  });

  it('a file written by PyTorch loads into the same model and gives the same outputs', () => {
    const bytes = new Uint8Array(readFileSync(new URL('./fixtures/model.safetensors', import.meta.url)));
    const ref = JSON.parse(readFileSync(new URL('./fixtures/model.json', import.meta.url), 'utf8'));
    const m = cnn();
    m.loadStateDict(loadSafetensors(bytes));
    m.eval();
    const y = noGrad(() => m.forward(tensor(Float32Array.from(ref.input.data), { shape: ref.input.shape })));
    const got = y.dataSync();
    ref.output.data.forEach((v: number, i: number) => expect(Math.abs(got[i] - v)).toBeLessThan(1e-5));
    expect(m.stateDict()['1.num_batches_tracked'].item()).toBe(3);
  });

  it('reads F16, BF16, F64 and I64 into float32 / int32', () => {
    const data = new Uint8Array(2 + 2 + 8 + 8);
    const dv = new DataView(data.buffer);
    dv.setUint16(0, 0x3c00, true); // F16 1.0
    dv.setUint16(2, 0xc040, true); // BF16 -3.0
    dv.setFloat64(4, 0.1, true);
    dv.setBigInt64(12, -7n, true);
    const t = loadSafetensors(
      file(
        {
          h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] },
          b: { dtype: 'BF16', shape: [1], data_offsets: [2, 4] },
          d: { dtype: 'F64', shape: [1], data_offsets: [4, 12] },
          i: { dtype: 'I64', shape: [], data_offsets: [12, 20] },
        },
        data,
      ),
    );
    expect(t.h.item()).toBe(1);
    expect(t.b.item()).toBe(-3);
    expect(t.d.item()).toBeCloseTo(0.1, 7);
    expect(t.i.dtype).toBe('int32');
    expect(t.i.item()).toBe(-7);
  });

  const four = new Uint8Array(8);
  const hostile: [string, Uint8Array, RegExp][] = [
    ['too short', new Uint8Array(5), /too short for the 8-byte header length/],
    ['header length past the end', file({}, four, 1000n), /header length 1000 runs past the end/],
    ['bad JSON', file('{"a": ', four), /not well-formed JSON/],
    ['not an object', file('[1,2]'), /header must be a JSON object/],
    [
      'unknown dtype',
      file({ a: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, four),
      /unsupported dtype "C64"/,
    ],
    [
      'bad shape',
      file({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, four),
      /invalid shape \[-1\]/,
    ],
    [
      'offsets out of bounds',
      file({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, four),
      /out of bounds of the 8-byte data section/,
    ],
    [
      'shape/bytes mismatch',
      file({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, four),
      /holds 8 bytes but shape \[3\] of F32 needs 12/,
    ],
    [
      'overlap',
      file(
        {
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
        },
        four,
      ),
      /overlaps the previous tensor/,
    ],
    [
      'gap',
      file({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, four),
      /gap in the data section: bytes \[0, 4\)/,
    ],
    [
      'trailing bytes',
      file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, four),
      /data section is 8 bytes but the tensors cover 4/,
    ],
    [
      'reversed offsets',
      file({ a: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }, four),
      /invalid data_offsets/,
    ],
  ];
  for (const [name, bytes, msg] of hostile) {
    it(`rejects a hostile or truncated file: ${name}`, () => {
      expect(() => loadSafetensors(bytes)).toThrow(msg);
    });
  }

  it('a truncated real file is rejected, never read wrongly', () => {
    const bytes = saveSafetensors({
      w: tensor([
        [1, 2],
        [3, 4],
      ]) as Tensor,
    });
    for (const cut of [4, 8, 20, bytes.length - 1])
      expect(() => loadSafetensors(bytes.subarray(0, cut))).toThrow(/loadSafetensors:/);
  });
});
