import * as tf from '@tensorflow/tfjs';

// Unit tests run on the tfjs CPU backend, in Node.
await tf.setBackend('cpu');
await tf.ready();
