// pool kernels (filled in by the kernels work).
export {};
