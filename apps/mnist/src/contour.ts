// Contour lines of a function sampled on a grid (marching squares), for the trajectory plots.

/** A line segment in grid coordinates: x in [0, nx - 1], y in [0, ny - 1]. */
export type Segment = [x0: number, y0: number, x1: number, y1: number];

/**
 * Segments of the level set `f = level` of values sampled on an `nx` x `ny` grid
 * (`values[j * nx + i]` at column i, row j), by marching squares with linear interpolation
 * along cell edges. Saddle cells (two opposite corners above) are split by the cell centre.
 */
export function contourSegments(values: ArrayLike<number>, nx: number, ny: number, level: number): Segment[] {
  const out: Segment[] = [];
  const v = (i: number, j: number) => values[j * nx + i];
  // Where the level crosses the edge between two corners (t in [0, 1] from the first).
  const t = (a: number, b: number) => (a === b ? 0.5 : (level - a) / (b - a));
  for (let j = 0; j + 1 < ny; j++) {
    for (let i = 0; i + 1 < nx; i++) {
      const a = v(i, j);
      const b = v(i + 1, j);
      const c = v(i + 1, j + 1);
      const d = v(i, j + 1);
      if (![a, b, c, d].every(Number.isFinite)) continue;
      const code = (a > level ? 1 : 0) | (b > level ? 2 : 0) | (c > level ? 4 : 0) | (d > level ? 8 : 0);
      if (code === 0 || code === 15) continue;
      const bottom: [number, number] = [i + t(a, b), j];
      const right: [number, number] = [i + 1, j + t(b, c)];
      const top: [number, number] = [i + t(d, c), j + 1];
      const left: [number, number] = [i, j + t(a, d)];
      const seg = (p: [number, number], q: [number, number]) => out.push([p[0], p[1], q[0], q[1]]);
      switch (code) {
        case 1:
        case 14:
          seg(left, bottom);
          break;
        case 2:
        case 13:
          seg(bottom, right);
          break;
        case 3:
        case 12:
          seg(left, right);
          break;
        case 4:
        case 11:
          seg(right, top);
          break;
        case 6:
        case 9:
          seg(bottom, top);
          break;
        case 7:
        case 8:
          seg(left, top);
          break;
        case 5:
        case 10: {
          const centreAbove = (a + b + c + d) / 4 > level;
          // code 5: a and c above. With the centre above, a-c are joined and the cuts go around b and d.
          if ((code === 5) === centreAbove) {
            seg(bottom, right);
            seg(left, top);
          } else {
            seg(left, bottom);
            seg(right, top);
          }
          break;
        }
      }
    }
  }
  return out;
}

/**
 * `count` contour levels between the grid's minimum and maximum: geometric (log-spaced above
 * the minimum) for functions with a sharp valley, linear otherwise.
 */
export function contourLevels(values: ArrayLike<number>, count: number, log: boolean): number[] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) continue;
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
  }
  const levels: number[] = [];
  for (let k = 1; k <= count; k++) {
    const f = k / (count + 1);
    // Log spacing of (level - lo) from 1e-3 of the range to the whole range.
    levels.push(log ? lo + (hi - lo) * 10 ** (-3 + 3 * f) : lo + (hi - lo) * f);
  }
  return levels;
}
