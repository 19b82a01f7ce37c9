// Every bad call throws an Error naming the op and the offending shapes / dtypes / values.
import { describe, expect, it } from 'vitest';
import {
  concat,
  conv2d,
  crossEntropy,
  grad,
  maxPool2d,
  mseLoss,
  randn,
  stack,
  type Tensor,
  tensor,
  zeros,
} from '../src/index.js';

describe('errors', () => {
  const a = randn([2, 3]);
  it('shape errors name the op and both shapes', () => {
    expect(() => a.matmul(randn([4, 5]))).toThrow('matmul: inner dimensions differ: [2,3] @ [4,5]');
    expect(() => a.add(randn([4]))).toThrow('add: shapes [2,3] and [4] cannot be broadcast together');
    expect(() => a.reshape(4, 2)).toThrow(
      'reshape: cannot reshape tensor of shape [2,3] (6 elements) into [4,2]',
    );
    expect(() => mseLoss(a, randn([3, 2]))).toThrow(
      'mseLoss: input [2,3] and target [3,2] must have the same shape',
    );
    expect(() => concat([a, randn([3, 3])], 1)).toThrow(/concat: shapes \[2,3\], \[3,3\]/);
    expect(() => stack([a, randn([3, 2])])).toThrow(/stack: all tensors must have the same shape/);
    expect(() => a.matmul(randn([2, 3, 4, 5]))).toThrow(/matmul: operands must be 2-D or 3-D/);
  });

  it('axis errors name the axis and the rank', () => {
    expect(() => a.sum(2)).toThrow('sum: axis 2 is out of range for a tensor of rank 2');
    expect(() => a.mean(-3)).toThrow('mean: axis -3 is out of range for a tensor of rank 2');
    expect(() => a.sum([0, 0])).toThrow(/sum: repeated axis/);
    expect(() => a.softmax(5)).toThrow(/softmax: axis 5 is out of range/);
    expect(() => a.permute(0, 0)).toThrow(/permute: repeated dimension/);
    expect(() => a.slice([[0, 1], 5])).toThrow(/slice: index 5 is out of range for axis 1 of size 3/);
  });

  it('dtype errors say what was expected', () => {
    const labels = tensor([1, 0], { dtype: 'int32' });
    expect(() => labels.exp()).toThrow(
      'exp: input must be float32, got int32 (shape [2]); cast with .float()',
    );
    expect(() => a.add(labels)).toThrow(/add: second operand must be float32, got int32/);
    expect(() => crossEntropy(a, labels.float())).toThrow(/crossEntropy: labels must be int32/);
    expect(() => {
      labels.requiresGrad = true;
    }).toThrow(/only float32 tensors can require grad/);
  });

  it('bad values are rejected before any kernel runs', () => {
    expect(() => crossEntropy(a, [0, 3])).toThrow(/label 3/);
    expect(() => crossEntropy(a, [0, 0.5])).toThrow(/label 0.5 at row 1 is not an integer/);
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged/);
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/3 values do not fill shape \[2,2\]/);
    expect(() => zeros([2, -1])).toThrow(/invalid shape \[2,-1\]/);
    expect(() => a.clamp(2, 1)).toThrow(/clamp: min 2 is greater than max 1/);
    expect(() => conv2d(randn([1, 2, 5, 5]), randn([3, 4, 3, 3]))).toThrow(
      /conv2d: input has 2 channels but weight \[3,4,3,3\] expects 4/,
    );
    expect(() => conv2d(randn([1, 1, 2, 2]), randn([1, 1, 3, 3]))).toThrow(
      /kernel 3x3 is larger than the padded input 2x2/,
    );
    expect(() => conv2d(randn([1, 1, 5, 5]), randn([1, 1, 3, 3]), null, { stride: 0 })).toThrow(
      /stride must be an integer >= 1/,
    );
    expect(() => maxPool2d(randn([1, 1, 4, 4]), {} as never)).toThrow(/kernelSize is required/);
  });

  it('a disposed tensor throws on use instead of reading freed memory', () => {
    const t = randn([3]);
    t.dispose();
    expect(() => t.add(1)).toThrow('add: first operand of shape [3] has been disposed');
    expect(() => t.dataSync()).toThrow(/has been disposed/);
    expect(() => a.mul(t)).toThrow(/second operand of shape \[3\] has been disposed/);
    t.dispose(); // idempotent
  });

  it('backward misuse is explained', () => {
    expect(() => randn([3]).sum().backward()).toThrow(/does not require grad/);
    const x = randn([3], { requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward()).toThrow('backward: grad must be given for a non-scalar output of shape [3]');
    const s = x.exp().sum();
    s.backward();
    expect(() => s.backward()).toThrow(/already freed by an earlier backward; pass \{ retainGraph: true \}/);
    expect(() => y.backward(randn([4]))).toThrow(/grad of shape \[4\] does not match output of shape \[3\]/);
    expect(() => grad((v: Tensor) => v.mul(2))(randn([3]))).toThrow(
      /grad: the function must return a scalar, got shape \[3\]/,
    );
    expect(() => {
      y.requiresGrad = false;
    }).toThrow(/only leaf tensors can change requiresGrad/);
  });
});
