import { useMemo } from 'react';
import type { AttackRecord } from '../../store/auditSlice.ts';
import { PixelImage } from '../PixelImage.tsx';
import { amplifiedPerturbation, toBytes } from './pixels.ts';

/** The attacked image, the adversarial one and their difference made visible, side by side. */
export function AttackImages(props: { record: AttackRecord; trueName: string; adversarialName: string }) {
  const { record } = props;
  const adversarial = useMemo(() => toBytes(record.result.adversarial), [record]);
  const perturbation = useMemo(
    () => amplifiedPerturbation(record.original, record.result.adversarial),
    [record],
  );
  const image = { size: record.imageSize, channels: record.channels, className: 'enlarged' };
  const scale = perturbation.amplification;
  return (
    <div className="attack-images">
      <figure>
        <PixelImage {...image} pixels={record.original} alt={`original: ${props.trueName}`} />
        <figcaption>original</figcaption>
      </figure>
      <figure>
        <PixelImage
          {...image}
          pixels={adversarial}
          alt={`adversarial: predicted ${props.adversarialName}`}
          testId="adversarial-image"
        />
        <figcaption>adversarial ({props.adversarialName})</figcaption>
      </figure>
      <figure>
        <PixelImage {...image} pixels={perturbation.pixels} alt="the perturbation, amplified" />
        <figcaption data-testid="perturbation-scale">
          {scale === null
            ? 'no perturbation'
            : `perturbation × ${scale.toFixed(1)} (its largest change scaled to black or white around grey)`}
        </figcaption>
      </figure>
    </div>
  );
}
