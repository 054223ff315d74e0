import type { Violation } from '../../store/auditSlice.ts';
import { useLab } from '../lab.ts';
import { AttackImages } from './AttackImages.tsx';
import { radiusText } from './certificateText.ts';
import { useClassName } from './classNames.ts';

/** Test indices named in an alert; the rest are counted. */
const LISTED = 10;

const WHY =
  'A certificate must never be beaten: either a layer is not 1-Lipschitz or the radius is computed ' +
  'wrongly. Download the weights and report it, with this image.';

function ViolationText(props: { violation: Violation }) {
  const v = props.violation;
  const inspectImage = useLab((s) => s.inspectImage);
  const name = useClassName();
  if (v.kind === 'pgdCurve') {
    const listed = v.indices.slice(0, LISTED);
    return (
      <p>
        <strong>Soundness violation:</strong> on the weights of step {v.step}, PGD changed correct predictions
        inside their certified radius on {v.indices.length} test image{v.indices.length === 1 ? '' : 's'}:{' '}
        {listed.map((i) => (
          <button type="button" className="link" key={i} onClick={() => inspectImage(i)}>
            #{i}
          </button>
        ))}
        {v.indices.length > LISTED ? ` and ${v.indices.length - LISTED} more` : ''}. {WHY}
      </p>
    );
  }
  const r = v.record.result;
  return (
    <>
      <p>
        <strong>Soundness violation:</strong> on the weights of step {r.step}, PGD changed test image #
        {r.index}&apos;s prediction from {name(r.prediction)} to {name(r.adversarialPrediction)} with a
        perturbation of norm {r.perturbationNorm.toFixed(4)}, inside its certified radius{' '}
        {radiusText(r.certifiedRadius)}. {WHY}
      </p>
      <AttackImages
        record={v.record}
        trueName={name(r.label)}
        adversarialName={name(r.adversarialPrediction)}
      />
    </>
  );
}

/** Every soundness violation found, loudly, until the user dismisses it. */
export function SoundnessAlerts() {
  const violations = useLab((s) => s.audit.violations);
  const dismiss = useLab((s) => s.dismissViolation);
  return (
    <>
      {violations.map((v) => (
        <div key={v.id} className="banner error violation" role="alert" data-testid="soundness-violation">
          <ViolationText violation={v} />
          <button type="button" onClick={() => dismiss(v.id)}>
            Dismiss
          </button>
        </div>
      ))}
    </>
  );
}
