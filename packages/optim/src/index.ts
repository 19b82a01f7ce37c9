export { ready } from '@asgrad/autograd';
