import { describe, expect, it } from 'vitest';
import { buildPeerName, otherBuild } from '../src/builds.js';
import { asgradPeers } from '../src/peers/asgrad.js';
import { sameProcessBuildPeer } from '../src/peers/same-process-build.js';
import type { SuiteResult } from '../src/report.js';
import { buildsSuite } from '../src/suites/builds.js';
import { quickContext } from './quick-context.js';

describe('builds suite', () => {
  it('pairs the other build and a control (the own build again, same bits) with asgrad', async () => {
    const peers = [...(await asgradPeers(1)), await sameProcessBuildPeer(otherBuild())];
    const other = buildPeerName(otherBuild(), 1);
    const result = (await buildsSuite.run(quickContext(peers))) as SuiteResult;
    expect(result.peers).toEqual(['asgrad', other, 'asgrad-copy']);
    expect(result.cases.length).toBeGreaterThan(0);
    for (const c of result.cases) {
      expect(c.cells.map((x) => x.peer)).toEqual(result.peers);
      for (const x of c.cells) {
        if (x.status !== 'ok') throw new Error(`${c.name} ${x.peer}: ${JSON.stringify(x)}`);
        // The other build within rounding, the control bit for bit.
        expect(x.mismatch).toBeUndefined();
      }
    }
    const rows = result.tables![0].rows;
    expect(rows.map((r) => r[0])).toEqual(result.cases.map((c) => c.name));
    for (const row of rows) {
      expect(row).toHaveLength(6);
      for (const i of [1, 4]) expect(Number(row[i].replace('×', ''))).toBeGreaterThan(0);
    }
  }, 60_000);
});
