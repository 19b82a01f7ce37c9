// jax-js's training in its idiomatic fastest form: one `jit`-compiled step that takes the
// parameters and Adam state, runs `valueAndGrad` of the loss and the Adam update, and
// returns the new ones (arrays are reference-counted: every input is consumed once).
import {
  defaultDevice,
  init as initJax,
  jit,
  lax,
  nn,
  numpy as np,
  random,
  tree,
  valueAndGrad,
} from '@jax-js/jax';
import { transpose2d } from '../layout.js';
import { packageVersion } from '../machine.js';
import { ADAM, DROPOUT, MODEL_PARAMS, type TrainInit } from './spec.js';
import { type TrainData, type Trainer, weightArrays } from './trainer.js';

type Params = Record<string, np.Array>;

const pool = (x: np.Array) => lax.reduceWindow(x, (w: np.Array) => np.max(w), [2, 2], [2, 2]);

function logits(init: TrainInit, p: Params, x: np.Array, key: np.Array | undefined): np.Array {
  const b = init.batch;
  if (init.model === 'mlp') {
    const h = nn.relu(np.matmul(x, p['fc1.weight']).add(p['fc1.bias']));
    return np.matmul(h, p['fc2.weight']).add(p['fc2.bias']);
  }
  let h = lax.conv(x, p['conv1.weight'], [1, 1], 'VALID').add(p['conv1.bias'].reshape([1, 32, 1, 1]));
  h = pool(nn.relu(h));
  h = lax.conv(h, p['conv2.weight'], [1, 1], 'VALID').add(p['conv2.bias'].reshape([1, 64, 1, 1]));
  h = pool(nn.relu(h)).reshape([b, 1600]);
  // Inverted dropout, as the other libraries do it.
  const keep = random.bernoulli(key!, 1 - DROPOUT, [b, 1600]);
  h = np.where(keep, h.mul(1 / (1 - DROPOUT)), 0);
  return np.matmul(h, p['fc.weight']).add(p['fc.bias']);
}

export async function jaxTrainer(init: TrainInit, data: TrainData): Promise<Trainer> {
  await initJax('wasm');
  defaultDevice('wasm');
  const w = weightArrays(init);
  let p: Params = {};
  let m: Params = {};
  let v: Params = {};
  for (const s of MODEL_PARAMS[init.model]) {
    // Dense weights as [in, out] so the step computes x·W.
    const dense = s.shape.length === 2;
    const shape = dense ? [s.shape[1], s.shape[0]] : s.shape;
    p[s.name] = np.array(dense ? transpose2d(w[s.name], s.shape[0], s.shape[1]) : w[s.name], { shape });
    m[s.name] = np.zeros(shape);
    v[s.name] = np.zeros(shape);
  }
  const b = init.batch;
  const cnn = init.model === 'cnn';
  const loss = (p: Params, x: np.Array, y: np.Array, key?: np.Array) =>
    nn
      .logSoftmax(logits(init, p, x, key))
      .mul(y)
      .sum()
      .mul(-1 / b);
  // lrT = lr·√(1-β2ᵗ)/(1-β1ᵗ) and epsT = eps·√(1-β2ᵗ): PyTorch's bias-corrected Adam, passed
  // in as arrays so the compiled step does not depend on t.
  const body = (
    p: Params,
    m: Params,
    v: Params,
    lrT: np.Array,
    epsT: np.Array,
    x: np.Array,
    y: np.Array,
    key?: np.Array,
  ) => {
    const [l, g] = key ? valueAndGrad(loss)(tree.ref(p), x, y, key) : valueAndGrad(loss)(tree.ref(p), x, y);
    const P: Params = {};
    const M: Params = {};
    const V: Params = {};
    const names = Object.keys(p);
    for (const [i, k] of names.entries()) {
      const last = i === names.length - 1;
      const gk = (g as Params)[k];
      M[k] = m[k].mul(ADAM.beta1).add(gk.ref.mul(1 - ADAM.beta1));
      V[k] = v[k].mul(ADAM.beta2).add(gk.ref.mul(gk).mul(1 - ADAM.beta2));
      const denom = np.sqrt(V[k].ref).add(last ? epsT : epsT.ref);
      P[k] = p[k].sub(M[k].ref.div(denom).mul(last ? lrT : lrT.ref));
    }
    return [l, P, M, V] as [np.Array, Params, Params, Params];
  };
  const step = cnn
    ? jit(body)
    : jit((p: Params, m: Params, v: Params, lrT: np.Array, epsT: np.Array, x: np.Array, y: np.Array) =>
        body(p, m, v, lrT, epsT, x, y),
      );
  let t = 0;
  const xShape = cnn ? [b, 1, 28, 28] : [b, 784];
  return {
    library: {
      name: '@jax-js/jax',
      version: packageVersion('@jax-js/jax'),
      build: 'wasm device, jit(valueAndGrad + Adam) step, 1 thread',
    },
    async round(steps) {
      let total = 0;
      const t0 = performance.now();
      for (let s = 0; s < steps; s++) {
        t++;
        const bc1 = 1 - ADAM.beta1 ** t;
        const bc2 = 1 - ADAM.beta2 ** t;
        const lrT = np.array((ADAM.lr * Math.sqrt(bc2)) / bc1);
        const epsT = np.array(ADAM.eps * Math.sqrt(bc2));
        const x = np.array(data.x.subarray(s * b * 784, (s + 1) * b * 784), { shape: xShape });
        const onehot = new Float32Array(b * 10);
        for (let i = 0; i < b; i++) onehot[i * 10 + data.y[s * b + i]] = 1;
        const y = np.array(onehot, { shape: [b, 10] });
        const out = cnn
          ? step(p, m, v, lrT, epsT, x, y, random.key(init.seed + t))
          : (step as (...a: unknown[]) => [np.Array, Params, Params, Params])(p, m, v, lrT, epsT, x, y);
        const [l, P, M, V] = out;
        p = P;
        m = M;
        v = V;
        total += (await l.data())[0];
      }
      return { seconds: (performance.now() - t0) / 1e3, loss: total / steps };
    },
  };
}
