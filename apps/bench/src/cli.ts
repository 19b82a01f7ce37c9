#!/usr/bin/env node
import { kernelInfo, ready } from '@asgrad/autograd';

await ready();
console.log(`asgrad kernels: ${JSON.stringify(kernelInfo())}`);
