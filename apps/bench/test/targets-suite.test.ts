import { kernelInfo } from '@asgrad/kernels';
import { describe, expect, it } from 'vitest';
import { asgradPeers } from '../src/peers/asgrad.js';
import { tfjsPeers } from '../src/peers/tfjs.js';
import type { SuiteResult } from '../src/report.js';
import { targetsSuite } from '../src/suites/targets.js';
import { quickContext } from './quick-context.js';

const ratio = (cell: string) => Number(cell.replace('×', ''));

describe('targets suite', () => {
  it('pairs asgrad with TF.js A·B on one thread and n threads with one, and leaves one thread set', async () => {
    const peers = [...(await asgradPeers(2)), ...(await tfjsPeers())];
    const many = peers.find((p) => p.name === 'asgrad-2t');
    const result = (await targetsSuite.run(quickContext(peers))) as SuiteResult;
    expect(result.cases.map((c) => c.name)).toEqual(['64³ A·B', '64³ A·Bᵀ', '64³ Aᵀ·B']);
    const names = ['asgrad', ...(many ? ['asgrad-2t'] : []), 'tfjs-wasm'];
    expect(result.peers).toEqual(names);
    for (const c of result.cases) {
      expect(c.cells.map((x) => x.peer)).toEqual(names);
      for (const x of c.cells) {
        if (x.status !== 'ok') throw new Error(`${c.name} ${x.peer}: ${JSON.stringify(x)}`);
        // asgrad's A·B agrees with TF.js's, and its bits do not depend on the thread count.
        expect(x.mismatch).toBeUndefined();
        expect(x.seconds.median).toBeGreaterThan(0);
      }
    }
    const rows = result.tables![0].rows;
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row).toHaveLength(many ? 7 : 4);
      for (const i of many ? [1, 4] : [1]) expect(ratio(row[i])).toBeGreaterThan(0);
    }
    expect(kernelInfo().threads).toBe(1);
  }, 60_000);
});
