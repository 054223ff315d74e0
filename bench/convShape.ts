// Free of tfjs, so the benchmark page (not only its worker) can name a shape.

/** Conv layer shape: an SLL convolution, size x size, channels -> channels, 3x3. */
export interface ConvShape {
  batch: number;
  size: number;
  channels: number;
}

/** The `lab` preset's layer at `batch`: the shape every formulations table is timed at. */
export const labLayerShape = (batch: number): ConvShape => ({ batch, size: 32, channels: 16 });
