// conv kernels: validated wrappers (filled in by the kernels work).
export {};
