/**
 * Backend choice: WebGPU, then WebGL, then WASM, then CPU, each tried for real; the user may force
 * one (the others then serve as fallbacks). Every backend that was passed over says why.
 */
import { type BackendFallback } from '../protocol.ts';
import { BACKEND_NAMES, type BackendChoice, type BackendName } from '../sll/backendNames.ts';

export interface BackendReady {
  backend: BackendName;
  /** What runs it: the GPU adapter, or the WASM features. */
  adapter: string | null;
  fallbacks: BackendFallback[];
  /** Settles with the reason if the backend's device or context is lost later (GPU backends only). */
  lost?: Promise<string>;
}

export interface GpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  description?: string;
  device?: string;
}

/** How a WebGPU adapter is named to the user: vendor, architecture, and description or device. */
export function gpuAdapterLabel(info: GpuAdapterInfo): string {
  return [info.vendor, info.architecture, info.description || info.device].filter(Boolean).join(' ');
}

/**
 * Starts one backend or throws an Error whose message says why it cannot run here. `forced` is
 * true when the user chose this backend: a probe may then accept what it would skip in auto mode.
 */
export type BackendProbe = (
  name: BackendName,
  options: { forced: boolean },
) => Promise<{ adapter: string | null; lost?: Promise<string> }>;

export function backendOrder(
  choice: BackendChoice,
  available: readonly BackendName[] = BACKEND_NAMES,
): BackendName[] {
  if (choice === 'auto') return [...available];
  return [choice, ...available.filter((b) => b !== choice)];
}

export async function selectBackend(
  choice: BackendChoice,
  probe: BackendProbe,
  available: readonly BackendName[] = BACKEND_NAMES,
  avoid: readonly BackendName[] = [],
): Promise<BackendReady> {
  const fallbacks: BackendFallback[] = avoid.map((backend) => ({
    backend,
    reason: 'lost during this session',
  }));
  for (const backend of backendOrder(choice, available).filter((b) => !avoid.includes(b))) {
    try {
      const { adapter, lost } = await probe(backend, { forced: backend === choice });
      return { backend, adapter, fallbacks, ...(lost ? { lost } : {}) };
    } catch (e) {
      fallbacks.push({ backend, reason: (e as Error).message || String(e) });
    }
  }
  const reasons = fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('; ');
  throw new Error(`no TensorFlow.js backend could start (${reasons})`);
}
