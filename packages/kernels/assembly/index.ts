// The kernel module: one export surface, grouped by family (one file each).
// Pointers are byte offsets into the imported linear memory; sizes are element counts.

export * from './elementwise';
export * from './matmul';
export * from './reduce';
export * from './softmax';
export * from './random';
export * from './conv';
export * from './pool';
export * from './optim';
export * from './memory';
