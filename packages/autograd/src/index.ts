/**
 * @asgrad/autograd: tensors with PyTorch-style define-by-run autograd.
 */
export { kernelInfo, ready } from '@asgrad/kernels';
