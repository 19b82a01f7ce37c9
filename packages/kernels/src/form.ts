// A split job's arguments, as runChunks reads them: argument j of a chunk [start, end) on thread
// t is terms[4j] + terms[4j+1]·start + terms[4j+2]·end + terms[4j+3]·t. Built by appending to one
// flat array: the nested [v, 0, 0, 0] arrays joined with .flat() that this replaces took 2-3 µs
// of a 2-thread optimizer step over 65,536 parameters whose chunks ran 8 µs.

export class Form {
  readonly terms: number[] = [];

  /** The same value in every chunk. */
  fixed(v: number): this {
    this.terms.push(v, 0, 0, 0);
    return this;
  }

  /** Each of `values`, the same in every chunk. */
  fixedAll(values: readonly number[]): this {
    for (const v of values) this.terms.push(v, 0, 0, 0);
    return this;
  }

  /** base + step·start: a pointer that moves with the chunk, step bytes per unit. */
  advancing(base: number, step: number): this {
    this.terms.push(base, step, 0, 0);
    return this;
  }

  /** As advancing, but a 0 pointer (a buffer the kernel does not use) stays 0 in every chunk. */
  optional(base: number, step: number): this {
    return base === 0 ? this.fixed(0) : this.advancing(base, step);
  }

  /** The chunk's start. */
  start(): this {
    this.terms.push(0, 1, 0, 0);
    return this;
  }

  /** The chunk's end. */
  end(): this {
    this.terms.push(0, 0, 1, 0);
    return this;
  }

  /** end − start: the chunk's size. */
  count(): this {
    this.terms.push(0, -1, 1, 0);
    return this;
  }

  /** base + step·thread: this thread's share of a scratch block. */
  perThread(base: number, step: number): this {
    this.terms.push(base, 0, 0, step);
    return this;
  }
}
