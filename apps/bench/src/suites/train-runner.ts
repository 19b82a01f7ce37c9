// Runs training cases across child processes, one per peer and model: set up every child,
// warm each up with the same steps (whose mean loss is the cross-peer check), choose steps
// per round from the warm-up's step time, then time rounds interleaved across the children
// (the order rotates each round) and read each child's peak RSS at the end. Shared by the
// `train` and `pytorch` suites.
import { errorText, summarize } from '../harness.js';
import { SEED } from '../random.js';
import type { CaseResult, Cell } from '../report.js';
import type { Child } from '../train/child.js';
import {
  initialWeights,
  type ModelName,
  rewarmSteps,
  roundsWithin,
  settleSteps,
  stepsPerRound,
  type TrainInit,
  type TrainLibrary,
} from '../train/spec.js';
import type { BenchContext } from './types.js';

export interface TrainPeer {
  /** Column name, e.g. 'asgrad' or 'torch-2t'. */
  name: string;
  library: TrainLibrary;
  threads: number;
  spawn: () => Child;
  /** Why this peer sits the case out, if it does. */
  skip?: (model: ModelName) => string | undefined;
}

export interface TrainPlan {
  model: ModelName;
  batch: number;
  warmupSteps: number;
  /**
   * After the warm-up steps, untimed rounds until the warm-up has lasted this long (seconds):
   * a fixed step count leaves fast peers short of their steady speed (see trainPlans).
   */
  settleSeconds?: number;
  /**
   * Before each timed round, untimed steps for about this long (seconds; none for a peer whose
   * step is longer): while the other children ran their rounds this one sat idle, and a core
   * left idle takes a while to come back up to speed (see trainPlans).
   */
  rewarmSeconds?: number;
  /** Most steps in a timed round (and the training images used: maxSteps · batch). */
  maxSteps: number;
  /** A round aims at this many seconds (fewer steps for slow peers, at least 1). */
  roundSeconds: number;
  reps: number;
  /** Timed rounds per peer stop at this many seconds (at least one round runs). */
  budgetSeconds: number;
  /** A peer whose first step takes longer than this (seconds) is not timed further; its cell says how slow it was. */
  maxStepSeconds: number;
  /** Relative difference of the warm-up loss from the reference peer's that marks ≠ (none: no check). */
  lossTolerance?: number;
}

/** Per peer: what the detail table shows. */
export interface TrainDetail {
  peer: string;
  library?: string;
  steps?: number;
  rounds?: number;
  warmupLoss?: number;
  lastLoss?: number;
  setupRss?: number;
  roundRss: number[];
  maxRss?: number;
}

type InitReply = { library: { name: string; version: string; build: string }; rss: number };
type RoundReply = { seconds: number; loss: number; rss: number };

interface Live {
  peer: TrainPeer;
  child: Child;
  detail: TrainDetail;
  steps: number;
  /** Untimed steps before each timed round. */
  rewarm: number;
  rounds: number;
  perStep: number[];
}

export async function runTraining(
  ctx: BenchContext,
  plan: TrainPlan,
  peers: TrainPeer[],
  reference: string,
  dataFile: string,
): Promise<{ result: CaseResult; details: TrainDetail[] }> {
  const cells = new Map<string, Cell>();
  const details = new Map<string, TrainDetail>();
  const weights = Object.fromEntries(
    Object.entries(initialWeights(plan.model, SEED)).map(([k, v]) => [k, Array.from(v)]),
  );
  const live: Live[] = [];
  const fail = (l: Live, e: unknown, when: string) => {
    const done = l.perStep.length;
    cells.set(l.peer.name, {
      peer: l.peer.name,
      status: 'error',
      error: `${when}${done > 0 ? ` (after ${done} timed round${done === 1 ? '' : 's'})` : ''}: ${errorText(e)}`,
    });
    live.splice(live.indexOf(l), 1);
    l.child.kill();
  };
  // Set-up in parallel (not timed): loading libraries and MNIST.
  ctx.log(`train ${plan.model}: starting ${peers.length} child processes`);
  await Promise.all(
    peers.map(async (peer) => {
      const detail: TrainDetail = { peer: peer.name, roundRss: [] };
      details.set(peer.name, detail);
      const why = peer.skip?.(plan.model);
      if (why) {
        cells.set(peer.name, { peer: peer.name, status: 'skipped', reason: why });
        return;
      }
      const child = peer.spawn();
      const init: TrainInit = {
        cmd: 'init',
        library: peer.library,
        model: plan.model,
        batch: plan.batch,
        samples: plan.maxSteps * plan.batch,
        threads: peer.threads,
        seed: SEED,
        weights,
        dataFile,
      };
      const l: Live = { peer, child, detail, steps: 0, rewarm: 0, rounds: 0, perStep: [] };
      live.push(l);
      try {
        const r = await child.request<InitReply>(init);
        detail.library = `${r.library.name} ${r.library.version} (${r.library.build})`;
        detail.setupRss = r.rss;
      } catch (e) {
        fail(l, e, 'set-up');
      }
    }),
  );
  // Warm-up, one child at a time; the same steps from the same weights for every peer. The
  // first step (compiles, first allocations) alone decides whether a peer is too slow to time;
  // the other warm-up steps give the step time that sizes its rounds.
  const round = (l: Live, steps: number) => l.child.request<RoundReply>({ cmd: 'round', steps });
  for (const l of [...live]) {
    ctx.log(`train ${plan.model}: warm-up ${l.peer.name} (${plan.warmupSteps} steps)`);
    try {
      const first = await round(l, 1);
      if (first.seconds > plan.maxStepSeconds) {
        const rate = plan.batch / first.seconds;
        fail(
          l,
          `its first step took ${first.seconds.toFixed(0)} s (≈ ${rate.toPrecision(2)} samples/s), over this run's ${plan.maxStepSeconds} s limit`,
          'too slow to time',
        );
        continue;
      }
      const rest = plan.warmupSteps > 1 ? await round(l, plan.warmupSteps - 1) : undefined;
      l.detail.warmupLoss = rest
        ? (first.loss + rest.loss * (plan.warmupSteps - 1)) / plan.warmupSteps
        : first.loss;
      let step = rest ? rest.seconds / (plan.warmupSteps - 1) : first.seconds;
      let spent = first.seconds + (rest?.seconds ?? 0);
      for (;;) {
        const steps = settleSteps(spent, plan.settleSeconds ?? 0, step, plan.maxSteps);
        if (steps === 0) break;
        const r = await round(l, steps);
        spent += r.seconds;
        step = r.seconds / steps; // rounds are sized at the settled speed
      }
      l.steps = stepsPerRound(step, plan.roundSeconds, plan.maxSteps);
      l.rewarm = rewarmSteps(step, plan.rewarmSeconds ?? 0, plan.maxSteps);
      l.rounds = roundsWithin(step * l.steps, plan.budgetSeconds, plan.reps);
      l.detail.steps = l.steps;
    } catch (e) {
      fail(l, e, 'warm-up');
    }
  }
  // Timed rounds, interleaved.
  for (let r = 0; r < plan.reps; r++) {
    const order = [...live];
    for (let i = 0; i < order.length; i++) {
      const l = order[(i + r) % order.length];
      if (!live.includes(l) || l.perStep.length >= l.rounds) continue;
      ctx.log(
        `train ${plan.model}: ${l.peer.name} round ${r + 1} (${l.rewarm > 0 ? `${l.rewarm} untimed, then ` : ''}${l.steps} steps)`,
      );
      try {
        if (l.rewarm > 0) await round(l, l.rewarm);
        const res = await l.child.request<RoundReply>({
          cmd: 'round',
          steps: l.steps,
        });
        l.perStep.push(res.seconds / l.steps);
        l.detail.lastLoss = res.loss;
        l.detail.roundRss.push(res.rss);
      } catch (e) {
        fail(l, e, `round ${r + 1}`);
      }
    }
  }
  for (const l of live) {
    l.detail.rounds = l.perStep.length;
    l.detail.maxRss = await l.child.finish();
    cells.set(l.peer.name, {
      peer: l.peer.name,
      status: 'ok',
      seconds: summarize(l.perStep),
      reps: l.perStep.length,
    });
  }
  if (plan.lossTolerance !== undefined) {
    const ref = details.get(reference)?.warmupLoss;
    for (const [name, cell] of cells) {
      const loss = details.get(name)?.warmupLoss;
      if (cell.status !== 'ok' || ref === undefined || loss === undefined) continue;
      const rel = Math.abs(loss - ref) / Math.abs(ref);
      if (rel > plan.lossTolerance)
        cell.mismatch = `warm-up loss ${loss.toPrecision(4)} vs ${reference}'s ${ref.toPrecision(4)}`;
    }
  }
  const label = plan.model === 'mlp' ? 'MNIST MLP 784-128-10' : 'MNIST CNN';
  return {
    result: {
      name: `${label}, Adam, batch ${plan.batch}`,
      params: { model: plan.model, batch: plan.batch, warmupSteps: plan.warmupSteps },
      samples: plan.batch,
      cells: peers.map((p) => cells.get(p.name)!),
    },
    details: peers.map((p) => details.get(p.name)!),
  };
}

const mib = (b?: number) => (b === undefined ? '—' : `${Math.round(b / 2 ** 20)} MiB`);

/** The detail table's rows: steps, rounds, losses, memory; says when RSS grew every round. */
export function detailRows(model: string, details: TrainDetail[]): string[][] {
  return details
    .filter((d) => d.library !== undefined)
    .map((d) => {
      const rss = d.roundRss;
      // Growth every round by more than allocator noise: a leak or an ever-growing heap.
      const grows =
        rss.length >= 3 &&
        rss.every((v, i) => i === 0 || v > rss[i - 1]) &&
        rss[rss.length - 1] - rss[0] > 16 * 2 ** 20;
      const growth = grows
        ? `RSS grew every round (+${mib(rss[rss.length - 1] - rss[0])} over ${rss.length - 1})`
        : '';
      return [
        model,
        d.peer,
        d.steps === undefined ? '—' : `${d.rounds ?? 0} × ${d.steps}`,
        d.warmupLoss === undefined ? '—' : d.warmupLoss.toFixed(4),
        d.lastLoss === undefined ? '—' : d.lastLoss.toFixed(4),
        mib(d.setupRss),
        mib(d.maxRss),
        growth,
      ];
    });
}

export const DETAIL_HEADER = [
  'model',
  'peer',
  'rounds × steps',
  'warm-up loss',
  'last round loss',
  'RSS after set-up',
  'peak RSS',
  'note',
];
