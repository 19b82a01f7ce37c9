import { nodeBuiltin } from './node.js';

/** Element types an IDX file can hold, named after the typed array that holds them. */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** Typed array matching each {@link IdxDtype}. */
export interface IdxArrays {
  uint8: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/**
 * A parsed IDX file: element type, dimensions (outermost first) and the elements in row-major
 * order. A union over the dtypes, so checking `dtype` narrows `data`.
 */
export type IdxData = { [D in IdxDtype]: { dtype: D; shape: number[]; data: IdxArrays[D] } }[IdxDtype];

interface DtypeInfo {
  dtype: IdxDtype;
  bytes: number;
}

// The third byte of the magic number selects the element type.
const DTYPES = new Map<number, DtypeInfo>([
  [0x08, { dtype: 'uint8', bytes: 1 }],
  [0x09, { dtype: 'int8', bytes: 1 }],
  [0x0b, { dtype: 'int16', bytes: 2 }],
  [0x0c, { dtype: 'int32', bytes: 4 }],
  [0x0d, { dtype: 'float32', bytes: 4 }],
  [0x0e, { dtype: 'float64', bytes: 8 }],
]);

const hex = (v: number, width: number): string => `0x${v.toString(16).padStart(width, '0')}`;

/** True when `bytes` starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function gunzip(bytes: Uint8Array): Uint8Array {
  const { gunzipSync } = nodeBuiltin('node:zlib', 'parseIdx: gzip input');
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw new Error(`parseIdx: gzip data is corrupt or truncated (${(err as Error).message})`);
  }
}

/**
 * Parses an IDX file (the format of the MNIST distribution): a 4-byte magic number
 * `00 00 <dtype> <ndim>`, `ndim` big-endian uint32 dimensions, then the elements, big-endian.
 * Gzip-compressed input (starting with `1f 8b`) is decompressed first, which needs Node.
 *
 * Everything is checked before any element is read, and a bad file throws an Error that says
 * what is wrong: bad magic, unknown dtype byte, no or zero dimensions, a truncated header,
 * or a byte count that does not match the dimensions. The returned `data` never shares
 * memory with `bytes`.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * const { dtype, shape, data } = parseIdx(readFileSync('train-labels-idx1-ubyte'));
 * // dtype 'uint8', shape [60000], data Uint8Array
 * ```
 */
export function parseIdx(bytes: Uint8Array | ArrayBuffer): IdxData {
  let buf = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (isGzip(buf)) buf = gunzip(buf);
  if (buf.length < 4) {
    throw new Error(`parseIdx: file is ${buf.length} bytes, shorter than the 4-byte magic number`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new Error(`parseIdx: bad magic number ${hex(magic, 8)}: an IDX file starts with two zero bytes`);
  }
  const info = DTYPES.get(buf[2]);
  if (info === undefined) {
    throw new Error(
      `parseIdx: unknown dtype byte ${hex(buf[2], 2)} in magic number ${hex(magic, 8)} ` +
        '(expected 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32 or 0x0e float64)',
    );
  }
  const ndim = buf[3];
  if (ndim === 0) throw new Error('parseIdx: the magic number declares 0 dimensions');
  const headerBytes = 4 + 4 * ndim;
  if (buf.length < headerBytes) {
    throw new Error(
      `parseIdx: truncated header: ${ndim} dimensions need ${headerBytes} header bytes, file has ${buf.length}`,
    );
  }
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const zero = shape.indexOf(0);
  if (zero >= 0) throw new Error(`parseIdx: dimension ${zero} of shape [${shape}] is 0`);
  // The product can pass 2^53 only for absurd headers; it then exceeds any real byte count anyway.
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = count * info.bytes;
  const actual = buf.length - headerBytes;
  if (actual !== expected) {
    const what = actual < expected ? 'truncated' : 'trailing bytes';
    throw new Error(
      `parseIdx: ${what}: shape [${shape}] of ${info.dtype} needs ${expected} data bytes, file has ${actual}`,
    );
  }
  return { dtype: info.dtype, shape, data: decode(view, headerBytes, count, info.dtype) } as IdxData;
}

function decode(view: DataView, offset: number, count: number, dtype: IdxDtype): IdxArrays[IdxDtype] {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, count);
  switch (dtype) {
    case 'uint8':
      return bytes.slice();
    case 'int8':
      return new Int8Array(bytes.slice().buffer);
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}
