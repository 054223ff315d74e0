// Free of tfjs, so the benchmark page (not only its worker) can name a shape.
import { presetArch } from '../src/sll/arch.ts';

/** Conv layer shape: an SLL convolution, size x size, channels -> channels, 3x3. */
export interface ConvShape {
  batch: number;
  size: number;
  channels: number;
}

/** The `lab` preset's layer at `batch`: the shape every formulations table is timed at. */
export function labLayerShape(batch: number): ConvShape {
  const lab = presetArch('lab');
  return { batch, size: lab.imageSize, channels: lab.width };
}
