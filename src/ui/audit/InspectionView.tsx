import type { OfModel } from '../../store/auditSlice.ts';
import type { ImageInspection } from '../../protocol.ts';
import { useLab } from '../lab.ts';
import { PixelImage } from '../PixelImage.tsx';
import { AttackPanel } from './AttackPanel.tsx';
import { certificateSentence, radiusText } from './certificateText.ts';
import { useClassName } from './classNames.ts';
import { LogitBars } from './LogitBars.tsx';
import { StaleNote, useStaleness } from './Staleness.tsx';

/** One test image under the held model: enlarged, its logits, its certificate in words. */
export function InspectionView(props: { inspection: OfModel<ImageInspection> }) {
  const v = props.inspection.value;
  const epsSteps = useLab((s) => s.settings.epsSteps);
  const inspectImage = useLab((s) => s.inspectImage);
  const closeInspection = useLab((s) => s.closeInspection);
  const classNames = useLab((s) => s.samples?.classNames);
  const name = useClassName();
  const staleness = useStaleness(props.inspection);
  const correct = v.prediction === v.label;
  return (
    <article
      className={staleness ? 'inspection stale' : 'inspection'}
      data-testid="inspection"
      data-index={v.index}
      data-stale={staleness !== null}
      aria-label={`Test image ${v.index}`}
    >
      <header className="inspection-head">
        <h3>
          Test image #{v.index} · weights of step {v.step}
        </h3>
        <button type="button" onClick={closeInspection} data-testid="inspection-close">
          Close
        </button>
      </header>
      <StaleNote text={staleness} onRefresh={() => inspectImage(v.index)} testId="inspection-stale" />
      <div className="inspection-body">
        <PixelImage
          pixels={v.image}
          size={v.imageSize}
          channels={v.channels}
          alt={`test image ${v.index}: ${name(v.label)}`}
          className="enlarged"
        />
        <div>
          <dl className="facts">
            <dt>true class</dt>
            <dd>{name(v.label)}</dd>
            <dt>predicted</dt>
            <dd data-testid="inspection-prediction">
              {name(v.prediction)} ({correct ? 'correct' : 'wrong'})
            </dd>
            <dt>margin to the runner-up ({name(v.runnerUp)})</dt>
            <dd data-testid="inspection-margin">{v.margin.toFixed(4)}</dd>
            <dt>certified radius</dt>
            <dd data-testid="inspection-radius" data-value={v.certifiedRadius}>
              {radiusText(v.certifiedRadius)}
            </dd>
          </dl>
          <p className="certificate-sentence" data-testid="certificate-sentence">
            {certificateSentence({
              correct,
              radius: v.certifiedRadius,
              epsSteps,
              predictedName: name(v.prediction),
              trueName: name(v.label),
            })}
          </p>
        </div>
        <LogitBars
          logits={v.logits}
          classNames={classNames ?? []}
          prediction={v.prediction}
          label={v.label}
        />
      </div>
      <AttackPanel inspection={v} stale={staleness !== null} />
    </article>
  );
}
