// The kernel module: one export surface, grouped by family (one file each).
// Pointers are byte offsets into the imported linear memory; sizes are element counts.

export * from './elementwise';
export * from './memory';
