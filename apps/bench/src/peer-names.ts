// asgrad's peers on n threads are named `asgrad` (1 thread) and `asgrad-<n>t`; the context, the
// suites and the report read the thread count back from the name.

export const asgradPeerName = (threads: number) => (threads === 1 ? 'asgrad' : `asgrad-${threads}t`);

/** The thread count of `asgrad-<n>t`; undefined for any other name (`asgrad` included). */
export function asgradThreads(name: string): number | undefined {
  const n = /^asgrad-(\d+)t$/.exec(name)?.[1];
  return n === undefined ? undefined : Number(n);
}
