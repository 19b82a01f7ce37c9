import { describe, expect, it } from 'vitest';
import type { Peer, Prepared } from '../src/peers/types.js';
import { type Plan, runCase, runCases } from '../src/suites/common.js';
import type { BenchContext } from '../src/suites/types.js';

const ctx = {
  quick: true,
  timing: { reps: 3, minMs: 1, warmupMs: 1, warmupCalls: 1, rewarmMs: 0 },
  log: () => {},
} as unknown as BenchContext;

const library = { peer: '', name: '', version: '', build: '' };
const peers: Peer[] = [
  { name: 'ref', library },
  { name: 'other', library },
];

/** A prepared case that logs `tag` on every call and outputs `out`. */
function prepared(tag: string, out: number[], log: string[], disposed: string[]): Prepared {
  return {
    run: () => log.push(tag),
    output: () => Float32Array.from(out),
    dispose: () => disposed.push(tag),
  };
}

describe('runCases', () => {
  it('returns each case its own cells, checks outputs within a case, and releases everything', async () => {
    const log: string[] = [];
    const disposed: string[] = [];
    const plans = [
      (p: Peer): Plan =>
        p.name === 'other'
          ? { skip: 'not in this case' }
          : { prepare: async () => prepared('0 ref', [1, 2], log, disposed) },
      (p: Peer): Plan => ({
        // The second case's reference differs from the first's; 'other' must be checked against its own.
        prepare: async () => prepared(`1 ${p.name}`, p.name === 'ref' ? [5, 5] : [5, 9], log, disposed),
      }),
    ];
    const [first, second] = await runCases(ctx, peers, plans, 'ref', 1e-4);
    expect(first.map((c) => c.peer)).toEqual(['ref', 'other']);
    expect(first[0]).toMatchObject({ status: 'ok', reps: 3 });
    expect(first[1]).toEqual({ peer: 'other', status: 'skipped', reason: 'not in this case' });
    expect(second[0].status).toBe('ok');
    expect(second[0]).not.toHaveProperty('mismatch');
    expect(second[1]).toMatchObject({ status: 'ok', mismatch: 'max rel. error 0.80 vs ref' });
    expect(disposed.sort()).toEqual(['0 ref', '1 other', '1 ref']);
  });

  it("times all cases' cells in one rotation rather than one case after the other", async () => {
    const log: string[] = [];
    const plans = [0, 1].map(
      (kase) =>
        (p: Peer): Plan => ({ prepare: async () => prepared(`${kase} ${p.name}`, [1], log, []) }),
    );
    await runCases(ctx, peers, plans, 'ref', 1e-4);
    // Case 1 is timed before case 0's last round, so the two cases' rounds alternate.
    expect(log.indexOf('1 ref')).toBeLessThan(log.lastIndexOf('0 ref'));
    expect(log.lastIndexOf('1 other')).toBeGreaterThan(log.indexOf('0 other'));
  });

  it('runCase is runCases with one case', async () => {
    const cells = await runCase(
      ctx,
      peers,
      (p) => ({ prepare: async () => prepared(p.name, [3], [], []) }),
      'ref',
      1e-4,
    );
    expect(cells.map((c) => [c.peer, c.status])).toEqual([
      ['ref', 'ok'],
      ['other', 'ok'],
    ]);
  });
});
