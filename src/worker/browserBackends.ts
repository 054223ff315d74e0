/**
 * Probes for the browser worker. Each one really starts its backend, so a backend that is listed
 * but broken (no adapter, a lost context) is reported and skipped.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.wasm?url';
import { CONV_FLAGS_BY_BACKEND } from '../kernels/portableConv.ts';
import { type BackendProbe, type GpuAdapterInfo, gpuAdapterLabel } from '../engine/backends.ts';

interface GpuAdapterLike {
  info?: GpuAdapterInfo;
}

/** What tfjs's WebGPU backend holds: the device, whose `lost` settles when the GPU goes away. */
interface GpuDeviceLike {
  lost: Promise<{ reason?: string; message?: string }>;
}

interface NavigatorWithGpu {
  gpu?: { requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null> };
}

async function start(name: string): Promise<void> {
  let ok = false;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (e) {
    throw new Error(`${name} failed to start: ${(e as Error).message}`);
  }
  if (!ok || tf.getBackend() !== name) throw new Error(`${name} failed to start`);
  for (const [flag, value] of Object.entries(CONV_FLAGS_BY_BACKEND[name] ?? {})) tf.env().set(flag, value);
}

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
});

/** Software GPUs emulate on the CPU, where WASM is several times faster (measured: docs/performance.md). */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|software|microsoft basic render/i;

/** What the badge adds to a software GPU's name when the user forced it (auto mode skips it). */
export const SOFTWARE_NOTE = 'software emulation: slower than WASM here';

/**
 * A GPU's name as the badge shows it: in auto mode a software GPU is refused (the reason lands in
 * the badge's fallbacks); forced, it runs, and its name carries the same warning.
 */
function softwareChecked(label: string, forced: boolean): string {
  if (!SOFTWARE_RENDERER.test(label)) return label;
  if (!forced) {
    throw new Error(
      `${label} is a software emulation, slower than WASM here (choose it explicitly to use it)`,
    );
  }
  return `${label} (${SOFTWARE_NOTE})`;
}

export const browserBackendProbe: BackendProbe = async (name, { forced }) => {
  switch (name) {
    case 'webgpu': {
      const gpu = (self.navigator as unknown as NavigatorWithGpu).gpu;
      if (!gpu) throw new Error('this browser does not expose WebGPU (navigator.gpu is missing)');
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) throw new Error('WebGPU has no adapter here (no GPU, or it is blocked)');
      const label = softwareChecked(gpuAdapterLabel(adapter.info ?? {}), forced);
      await start('webgpu');
      const device = (tf.backend() as unknown as { device: GpuDeviceLike }).device;
      // Any end of this device is a loss, `destroy()` included: neither tfjs (4.22 never destroys its
      // device) nor the lab lets it go while the backend is in use.
      const lost = device.lost.then((info) => info.message || info.reason || 'no reason given');
      return { adapter: label || 'WebGPU adapter (no details given)', lost };
    }
    case 'webgl': {
      if (typeof OffscreenCanvas === 'undefined') throw new Error('no OffscreenCanvas in this worker');
      const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
      if (!gl) throw new Error('WebGL 2 is not available');
      // RENDERER is masked ("WebKit WebGL"); the debug extension, where offered, names the GPU.
      const debug = gl.getExtension('WEBGL_debug_renderer_info');
      const renderer = (
        debug ? gl.getParameter(debug.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)
      ) as string;
      const label = softwareChecked(renderer ?? '', forced);
      await start('webgl');
      const canvas = (tf.backend() as unknown as { gpgpu: { gl: WebGL2RenderingContext } }).gpgpu.gl.canvas;
      const lost = new Promise<string>((resolve) =>
        canvas.addEventListener('webglcontextlost', () => resolve('the WebGL context was lost'), {
          once: true,
        }),
      );
      return { adapter: label || null, lost };
    }
    case 'wasm': {
      await start('wasm');
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      const isolated = (self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
      return {
        adapter: `SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : isolated ? 'off' : 'off (page not cross-origin isolated)'}`,
      };
    }
    case 'cpu':
      await start('cpu');
      return { adapter: null };
  }
};
