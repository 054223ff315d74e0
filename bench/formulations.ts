/**
 * The same convolution work in the forms tfjs offers, timed on the active backend: what the
 * engine's per-backend choices (src/kernels/portableConv.ts) are based on.
 */
import * as tf from '@tensorflow/tfjs';
import {
  convByTranspose,
  filterGradientByIm2col,
  filterGradientBySwap,
  filterGradientNative,
} from '../src/kernels/portableConv.ts';
import { createRng } from '../src/sll/rng.ts';
import type { ConvShape } from './convShape.ts';
import { type TimingPlan, timeInterleaved } from './timing.ts';

export interface FormulationTiming {
  backend: string;
  /** What is computed, e.g. "filter gradient". */
  work: string;
  /** How: a `ConvForms` value (src/kernels/portableConv.ts). */
  form: string;
  shape: string;
  ms: number;
}

function randomTensor(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  const rng = createRng(seed);
  return tf.tensor4d(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
    shape,
  );
}

const read = async (make: () => tf.Tensor) => {
  const t = make();
  await t.data();
  t.dispose();
};

export async function measureFormulations(shape: ConvShape, plan: TimingPlan): Promise<FormulationTiming[]> {
  const { batch, size, channels: c } = shape;
  const x = randomTensor([batch, size, size, c], 1);
  const dy = randomTensor([batch, size, size, c], 2);
  const filter = randomTensor([3, 3, c, c], 3);
  const label = `batch ${batch}, ${size}x${size}, ${c}->${c}, 3x3`;
  const forms: { work: string; form: string; run: () => tf.Tensor }[] = [
    { work: 'convolution', form: 'conv2d', run: () => tf.conv2d(x, filter, 1, 1) },
    {
      work: 'convolution',
      form: 'conv2dTranspose, adjoint filter',
      run: () => convByTranspose(x, filter, 1),
    },
    { work: 'filter gradient', form: 'swap', run: () => filterGradientBySwap(x, dy, 3, 3, 1) },
    { work: 'filter gradient', form: 'im2col', run: () => filterGradientByIm2col(x, dy, 3, 3, 1) },
  ];
  // The WASM backend has no Conv2DBackpropFilter at all.
  if (tf.getKernel('Conv2DBackpropFilter', tf.getBackend())) {
    forms.push({ work: 'filter gradient', form: 'native', run: () => filterGradientNative(x, dy, 3, 3, 1) });
  }
  try {
    const timings = await timeInterleaved(
      forms.map((f) => () => read(f.run)),
      plan,
    );
    return forms.map((f, i) => ({
      backend: tf.getBackend(),
      work: f.work,
      form: f.form,
      shape: label,
      ms: timings[i].medianMs,
    }));
  } finally {
    tf.dispose([x, dy, filter]);
  }
}
