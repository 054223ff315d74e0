import { convInnerChannels, denseInnerFeatures, featureCount, pooledSize } from '../sll/arch.ts';
import { flopCount } from '../sll/flops.ts';
import { countParameters } from '../sll/params.ts';
import { toTrainConfig } from '../store/settings.ts';
import { compactNumber } from './format.ts';
import { useLab } from './lab.ts';

export function ArchitectureSummary() {
  const settings = useLab((s) => s.settings);
  const { arch } = toTrainConfig(settings);
  const params = countParameters(arch);
  const flops = flopCount(arch);
  const s = pooledSize(arch);
  return (
    <section className="panel arch" aria-label="Architecture">
      <h2>Architecture</h2>
      <ol className="layers">
        <li>
          input {arch.inChannels}x{arch.imageSize}x{arch.imageSize} → zero-pad channels to {arch.width}
        </li>
        <li>
          {arch.nConv} x SLL conv 3x3, {arch.width} channels (inner {convInnerChannels(arch)})
        </li>
        <li>
          4x4 sum/4 pooling → {arch.width}x{s}x{s}, flatten to {featureCount(arch).toLocaleString('en-US')}
        </li>
        <li>
          {arch.nDense} x SLL dense (inner {denseInnerFeatures(arch).toLocaleString('en-US')})
        </li>
        <li>LinearNormalized → {arch.nClasses} classes</li>
      </ol>
      <p>
        <span data-testid="param-count">{params.toLocaleString('en-US')}</span> parameters ·{' '}
        {compactNumber(flops.forwardPerImage)}FLOP per image (forward) · {compactNumber(flops.scalings)}FLOP
        per step for the t-vectors
      </p>
    </section>
  );
}
