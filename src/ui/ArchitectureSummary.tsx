import { useShallow } from 'zustand/react/shallow';
import { type Arch, convInnerChannels, denseInnerFeatures, featureCount, pooledSize } from '../sll/arch.ts';
import { flopCount } from '../sll/flops.ts';
import { countParameters } from '../sll/params.ts';
import { pendingSettings } from '../store/pending.ts';
import { toTrainConfig } from '../store/settings.ts';
import { compactNumber } from './format.ts';
import { useLab } from './lab.ts';

function describe(arch: Arch): string {
  return `${arch.nConv} conv x ${arch.width}, ${arch.nDense} dense`;
}

/**
 * The network the worker holds (or, before any run, the one the settings describe). When settings
 * that define a run differ from the held model, they are shown apart, as what the next new run gets.
 */
export function ArchitectureSummary() {
  const settings = useLab((s) => s.settings);
  const held = useLab((s) => s.modelConfig?.arch ?? null);
  const pending = useLab(useShallow((s) => pendingSettings(s.settings, s.modelConfig)));
  const wanted = toTrainConfig(settings).arch;
  const arch = held ?? wanted;
  const params = countParameters(arch);
  const flops = flopCount(arch);
  const s = pooledSize(arch);
  return (
    <section className="panel arch" aria-label="Architecture">
      <h2>{held ? 'Architecture of the current model' : 'Architecture'}</h2>
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
      {held && pending.length > 0 ? (
        <p className="pending-note" data-testid="pending-summary">
          Pending, for the next new run: {describe(wanted)},{' '}
          <span data-testid="pending-param-count">{countParameters(wanted).toLocaleString('en-US')}</span>{' '}
          parameters ({pending.length} setting{pending.length === 1 ? '' : 's'} changed). Press Train to start
          it.
        </p>
      ) : null}
    </section>
  );
}
