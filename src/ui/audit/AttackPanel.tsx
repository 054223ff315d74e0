import type { ImageInspection } from '../../protocol.ts';
import { ofHeldModel } from '../../store/auditSlice.ts';
import { epsLabel } from '../format.ts';
import { useLab } from '../lab.ts';
import { AttackImages } from './AttackImages.tsx';
import { radiusText } from './certificateText.ts';
import { AuditProgress } from './AuditProgress.tsx';
import { useClassName } from './classNames.ts';
import { StaleNote, useStaleness } from './Staleness.tsx';

/** "Attack it": L2 PGD on the inspected image at the slider's eps, and what it found. */
export function AttackPanel(props: { inspection: ImageInspection; stale: boolean }) {
  const { index } = props.inspection;
  const epsSteps = useLab((s) => s.settings.epsSteps);
  const job = useLab((s) => s.audit.job);
  const ended = useLab((s) => s.audit.ended);
  const inspecting = useLab((s) => s.audit.inspecting);
  const attack = useLab((s) => (ofHeldModel(s.audit.attack, s.audit) ? s.audit.attack : null));
  const attackInspected = useLab((s) => s.attackInspected);
  const staleness = useStaleness(
    attack ? { generation: attack.generation, value: attack.value.result } : null,
  );
  const name = useClassName();
  const result = attack?.value.result.index === index ? attack.value.result : null;
  // Another job runs, or another image is on its way into the panel.
  const busy = job !== null || inspecting !== null;
  return (
    <section className="attack" aria-label="Attack it" data-testid="attack-panel">
      <div className="buttons">
        <button
          type="button"
          data-testid="attack-button"
          onClick={() => {
            if (!props.stale && !busy) attackInspected(epsSteps / 255);
          }}
          aria-disabled={busy || props.stale}
        >
          Attack it at ε = {epsLabel(epsSteps)}
        </button>
        <span className="note">
          {props.stale
            ? 'refresh the image first: the attack runs on the weights the lab holds now'
            : 'L2 PGD, random start, 100 steps, then a bisection for the smallest radius it beats'}
        </span>
      </div>
      {job?.kind === 'attack' ? (
        <AuditProgress job={job} label={`Attacking test image ${job.index}`} />
      ) : null}
      {ended?.kind === 'attack' && job === null ? (
        <p className="note">The attack was {ended.reason}.</p>
      ) : null}
      {attack && result ? (
        <div data-testid="attack-result">
          <StaleNote text={staleness} testId="attack-stale" />
          <AttackImages
            record={attack.value}
            trueName={name(result.label)}
            adversarialName={name(result.adversarialPrediction)}
          />
          <dl className="facts">
            <dt>attacked at</dt>
            <dd>
              ε = {epsLabel(Math.round(result.eps * 255))}, {result.steps} PGD steps, weights of step{' '}
              {result.step}
            </dd>
            <dt>adversarial prediction</dt>
            <dd data-testid="adversarial-prediction">
              {name(result.adversarialPrediction)}
              {result.adversarialPrediction === result.prediction ? ' (unchanged)' : ' (changed)'}
            </dd>
            <dt>perturbation norm</dt>
            <dd data-testid="perturbation-norm">‖δ‖₂ = {result.perturbationNorm.toFixed(4)}</dd>
            <dt>empirical radius</dt>
            <dd data-testid="empirical-radius" data-value={result.empiricalRadius}>
              {result.empiricalRadius === 0
                ? '0 (already wrong)'
                : Number.isFinite(result.empiricalRadius)
                  ? radiusText(result.empiricalRadius)
                  : '∞ (PGD never changed the prediction)'}
            </dd>
            <dt>certified radius</dt>
            <dd data-testid="attack-certified-radius" data-value={result.certifiedRadius}>
              {radiusText(result.certifiedRadius)}
            </dd>
          </dl>
          <p className="note">
            The certified radius is a lower bound on the smallest perturbation that changes the prediction,
            the empirical radius an upper bound found by PGD; the truth lies between them.
          </p>
        </div>
      ) : null}
    </section>
  );
}
