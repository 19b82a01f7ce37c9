// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
// header length, a JSON header { name: { dtype, shape, data_offsets: [begin, end] } } and the
// raw little-endian bytes. Every header field is validated before any tensor is read, so a
// truncated or hostile file gives a clear error, never a wrong read.
import { type Tensor, tensor } from '@asgrad/autograd';

const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I32: 4, I64: 8 };

/** Serialises float32 / int32 tensors (e.g. `model.stateDict()`) into safetensors bytes. */
export function saveSafetensors(
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const bytes = t.size * 4;
    header[name] = {
      dtype: t.dtype === 'float32' ? 'F32' : 'I32',
      shape: [...t.shape],
      data_offsets: [offset, offset + bytes],
    };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8); // data starts 8-byte aligned
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  for (const name of names) {
    const data = tensors[name].dataSync();
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (!little) throw new Error('saveSafetensors: big-endian hosts are not supported');
    out.set(raw, at);
    at += raw.length;
  }
  return out;
}

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

function parseHeader(bytes: Uint8Array): { entries: Entry[]; dataStart: number } {
  const fail = (msg: string): never => {
    throw new Error(`loadSafetensors: ${msg}`);
  };
  if (!(bytes instanceof Uint8Array)) fail('expected a Uint8Array');
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (len > BigInt(bytes.length - 8))
    fail(`header length ${len} runs past the end of the ${bytes.length}-byte file`);
  const headerLen = Number(len);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(`header is not well-formed JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    fail('header must be a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (info === null || typeof info !== 'object') fail(`entry '${name}' must be an object`);
    if (typeof info.dtype !== 'string' || !(info.dtype in DTYPE_BYTES)) {
      fail(
        `entry '${name}' has unsupported dtype ${JSON.stringify(info.dtype)} (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`,
      );
    }
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`entry '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    }
    const offs = info.data_offsets;
    if (
      !Array.isArray(offs) ||
      offs.length !== 2 ||
      !offs.every((d) => Number.isSafeInteger(d) && d >= 0) ||
      offs[0] > offs[1]
    ) {
      fail(`entry '${name}' has invalid data_offsets ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    if (end > dataLen)
      fail(
        `entry '${name}' data_offsets [${begin}, ${end}] are out of bounds of the ${dataLen}-byte data section`,
      );
    const n = (shape as number[]).reduce((a, b) => a * b, 1);
    const want = n * DTYPE_BYTES[info.dtype as string];
    if (end - begin !== want) {
      fail(`entry '${name}' holds ${end - begin} bytes but shape [${shape}] of ${info.dtype} needs ${want}`);
    }
    entries.push({ name, dtype: info.dtype as string, shape: shape as number[], begin, end });
  }
  // The byte ranges must tile the data section exactly: no overlaps, no gaps, nothing left over.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin < at)
      fail(`entry '${e.name}' [${e.begin}, ${e.end}] overlaps the previous tensor (which ends at ${at})`);
    if (e.begin > at)
      fail(`gap in the data section: bytes [${at}, ${e.begin}) belong to no tensor (before '${e.name}')`);
    at = e.end;
  }
  if (at !== dataLen) fail(`data section is ${dataLen} bytes but the tensors cover ${at}`);
  return { entries, dataStart };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function decode(e: Entry, view: DataView): { data: Float32Array | Int32Array; dtype: 'float32' | 'int32' } {
  const n = e.shape.reduce((a, b) => a * b, 1);
  const size = DTYPE_BYTES[e.dtype];
  const at = (i: number) => e.begin + i * size;
  switch (e.dtype) {
    case 'F32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(at(i), true);
      return { data: out, dtype: 'float32' };
    }
    case 'F64': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(at(i), true);
      return { data: out, dtype: 'float32' };
    }
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(at(i), true));
      return { data: out, dtype: 'float32' };
    }
    case 'BF16': {
      const out = new Float32Array(n);
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u[i] = view.getUint16(at(i), true) << 16;
      return { data: out, dtype: 'float32' };
    }
    case 'I32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(at(i), true);
      return { data: out, dtype: 'int32' };
    }
    default: {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = view.getBigInt64(at(i), true);
        if (v > 2147483647n || v < -2147483648n) {
          throw new Error(`loadSafetensors: entry '${e.name}' value ${v} at index ${i} does not fit int32`);
        }
        out[i] = Number(v);
      }
      return { data: out, dtype: 'int32' };
    }
  }
}

/**
 * Reads safetensors bytes into tensors: F32 / F16 / BF16 / F64 become float32, I32 / I64 int32.
 * @example
 * ```ts
 * model.loadStateDict(loadSafetensors(readFileSync('model.safetensors')));
 * ```
 */
export function loadSafetensors(bytes: Uint8Array): Record<string, Tensor> {
  const { entries, dataStart } = parseHeader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart, bytes.length - dataStart);
  const decoded = entries.map((e) => ({ e, ...decode(e, view) })); // all decoded before any tensor exists
  const out: Record<string, Tensor> = {};
  for (const { e, data, dtype } of decoded) out[e.name] = tensor(data, { shape: e.shape, dtype });
  return out;
}
