import { describe, expect, it } from 'vitest';
import { ArchError, PRESET_NAMES, presetArch, validateArch } from '../../src/sll/arch.ts';
import { initialParams } from '../../src/sll/init.ts';
import { countParameters, paramSpecs } from '../../src/sll/params.ts';

describe('presets', () => {
  it('small has exactly 41,385,862 parameters for 10 classes; the others match the paper', () => {
    expect(countParameters(presetArch('small'))).toBe(41_385_862);
    expect(countParameters(presetArch('medium'))).toBe(78_803_870);
    expect(countParameters(presetArch('large'))).toBe(118_266_370);
    expect(countParameters(presetArch('xlarge'))).toBe(236_446_550);
  });

  it('every preset validates and names its layers as the official module', () => {
    for (const name of PRESET_NAMES) expect(validateArch(presetArch(name))).toEqual(presetArch(name));
    const names = paramSpecs(presetArch('small')).map((s) => s.name);
    expect(names.slice(0, 3)).toEqual(['model.1.kernel', 'model.1.bias', 'model.1.q']);
    expect(names).toContain('model.23.weight'); // first dense layer: nConv + 3
    expect(names.slice(-2)).toEqual(['model.30.weight', 'model.30.bias']);
  });

  it('rejects out-of-range fields with a message naming them', () => {
    const tiny = presetArch('tiny');
    expect(() => validateArch({ ...tiny, width: 0 })).toThrow(/arch.width = 0 is out of range/);
    expect(() => validateArch({ ...tiny, imageSize: 30 })).toThrow(/multiple of 4/);
    expect(() => validateArch({ ...tiny, convInnerDim: -2 })).toThrow(/convInnerDim = -2/);
    expect(() => validateArch({ ...tiny, nConv: 1.5 })).toThrow(/nConv must be an integer/);
    expect(() => validateArch({ ...tiny, std: [1, 0, 1] })).toThrow(/std\[1\]/);
    expect(() => validateArch({ ...tiny, mean: [0.5] })).toThrow(/mean has 1 values/);
    expect(() => validateArch({ ...tiny, nClasses: undefined })).toThrow(/nClasses is missing/);
    expect(() => validateArch('small')).toThrow(ArchError);
  });
});

describe('initialisation', () => {
  it('is reproducible from the seed and follows the official distributions', () => {
    const arch = { ...presetArch('tiny'), convInnerDim: 16, denseInnerDim: 256 };
    const a = initialParams(arch, 42);
    const b = initialParams(arch, 42);
    const c = initialParams(arch, 43);
    for (const [name, values] of a) expect(b.get(name)).toEqual(values);
    expect(c.get('model.1.kernel')).not.toEqual(a.get('model.1.kernel'));

    const kernel = a.get('model.1.kernel')!; // [16, 8, 3, 3]: xavier std sqrt(2 / (72 + 144))
    const std = Math.sqrt(kernel.reduce((s, x) => s + x * x, 0) / kernel.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / (72 + 144)), 2);
    const bias = a.get('model.1.bias')!;
    expect(Math.max(...bias.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(72));
    const q = a.get('model.1.q')!;
    expect(Math.abs(q.reduce((s, x) => s + x, 0) / q.length)).toBeLessThan(0.5);
    const last = a.get('model.6.weight')!; // nn.Linear: U(-1/sqrt(512), 1/sqrt(512))
    expect(Math.max(...last.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(512));
    expect(Math.max(...last.map(Math.abs))).toBeGreaterThan(0.9 / Math.sqrt(512));
  });
});

describe('FLOP counts', () => {
  it('count the conv, dense and Gram work of the small preset', async () => {
    const { flopCount, trainingFlops } = await import('../../src/sll/flops.ts');
    const small = flopCount(presetArch('small'));
    // 20 conv layers: 2 convs of 2*9*45*5*1024 each; 7 dense: 2 matMuls of 2*2880*2048; last 2*2880*10.
    expect(small.forwardPerImage).toBe(
      20 * 2 * 2 * 9 * 45 * 5 * 1024 + 7 * 2 * 2 * 2880 * 2048 + 2 * 2880 * 10,
    );
    // The dense Gram matrices W W^T dominate t: 7 x 2 * 2048^2 * 2880 = 7 x 24.2 GFLOP.
    expect(small.scalings).toBeGreaterThan(7 * 24e9);
    expect(small.scalings).toBeLessThan(7 * 24.3e9);
    const step = trainingFlops(presetArch('small'), 64);
    // Forward and backward of everything, except one matMul saved per Gram matrix.
    expect(step.total).toBe(3 * (small.forwardPerImage * 64 + small.scalings) - 7 * small.gramPerLayer);
    expect(step.gram).toBe(2 * 7 * small.gramPerLayer);
    expect(step.conv).toBe(3 * 64 * 20 * 2 * 2 * 9 * 45 * 5 * 1024);
  });
});
