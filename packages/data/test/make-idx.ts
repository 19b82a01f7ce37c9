// Test helper: encodes an IDX file (big-endian), the inverse of parseIdx.
import type { IdxDtype } from '../src/idx.js';

export const DTYPE_BYTES: Record<IdxDtype, [code: number, size: number]> = {
  uint8: [0x08, 1],
  int8: [0x09, 1],
  int16: [0x0b, 2],
  int32: [0x0c, 4],
  float32: [0x0d, 4],
  float64: [0x0e, 8],
};

export function makeIdx(dtype: IdxDtype, shape: number[], values: ArrayLike<number>): Uint8Array {
  const [code, size] = DTYPE_BYTES[dtype];
  const out = new Uint8Array(4 + 4 * shape.length + size * values.length);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = shape.length;
  for (const [i, d] of shape.entries()) view.setUint32(4 + 4 * i, d, false);
  const at = 4 + 4 * shape.length;
  for (let i = 0; i < values.length; i++) {
    const off = at + size * i;
    const v = values[i];
    if (dtype === 'uint8') view.setUint8(off, v);
    else if (dtype === 'int8') view.setInt8(off, v);
    else if (dtype === 'int16') view.setInt16(off, v, false);
    else if (dtype === 'int32') view.setInt32(off, v, false);
    else if (dtype === 'float32') view.setFloat32(off, v, false);
    else view.setFloat64(off, v, false);
  }
  return out;
}
