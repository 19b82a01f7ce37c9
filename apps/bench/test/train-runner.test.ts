import { describe, expect, it } from 'vitest';
import { DETAIL_HEADER, detailRows } from '../src/suites/train-runner.js';

const MiB = 2 ** 20;

describe('detailRows', () => {
  it('shows rounds × steps, losses and memory in MiB, one row per peer that started', () => {
    const rows = detailRows('mlp', [
      {
        peer: 'asgrad',
        library: 'x',
        steps: 40,
        rounds: 5,
        warmupLoss: 2.39871,
        lastLoss: 0.5,
        setupRss: 64 * MiB,
        roundRss: [70 * MiB, 70 * MiB, 71 * MiB],
        maxRss: 80 * MiB,
      },
      { peer: 'skipped', roundRss: [] },
    ]);
    expect(rows).toEqual([['mlp', 'asgrad', '5 × 40', '2.3987', '0.5000', '64 MiB', '80 MiB', '']]);
    expect(rows[0].length).toBe(DETAIL_HEADER.length);
  });

  it('notes RSS that grew in every round by more than allocator noise', () => {
    const d = { peer: 'jax-js', library: 'x', roundRss: [100 * MiB, 300 * MiB, 600 * MiB] };
    expect(detailRows('cnn', [d])[0][7]).toBe('RSS grew every round (+500 MiB over 2)');
    const noise = { ...d, roundRss: [100 * MiB, 101 * MiB, 102 * MiB] };
    expect(detailRows('cnn', [noise])[0][7]).toBe('');
    const twoRounds = { ...d, roundRss: [100 * MiB, 600 * MiB] };
    expect(detailRows('cnn', [twoRounds])[0][7]).toBe('');
  });
});
