import * as tf from '@tensorflow/tfjs';
import { CliError } from './errors.ts';
import { dawnAdapter } from './dawn.ts';
import { type BackendReady, gpuAdapterLabel, selectBackend } from '../engine/backends.ts';

export const NODE_BACKENDS = ['wasm', 'cpu', 'webgpu'] as const;
export type NodeBackendName = (typeof NODE_BACKENDS)[number];
/** The choices as help texts list them. */
export const NODE_BACKEND_USAGE = NODE_BACKENDS.join('|');

/** `--backend` as the user gave it, or a message saying what it may be. */
export function backendOption(value: string): NodeBackendName {
  if (!(NODE_BACKENDS as readonly string[]).includes(value))
    throw new CliError(`--backend must be wasm, cpu or webgpu, got "${value}"`);
  return value as NodeBackendName;
}

/** What the device's `lost` promise gives tfjs's WebGPU backend (and us) when the GPU goes away. */
interface GpuDeviceLike {
  lost: Promise<{ reason?: string; message?: string }>;
}

async function startWebgpu(): Promise<{ adapter: string; lost: Promise<string> }> {
  const adapter = await dawnAdapter();
  // tfjs registers its WebGPU backend only where navigator.gpu exists when it is imported.
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('webgpu failed to start');
  await tf.ready();
  const device = (tf.backend() as unknown as { device: GpuDeviceLike }).device;
  const lost = device.lost.then((info) => info.message || info.reason || 'no reason given');
  return { adapter: `${gpuAdapterLabel(adapter.info ?? {}) || 'WebGPU adapter'} through Dawn`, lost };
}

/**
 * The backend the user chose, or a CliError saying why it cannot run here: WASM (tfjs 4.22 has no
 * native Node backend we can install here), the plain CPU backend, or WebGPU through Dawn.
 */
export async function startNodeBackend(choice: NodeBackendName): Promise<BackendReady> {
  try {
    return await selectBackend(
      choice,
      async (name) => {
        if (name === 'webgpu') return startWebgpu();
        if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
        if (!(await tf.setBackend(name))) throw new Error(`${name} failed to start`);
        await tf.ready();
        return { adapter: name === 'wasm' ? 'WASM in Node' : null };
      },
      [choice],
    );
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}
