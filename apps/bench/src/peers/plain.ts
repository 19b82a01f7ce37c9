// The floor: what a plain TypeScript triple loop over Float32Array does, one loop per layout
// as a user would write it (scalar accumulator, row-major).
import type { MatmulSpec, Peer, Prepared } from './types.js';

/** C = op(A)·op(B) in plain JS; exported for the tests. */
export function plainMatmul(s: MatmulSpec, c: Float32Array): void {
  const { m, n, k, a, b } = s;
  if (!s.transA && !s.transB) {
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc += a[i * k + p] * b[p * n + j];
        c[i * n + j] = acc;
      }
  } else if (!s.transA) {
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc += a[i * k + p] * b[j * k + p];
        c[i * n + j] = acc;
      }
  } else if (!s.transB) {
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc += a[p * m + i] * b[p * n + j];
        c[i * n + j] = acc;
      }
  } else {
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc += a[p * m + i] * b[j * k + p];
        c[i * n + j] = acc;
      }
  }
}

export function plainPeer(): Peer {
  return {
    name: 'plain-js',
    library: { peer: 'plain-js', name: '(none)', version: '—', build: 'Float32Array triple loop' },
    matmul: async (s): Promise<Prepared> => {
      const c = new Float32Array(s.m * s.n);
      return {
        run: () => plainMatmul(s, c),
        output: () => {
          plainMatmul(s, c);
          return c.slice();
        },
        dispose: () => {},
      };
    },
  };
}
