// Matrix multiply: C = op(A)·op(B) (+ bias) (+ C), row-major, batched.
// This is the plain reference version; the register-blocked GEMM replaces its body.

export const MM_TRANS_A: i32 = 1;
export const MM_TRANS_B: i32 = 2;
export const MM_ACCUMULATE: i32 = 4;
export const MM_BIAS: i32 = 8;

/**
 * For each batch index t < batch: C_t[m,n] = op(A_t)·op(B_t), where op(A) is A [m,k] or,
 * with MM_TRANS_A, A stored [k,m]; op(B) is B [k,n] or, with MM_TRANS_B, B stored [n,k].
 * MM_ACCUMULATE adds into C; MM_BIAS adds bias[n] to every row. sA/sB/sC are the batch
 * strides in elements (0 broadcasts one matrix over the batch).
 */
export function matmul_f32(
  a: usize, b: usize, c: usize, bias: usize,
  m: i32, n: i32, k: i32, flags: i32,
  batch: i32, sA: i32, sB: i32, sC: i32,
): void {
  const ta = (flags & MM_TRANS_A) != 0;
  const tb = (flags & MM_TRANS_B) != 0;
  const acc = (flags & MM_ACCUMULATE) != 0;
  const hasBias = (flags & MM_BIAS) != 0;
  for (let t = 0; t < batch; t++) {
    const A = a + (<usize>(t * sA) << 2);
    const B = b + (<usize>(t * sB) << 2);
    const C = c + (<usize>(t * sC) << 2);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s: f32 = 0;
        for (let p = 0; p < k; p++) {
          const av = load<f32>(A + (<usize>(ta ? p * m + i : i * k + p) << 2));
          const bv = load<f32>(B + (<usize>(tb ? j * k + p : p * n + j) << 2));
          s += av * bv;
        }
        if (hasBias) s += load<f32>(bias + (<usize>j << 2));
        const co = C + (<usize>(i * n + j) << 2);
        store<f32>(co, acc ? load<f32>(co) + s : s);
      }
    }
  }
}
