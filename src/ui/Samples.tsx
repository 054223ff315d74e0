import { memo, useMemo } from 'react';
import { verdictOf } from '../store/auditFilters.ts';
import { epsLabel } from './format.ts';
import { useLab } from './lab.ts';
import { PixelImage } from './PixelImage.tsx';

/** One test image and its verdict; memoised, so an eps step redraws only the cards it changes. */
const SampleCard = memo(function SampleCard(props: {
  index: number;
  onOpen: (index: number) => void;
  pixels: Uint8Array;
  size: number;
  channels: number;
  trueName: string;
  predictedName: string | null;
  radius: number | null;
  verdict: 'pending' | 'certified' | 'correct' | 'wrong';
  /** The eps label, only for a certified card (the others do not show it). */
  certifiedAt: string | null;
}) {
  const { radius, verdict } = props;
  return (
    <li>
      <button
        type="button"
        className={`sample ${verdict}`}
        data-verdict={verdict}
        data-testid={`sample-${props.index}`}
        onClick={() => props.onOpen(props.index)}
        title={`Open test image ${props.index} in the explorer`}
      >
        <PixelImage pixels={props.pixels} size={props.size} channels={props.channels} alt={props.trueName} />
        <span className="sample-caption">
          <span>true: {props.trueName}</span>
          <span>pred: {props.predictedName ?? '—'}</span>
          <span>r = {radius === null ? '—' : Number.isFinite(radius) ? radius.toFixed(3) : '∞'}</span>
          <span className="verdict">
            {props.certifiedAt !== null ? `✓ certified at ${props.certifiedAt}` : verdict}
          </span>
        </span>
      </button>
    </li>
  );
});

/**
 * Test images with their true and predicted class and certified radius, marked at the slider's eps;
 * each card opens its image in the explorer.
 */
export function Samples() {
  const samples = useLab((s) => s.samples);
  const inspectImage = useLab((s) => s.inspectImage);
  const latest = useLab((s) => s.evaluations.findLast((e) => e.radii.length > 0));
  const epsSteps = useLab((s) => s.settings.epsSteps);
  // One view per image, made once per set of samples: the cards' props stay equal across eps steps.
  const pixels = useMemo(() => {
    if (!samples) return [];
    const bytes = samples.imageSize * samples.imageSize * samples.channels;
    return Array.from(samples.labels, (_, i) => samples.images.subarray(i * bytes, (i + 1) * bytes));
  }, [samples]);
  if (!samples) return null;
  const { imageSize: size, channels, classNames } = samples;
  return (
    <section className="panel samples" aria-label="Test samples" data-testid="samples">
      <h2>Test images</h2>
      <ul className="sample-grid">
        {Array.from(samples.labels, (label, i) => {
          const predicted = latest && i < latest.predictions.length ? latest.predictions[i] : null;
          const radius = latest && i < latest.radii.length ? latest.radii[i] : null;
          const verdict =
            predicted === null || radius === null
              ? 'pending'
              : verdictOf(predicted, label, radius, epsSteps / 255);
          return (
            <SampleCard
              key={i}
              index={i}
              onOpen={inspectImage}
              pixels={pixels[i]}
              size={size}
              channels={channels}
              trueName={classNames[label]}
              predictedName={predicted === null ? null : classNames[predicted]}
              radius={radius}
              verdict={verdict}
              certifiedAt={verdict === 'certified' ? epsLabel(epsSteps) : null}
            />
          );
        })}
      </ul>
    </section>
  );
}
