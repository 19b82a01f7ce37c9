// Elementwise kernels over contiguous f32 buffers: SIMD body, scalar tail.

export function add_f32(a: usize, b: usize, out: usize, n: i32): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, load<f32>(a + o) + load<f32>(b + o));
  }
}
