import * as tf from '@tensorflow/tfjs';
import { CliError } from './errors.ts';
import { type BackendReady, selectBackend } from '../engine/backends.ts';
import type { BackendName } from '../sll/backendNames.ts';

export const NODE_BACKENDS: BackendName[] = ['wasm', 'cpu'];

/** `--backend` as the user gave it: wasm or cpu, or a message saying so. */
export function backendOption(value: string): 'wasm' | 'cpu' {
  if (value !== 'wasm' && value !== 'cpu')
    throw new CliError(`--backend must be wasm or cpu, got "${value}"`);
  return value;
}

/** WASM (tfjs 4.22 has no native Node backend we can install here) or the plain CPU backend. */
export async function startNodeBackend(choice: 'wasm' | 'cpu'): Promise<BackendReady> {
  return selectBackend(
    choice,
    async (name) => {
      if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
      if (!(await tf.setBackend(name))) throw new Error(`${name} failed to start`);
      await tf.ready();
      return { adapter: name === 'wasm' ? 'WASM in Node' : null };
    },
    NODE_BACKENDS,
  );
}
