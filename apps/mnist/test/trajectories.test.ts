import { describe, expect, it } from 'vitest';
import {
  allPaths,
  optimizerPath,
  sampleGrid,
  TEST_FUNCTIONS,
  TRAJECTORY_OPTIMIZERS,
  trajectoriesSvg,
} from '../src/trajectories.js';

const [beale, rosenbrock, saddle] = TEST_FUNCTIONS;

describe('test functions', () => {
  it('are evaluated by asgrad at known points', () => {
    // grid corners are (xMin, yMin), (xMax, yMin), ..., checked against the closed forms
    const g = sampleGrid(rosenbrock, 2);
    const r = (x: number, y: number) => (1 - x) ** 2 + 100 * (y - x * x) ** 2;
    expect(g[0]).toBeCloseTo(r(-2, -1), 3);
    expect(g[3]).toBeCloseTo(r(2, 3), 3);
    const b = sampleGrid(beale, 2);
    const bf = (x: number, y: number) =>
      (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y ** 3) ** 2;
    expect(b[1]).toBeCloseTo(bf(4.5, -2), 1);
    expect(sampleGrid(saddle, 2)[2]).toBeCloseTo(1.5 ** 2 - 1.5 ** 2, 6);
  });
});

describe('optimizer paths', () => {
  it('follow the gradient: the first SGD step is -lr * grad f(start)', () => {
    const p = optimizerPath(rosenbrock, 'sgd', 1);
    const [x, y] = rosenbrock.start;
    const gx = -2 * (1 - x) - 400 * x * (y - x * x);
    const gy = 200 * (y - x * x);
    const lr = rosenbrock.lr.sgd;
    expect(p.points[1][0]).toBeCloseTo(x - lr * gx, 4);
    expect(p.points[1][1]).toBeCloseTo(y - lr * gy, 4);
  });

  it('descend Beale and Rosenbrock, and escape the saddle', () => {
    const paths = allPaths(300, TEST_FUNCTIONS);
    for (const p of paths[0]) {
      expect(p.final).toBeLessThan(0.2); // Beale starts at 26.5; its minimum is 0 at (3, 0.5)
    }
    const start = 24.2; // Rosenbrock at (-1.2, 1)
    for (const p of paths[1]) expect(p.final).toBeLessThan(start / 5);
    for (const p of paths[2]) expect(p.final).toBeLessThan(-1); // f(start) ~ 1.96: all roll off
  });

  it('are drawn: one line per optimizer and function, a legend entry per optimizer', () => {
    const paths = allPaths(20, TEST_FUNCTIONS);
    const svg = trajectoriesSvg(TEST_FUNCTIONS, paths);
    expect(svg.match(/stroke-width="1.8"/g)).toHaveLength(
      TEST_FUNCTIONS.length * TRAJECTORY_OPTIMIZERS.length,
    );
    for (const name of TRAJECTORY_OPTIMIZERS) expect(svg).toContain(`>${name}</text>`);
    expect(svg.match(/stroke="#bbb"/g)?.length).toBeGreaterThan(30); // contour lines
  });
});
