import type { WorkerEvent } from '../protocol.ts';

/** The buffers of an event that move to the page instead of being copied. */
export function transferablesOf(event: WorkerEvent): Transferable[] {
  if (event.type === 'evaluation') return [event.radii.buffer, event.predictions.buffer, event.labels.buffer];
  if (event.type === 'samples') return [event.images.buffer, event.labels.buffer];
  if (event.type === 'onnx') return [event.bytes.buffer];
  return [];
}
