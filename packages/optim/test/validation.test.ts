// Bad input: each a clear error naming the optimizer and the problem, with nothing changed.
import type * as ag from '@asgrad/autograd';
import { describe, expect, it } from 'vitest';
import {
  Adadelta,
  Adagrad,
  Adam,
  Adamax,
  AdamW,
  Lion,
  NAdam,
  type OptimizerStateDict,
  RMSprop,
  SGD,
} from '../src/index.js';
import { backward, CLASSES, model, nonLeafTensor } from './helpers.js';

const snapshot = (opt: { stateDict(): OptimizerStateDict }) =>
  JSON.stringify(opt.stateDict(), (_k, v) => (v instanceof Float32Array ? Array.from(v) : v));

/** An optimizer two steps in, with the parameters' values, to check nothing changes. */
function trained(make: (W: ag.Tensor, b: ag.Tensor) => InstanceType<(typeof CLASSES)[string]>) {
  const { W, b } = model();
  const opt = make(W, b);
  for (let t = 0; t < 2; t++) {
    opt.zeroGrad();
    backward(W, b);
    opt.step();
  }
  const before = { state: snapshot(opt), W: W.dataSync(), b: b.dataSync() };
  const unchanged = () => {
    expect(snapshot(opt)).toBe(before.state);
    expect(W.dataSync()).toEqual(before.W);
    expect(b.dataSync()).toEqual(before.b);
  };
  return { opt, W, b, unchanged };
}

describe('constructor options', () => {
  for (const [name, Cls] of Object.entries(CLASSES)) {
    it(`${name}: negative lr`, () => {
      const { W } = model();
      expect(() => new Cls([W], { lr: -0.1 })).toThrow(
        new RegExp(`^${name}: invalid learning rate -0.1 \\(must be a finite number >= 0\\)$`),
      );
      expect(() => new Cls([W], { lr: Number.NaN })).toThrow(`${name}: invalid learning rate NaN`);
    });
  }

  for (const Cls of [Adam, AdamW, Adamax, NAdam, Lion]) {
    it(`${Cls.name}: betas outside [0, 1)`, () => {
      const { W } = model();
      expect(() => new Cls([W], { betas: [1, 0.999] })).toThrow(
        `${Cls.name}: invalid beta parameter at index 0 1 (must be in [0, 1))`,
      );
      expect(() => new Cls([W], { betas: [0.9, -0.1] })).toThrow(`invalid beta parameter at index 1 -0.1`);
      expect(() => new Cls([W], { betas: [0.9] as unknown as [number, number] })).toThrow(
        `${Cls.name}: betas must be a pair [beta1, beta2], got [0.9]`,
      );
    });
  }

  it('SGD: nesterov without momentum or with dampening', () => {
    const { W } = model();
    expect(() => new SGD([W], { nesterov: true })).toThrow(
      'SGD: Nesterov momentum requires a momentum > 0 and zero dampening (got momentum 0, dampening 0)',
    );
    expect(() => new SGD([W], { nesterov: true, momentum: 0.9, dampening: 0.1 })).toThrow(
      /got momentum 0.9, dampening 0.1/,
    );
  });

  it('other ranges', () => {
    const { W } = model();
    expect(() => new SGD([W], { momentum: -1 })).toThrow('SGD: invalid momentum value -1');
    expect(() => new Adam([W], { eps: -1e-8 })).toThrow('Adam: invalid epsilon value -1e-8');
    expect(() => new AdamW([W], { weightDecay: -0.01 })).toThrow('AdamW: invalid weight_decay value -0.01');
    expect(() => new Adagrad([W], { lrDecay: -1 })).toThrow('Adagrad: invalid lr_decay value -1');
    expect(() => new Adadelta([W], { rho: 1.5 })).toThrow(
      'Adadelta: invalid rho value 1.5 (must be in [0, 1])',
    );
    expect(() => new RMSprop([W], { alpha: -0.1 })).toThrow('RMSprop: invalid alpha value -0.1');
    expect(() => new NAdam([W], { momentumDecay: -1 })).toThrow('NAdam: invalid momentum_decay value -1');
    expect(() => new Adam([W], { amsgrad: 1 as unknown as boolean })).toThrow(
      'Adam: amsgrad must be a boolean, got 1',
    );
  });

  it('an unknown option names what the optimizer takes (a Keras name, say)', () => {
    const { W } = model();
    expect(() => new Adam([W], { learningRate: 0.1 } as object)).toThrow(
      "Adam: unknown option 'learningRate' (Adam takes lr, betas, eps, weightDecay, amsgrad, maximize)",
    );
  });

  it('a bad option inside a param group', () => {
    const { W, b } = model();
    expect(() => new SGD([{ params: [W] }, { params: [b], lr: -1 }])).toThrow(
      'SGD: invalid learning rate -1',
    );
  });
});

describe('parameters', () => {
  it('a non-leaf tensor', () => {
    expect(() => new Adam([nonLeafTensor()])).toThrow(
      'Adam: paramGroups[0].params[0] is not a leaf tensor (it was computed by an op); optimize the tensors you created',
    );
  });

  it('not tensors, empty, repeated, disposed', () => {
    const { W, b } = model();
    expect(() => new Adam([W, [1, 2] as unknown as ag.Tensor])).toThrow(
      'Adam: params[1] is not a Tensor (got [1, 2]); pass Tensors or param groups, not a mix',
    );
    expect(() => new Adam([{ params: [W] }, 5 as unknown as { params: ag.Tensor[] }])).toThrow(
      'Adam: param group 1 must be an object with a params array, got 5',
    );
    expect(() => new Adam([{ params: [W, 3 as unknown as ag.Tensor] }])).toThrow(
      'Adam: paramGroups[0].params[1] is not a Tensor (got 3)',
    );
    expect(() => new Adam(W as unknown as ag.Tensor[])).toThrow(
      'Adam: params must be an array of Tensors or of param groups',
    );
    expect(() => new Adam([])).toThrow('Adam: got an empty parameter list');
    expect(() => new Adam([W, W])).toThrow('Adam: paramGroups[0].params[1] appears twice in the group');
    expect(() => new Adam([{ params: [W] }, { params: [b, W] }])).toThrow(
      'Adam: some parameters appear in more than one parameter group',
    );
    b.dispose();
    expect(() => new Adam([W, b])).toThrow('Adam: paramGroups[0].params[1] has been disposed');
  });

  it('addParamGroup with a parameter already present changes nothing', () => {
    const { W, b } = model();
    const opt = new Adam([W]);
    expect(() => opt.addParamGroup({ params: [b, W] })).toThrow(
      'Adam.addParamGroup: some parameters appear in more than one parameter group',
    );
    expect(() => opt.addParamGroup({ params: [b], lr: -1 })).toThrow(
      'Adam.addParamGroup: invalid learning rate -1',
    );
    expect(opt.paramGroups.length).toBe(1);
  });
});

describe('step', () => {
  it('an option made invalid between steps is caught before any parameter moves', () => {
    const { opt, unchanged } = trained((W, b) => new Adam([{ params: [W] }, { params: [b] }], { lr: 0.1 }));
    opt.paramGroups[1].lr = -1;
    expect(() => opt.step()).toThrow('Adam.step: invalid learning rate -1');
    opt.paramGroups[1].lr = 0.1;
    unchanged();
  });

  it('a disposed gradient is caught before any parameter moves', () => {
    const { opt, W, b, unchanged } = trained((W, b) => new SGD([W, b], { lr: 0.1, momentum: 0.9 }));
    backward(W, b);
    b.grad!.dispose();
    expect(() => opt.step()).toThrow(
      'SGD.step: the gradient of paramGroups[0].params[1] is disposed or not a Tensor',
    );
    unchanged();
  });
});

describe('loadStateDict', () => {
  it('a state dict of another optimizer', () => {
    const { opt, unchanged } = trained((W, b) => new Adam([W, b], { lr: 0.1 }));
    const other = trained((W, b) => new SGD([W, b], { lr: 0.1, momentum: 0.9 }));
    expect(() => opt.loadStateDict(other.opt.stateDict())).toThrow(
      "Adam.loadStateDict: this state dict was saved by 'SGD', not by Adam",
    );
    // Relabelled, it still does not fit: the options and the state keys are SGD's.
    const relabelled = { ...other.opt.stateDict(), optimizer: 'Adam' };
    expect(() => opt.loadStateDict(relabelled)).toThrow(
      "Adam.loadStateDict: paramGroups[0] lacks the option 'betas' (a state dict of another optimizer?)",
    );
    const adamw = trained((W, b) => new AdamW([W, b]));
    expect(() => opt.loadStateDict(adamw.opt.stateDict())).toThrow(/saved by 'AdamW', not by Adam/);
    unchanged();
  });

  it('mismatched shapes, group sizes, missing or unexpected state, bad values', () => {
    const { opt, unchanged } = trained((W, b) => new Adam([W, b], { lr: 0.1, amsgrad: true }));
    const good = opt.stateDict();
    const edit = (f: (sd: OptimizerStateDict) => void) => {
      const sd = structuredClone(good);
      f(sd);
      return sd;
    };
    expect(() => opt.loadStateDict(edit((sd) => (sd.state[0].expAvg = new Float32Array(4))))).toThrow(
      "Adam.loadStateDict: state 'expAvg' of parameter 0 has 4 values but the parameter has shape [1, 3] (3 values)",
    );
    expect(() => opt.loadStateDict(edit((sd) => sd.paramGroups[0].params.pop()))).toThrow(
      'Adam.loadStateDict: paramGroups[0] has 1 parameters in the state dict but 2 here',
    );
    expect(() =>
      opt.loadStateDict(edit((sd) => sd.paramGroups.push({ ...sd.paramGroups[0], params: [] }))),
    ).toThrow('Adam.loadStateDict: the state dict has 2 param groups, this optimizer has 1');
    expect(() => opt.loadStateDict(edit((sd) => delete sd.state[1].step))).toThrow(
      "Adam.loadStateDict: state of parameter 1 lacks 'step'",
    );
    expect(() => opt.loadStateDict(edit((sd) => (sd.state[1].momentumBuffer = new Float32Array(1))))).toThrow(
      "Adam.loadStateDict: state of parameter 1 has an unexpected entry 'momentumBuffer'",
    );
    expect(() => opt.loadStateDict(edit((sd) => (sd.state[5] = {})))).toThrow(
      'Adam.loadStateDict: state for parameter 5, which no param group lists',
    );
    expect(() => opt.loadStateDict(edit((sd) => (sd.paramGroups[0].lr = -1)))).toThrow(
      'Adam.loadStateDict: invalid learning rate -1',
    );
    expect(() => opt.loadStateDict(edit((sd) => (sd.state[0].step = Number.NaN)))).toThrow(
      "Adam.loadStateDict: state 'step' of parameter 0 must be a finite number, got NaN",
    );
    const viaJson = JSON.parse(JSON.stringify(edit((sd) => (sd.state[0].expAvg = [Number.NaN, 0, 0]))));
    expect(() => opt.loadStateDict(viaJson)).toThrow(
      "Adam.loadStateDict: state 'expAvg' of parameter 0 holds a non-number (JSON writes NaN and ±Infinity as null)",
    );
    expect(() => opt.loadStateDict({} as OptimizerStateDict)).toThrow(
      /expected \{ optimizer, state, paramGroups \}/,
    );
    unchanged();
    // The unedited dict loads.
    opt.loadStateDict(good);
    unchanged();
  });
});
