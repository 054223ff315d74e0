import { describe, expect, it } from 'vitest';
import { presetArch } from '../../src/sll/arch.ts';
import {
  LARGE_RUN_BYTES,
  WASM_MEMORY_BYTES,
  WASM_SAFE_FRACTION,
  estimateTrainingMemory,
  fitsBackend,
  formatBytes,
  largestFittingBatch,
  secondsPerEpoch,
  steadyImagesPerSecond,
} from '../../src/sll/memoryEstimate.ts';
import { countParameters } from '../../src/sll/params.ts';

const WASM_LIMIT = WASM_SAFE_FRACTION * WASM_MEMORY_BYTES;

describe('estimateTrainingMemory', () => {
  it('counts weights, Adam and gradients from the parameters, and takes the largest phase', () => {
    const arch = presetArch('lab');
    const e = estimateTrainingMemory(arch, 64, 'wasm');
    const p = countParameters(arch);
    expect(e.parameters).toBe(p);
    expect(e.weightsBytes).toBe(4 * p);
    expect(e.optimizerBytes).toBe(8 * p);
    expect(e.gradientBytes).toBe(4 * p);
    expect(e.checkpointBytes).toBe(12 * p);
    expect(e.stepPeakBytes).toBe(16 * p + e.activationBytes + e.gramBytes);
    expect(e.totalBytes).toBe(Math.max(e.stepPeakBytes, e.updatePeakBytes, e.evaluationPeakBytes));
  });

  it('grows with the batch through the activations only', () => {
    const arch = presetArch('lab');
    const at32 = estimateTrainingMemory(arch, 32, 'wasm');
    const at64 = estimateTrainingMemory(arch, 64, 'wasm');
    expect(at64.activationBytes).toBeCloseTo(2 * at32.activationBytes, 6);
    expect(at64.gramBytes).toBe(at32.gramBytes);
    expect(at64.updateBytes).toBe(at32.updateBytes);
  });

  it("counts the im2col filter gradient on WebGL, and WebGPU's own programs apart", () => {
    const arch = presetArch('lab');
    const wasm = estimateTrainingMemory(arch, 64, 'wasm');
    const webgl = estimateTrainingMemory(arch, 64, 'webgl');
    const webgpu = estimateTrainingMemory(arch, 64, 'webgpu');
    expect(webgl.activationBytes).toBeGreaterThan(wasm.activationBytes);
    // The 9 shifted windows side by side: [64 * 32 * 32, 9 * 16] floats.
    expect(webgl.largestTensorBytes).toBe(64 * 1024 * 9 * 16 * 4);
    // WebGPU's programs keep the conv layers' outputs, input gradients and activations, no windows.
    expect(webgpu.largestTensorBytes).toBe(250 * 1024 * 16 * 4);
    expect(webgpu.activationBytes).toBeLessThan(wasm.activationBytes / 3);
    expect(webgpu.gramBytes).toBeLessThan(wasm.gramBytes / 5);
  });

  // The measured peaks (bench/memory.ts, docs/engine.md#memory): tiny 89.4 MB and lab 320.4 MB at
  // batch 64; small by parts (20 conv layers alone 2,185 MB; 4 dense layers alone 3,227 MB).
  it('puts the presets where the measurements did', () => {
    const mb = (preset: 'tiny' | 'lab' | 'small', batch = 64) =>
      estimateTrainingMemory(presetArch(preset), batch, 'wasm').totalBytes / 1e6;
    expect(mb('tiny')).toBeGreaterThan(0.9 * 89.4);
    expect(mb('tiny')).toBeLessThan(1.1 * 89.4);
    expect(mb('lab')).toBeGreaterThan(0.9 * 320.4);
    expect(mb('lab')).toBeLessThan(1.1 * 320.4);
    expect(mb('small')).toBeGreaterThan(7000);
    expect(mb('small')).toBeLessThan(8500);
  });
});

describe('fitsBackend', () => {
  it('refuses small on WASM at any batch, with a way out', () => {
    const verdict = fitsBackend(presetArch('small'), 64, 'wasm');
    expect(verdict.level).toBe('refuse');
    expect(verdict.text).toMatch(
      /^too large for WASM's 4 GB \(needs ~7\.\d GB, ~\d\.\d GB even at batch 1\)/,
    );
    expect(verdict.text).toContain('use a GPU backend');
    expect(verdict.hint).toMatch(/WebGPU or WebGL/);
  });

  it('names the largest batch that fits when a smaller batch is the way out', () => {
    const arch = { ...presetArch('lab'), nConv: 20 };
    const verdict = fitsBackend(arch, 256, 'wasm');
    expect(verdict.level).toBe('refuse');
    expect(verdict.text).toMatch(
      /^too large for WASM's 4 GB \(needs ~\d+(\.\d)? GB\): lower the batch size or use a GPU backend$/,
    );
    const fitting = largestFittingBatch(arch, 256, WASM_LIMIT, 'wasm');
    expect(fitting).toBeGreaterThan(1);
    expect(fitting).toBeLessThan(256);
    expect(estimateTrainingMemory(arch, fitting, 'wasm').totalBytes).toBeLessThanOrEqual(WASM_LIMIT);
    expect(estimateTrainingMemory(arch, fitting + 1, 'wasm').totalBytes).toBeGreaterThan(WASM_LIMIT);
    expect(verdict.hint).toContain(`batch ${fitting} fits`);
  });

  it('lets tiny and lab through on WASM and says they fit its 4 GB', () => {
    for (const preset of ['tiny', 'lab'] as const) {
      expect(fitsBackend(presetArch(preset), 64, 'wasm')).toEqual({
        level: 'ok',
        text: "fits WASM's 4 GB",
        hint: null,
      });
    }
  });

  it('only warns on CPU and the GPU backends, and says nothing before the backend is known', () => {
    const small = presetArch('small');
    expect(estimateTrainingMemory(small, 64, 'cpu').totalBytes).toBeLessThan(LARGE_RUN_BYTES);
    expect(fitsBackend(small, 64, 'cpu').level).toBe('ok');
    const xlarge = presetArch('xlarge');
    for (const backend of ['cpu', 'webgl', 'webgpu'] as const) {
      const verdict = fitsBackend(xlarge, 64, backend);
      expect(verdict.level, backend).toBe('warn');
      expect(verdict.text, backend).toMatch(/^needs ~\d+ GB of (GPU )?memory/);
    }
    expect(fitsBackend(xlarge, 64, null)).toEqual({ level: 'ok', text: null, hint: null });
  });

  it("refuses a tensor larger than the WebGPU adapter's largest buffer", () => {
    const arch = presetArch('xlarge');
    const largest = estimateTrainingMemory(arch, 64, 'webgpu').largestTensorBytes;
    const verdict = fitsBackend(arch, 64, 'webgpu', { maxBufferBytes: largest - 1 });
    expect(verdict.level).toBe('refuse');
    expect(verdict.text).toMatch(/^too large for this GPU's buffers/);
    expect(fitsBackend(arch, 64, 'webgpu', { maxBufferBytes: largest }).level).toBe('warn');
  });

  it("counts WebGPU's flat parameters: a third copy of the weights, and Adam's moments in one buffer", () => {
    const small = presetArch('small');
    const webgpu = estimateTrainingMemory(small, 64, 'webgpu');
    const webgl = estimateTrainingMemory(small, 64, 'webgl');
    expect(webgpu.largestTensorBytes).toBe(2 * countParameters(small) * 4);
    expect(webgpu.evaluationPeakBytes - webgpu.evaluationBytes).toBe(4 * webgpu.weightsBytes);
    expect(webgl.evaluationPeakBytes - webgl.evaluationBytes).toBe(3 * webgl.weightsBytes);
    expect(webgpu.checkpointBytes).toBe(webgl.checkpointBytes);
    // A smaller batch does not shrink the moments: the refusal says what does.
    const verdict = fitsBackend(small, 64, 'webgpu', { maxBufferBytes: 128 * 2 ** 20 });
    expect(verdict.level).toBe('refuse');
    expect(verdict.text).toMatch(/Adam's moments of every parameter are one buffer here$/);
    expect(verdict.hint).toMatch(/smaller network/);
  });
});

describe('formatting and time per epoch', () => {
  it('formats bytes in decimal units with two significant digits', () => {
    expect(formatBytes(1_234_567_890)).toBe('1.2 GB');
    expect(formatBytes(50_400_000)).toBe('50 MB');
    expect(formatBytes(640_000)).toBe('640 kB');
    expect(formatBytes(12)).toBe('12 B');
  });

  it('takes the median of the latest rates, leaving out the warm-up', () => {
    expect(steadyImagesPerSecond([])).toBeNull();
    expect(steadyImagesPerSecond([40])).toBe(40);
    expect(steadyImagesPerSecond([5, 100, 120, 110])).toBe(110);
    expect(steadyImagesPerSecond([5, 100, 120])).toBe(110);
    const rates = [1, ...Array.from({ length: 30 }, (_, i) => (i < 20 ? 10 : 200))];
    expect(steadyImagesPerSecond(rates)).toBe(200);
  });

  it('times an epoch of whole batches', () => {
    expect(secondsPerEpoch(50_000, 64, 128)).toBeCloseTo((781 * 64) / 128, 9);
  });
});
