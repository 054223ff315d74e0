import { useState } from 'react';
import { DEFAULT_PGD_CURVE_IMAGES, ofHeldModel } from '../../store/auditSlice.ts';
import { testSetSize } from '../../store/auditFilters.ts';
import { PGD_STEPS } from '../../sll/auditDefaults.ts';
import { certifiedAccuracy } from '../../sll/certify.ts';
import { epsLabel, percent } from '../format.ts';
import { useLab } from '../lab.ts';
import { AuditProgress } from './AuditProgress.tsx';

/**
 * Empirical against certified: PGD with a bisection gives each of the first n test images an
 * empirical radius, drawn as a PGD accuracy curve on the accuracy-against-eps chart.
 */
export function PgdCurvePanel() {
  const hasModel = useLab((s) => s.modelConfig !== null);
  const size = useLab((s) => testSetSize(s.modelConfig?.dataset ?? s.settings.dataset, s.importedDatasets));
  const job = useLab((s) => s.audit.job);
  const ended = useLab((s) => s.audit.ended);
  const curve = useLab((s) => (ofHeldModel(s.audit.pgdCurve, s.audit) ? s.audit.pgdCurve.value : null));
  const epsSteps = useLab((s) => s.settings.epsSteps);
  const runPgdCurve = useLab((s) => s.runPgdCurve);
  const [typed, setTyped] = useState(String(DEFAULT_PGD_CURVE_IMAGES));
  const n = Number(typed);
  const valid = Number.isInteger(n) && n >= 1 && n <= size;
  const eps = epsSteps / 255;
  const at = (radii: Float64Array) =>
    curve ? certifiedAccuracy({ predictions: curve.predictions, radii }, curve.labels, eps) : 0;
  return (
    <section
      className="panel pgd-curve-panel"
      aria-label="Empirical against certified"
      data-testid="pgd-panel"
    >
      <h2>Empirical against certified</h2>
      <form
        className="explorer-controls"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (valid && hasModel) runPgdCurve(n);
        }}
      >
        <label>
          PGD curve on
          <input
            type="number"
            min={1}
            max={size}
            step={1}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            aria-invalid={!valid}
            data-testid="pgd-images"
          />
          test images
        </label>
        <button
          type="submit"
          className="primary"
          aria-disabled={!hasModel || !valid || job !== null}
          data-testid="pgd-run"
        >
          Run
        </button>
      </form>
      {!valid ? (
        <p className="field-error" role="alert">
          Choose a whole number of test images from 1 to {size.toLocaleString('en-US')}.
        </p>
      ) : null}
      {job?.kind === 'pgdCurve' ? <AuditProgress job={job} label="PGD curve" /> : null}
      {ended?.kind === 'pgdCurve' && job === null ? (
        <p className="note">The PGD curve was {ended.reason}.</p>
      ) : null}
      {curve ? (
        <p data-testid="pgd-summary">
          On the first {curve.n.toLocaleString('en-US')} test images (weights of step {curve.step},{' '}
          {curve.steps} PGD steps, {curve.seconds.toFixed(1)} s): at ε = {epsLabel(epsSteps)},{' '}
          {percent(at(curve.empiricalRadii))} resist PGD and {percent(at(curve.certifiedRadii))} are
          certified. The gap is the certificate&apos;s slack: images PGD could not break but the certificate
          does not cover.
        </p>
      ) : (
        <p className="note">
          Each image&apos;s empirical radius is the smallest at which PGD (random start, {PGD_STEPS} steps)
          changes its prediction, found by bisection; the curve appears on the accuracy-against-ε chart.
        </p>
      )}
    </section>
  );
}
