// Where static data ends: the TypeScript allocator owns everything above it.
export function heap_base(): usize {
  return __heap_base;
}
