import { memo, useEffect, useMemo, useRef } from 'react';
import { epsLabel } from './format.ts';
import { useLab } from './lab.ts';

function SampleImage(props: { pixels: Uint8Array; size: number; channels: number; alt: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const rgba = new ImageData(props.size, props.size);
    for (let i = 0; i < props.size * props.size; i++) {
      for (let c = 0; c < 3; c++)
        rgba.data[4 * i + c] = props.pixels[i * props.channels + Math.min(c, props.channels - 1)];
      rgba.data[4 * i + 3] = 255;
    }
    ctx.putImageData(rgba, 0, 0);
  }, [props.pixels, props.size, props.channels]);
  return <canvas ref={ref} width={props.size} height={props.size} role="img" aria-label={props.alt} />;
}

/** One test image and its verdict; memoised, so an eps step redraws only the cards it changes. */
const SampleCard = memo(function SampleCard(props: {
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
    <figure className={`sample ${verdict}`} data-verdict={verdict}>
      <SampleImage pixels={props.pixels} size={props.size} channels={props.channels} alt={props.trueName} />
      <figcaption>
        <div>true: {props.trueName}</div>
        <div>pred: {props.predictedName ?? '—'}</div>
        <div>r = {radius === null ? '—' : Number.isFinite(radius) ? radius.toFixed(3) : '∞'}</div>
        <div className="verdict">
          {props.certifiedAt !== null ? `✓ certified at ${props.certifiedAt}` : verdict}
        </div>
      </figcaption>
    </figure>
  );
});

/** Test images with their true and predicted class and certified radius, marked at the slider's eps. */
export function Samples() {
  const samples = useLab((s) => s.samples);
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
      <div className="sample-grid">
        {Array.from(samples.labels, (label, i) => {
          const predicted = latest && i < latest.predictions.length ? latest.predictions[i] : null;
          const radius = latest && i < latest.radii.length ? latest.radii[i] : null;
          const correct = predicted === label;
          const certified = correct && radius !== null && radius > epsSteps / 255;
          const verdict =
            predicted === null ? 'pending' : certified ? 'certified' : correct ? 'correct' : 'wrong';
          return (
            <SampleCard
              key={i}
              pixels={pixels[i]}
              size={size}
              channels={channels}
              trueName={classNames[label]}
              predictedName={predicted === null ? null : classNames[predicted]}
              radius={radius}
              verdict={verdict}
              certifiedAt={certified ? epsLabel(epsSteps) : null}
            />
          );
        })}
      </div>
    </section>
  );
}
