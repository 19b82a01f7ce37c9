// The one seeded generator behind rand, randn, dropout and initialisers (Philox 4x32-10,
// counter-based: the same seed gives the same numbers on every platform and thread count).
import { Philox } from '@asgrad/kernels';

let generator: Philox | undefined;

/** Seeds the global generator; a run with the same seed is bit-identical. */
export function manualSeed(seed: number | bigint): void {
  generator = new Philox(seed);
}

/** The global generator (seeded from the clock until manualSeed is called). */
export function globalGenerator(): Philox {
  generator ??= new Philox(BigInt(Date.now()) * 1000003n + BigInt(Math.floor(Math.random() * 1e9)));
  return generator;
}

/** The generator's position, for checkpoints: restore it with setGeneratorState. */
export function generatorState(): ReturnType<Philox['state']> {
  return globalGenerator().state();
}

export function setGeneratorState(state: ReturnType<Philox['state']>): void {
  globalGenerator().setState(state);
}
