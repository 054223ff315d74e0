import { certifiedAccuracyAt, certifiedIndex } from '../sll/radii.ts';
import { epsLabel, percent } from './format.ts';
import { EvalCountdown } from './EvalCountdown.tsx';
import { useLab } from './lab.ts';

/** The headline numbers: natural accuracy and certified accuracy at the slider's eps, instantly. */
export function Accuracies() {
  const latest = useLab((s) => s.evaluations.findLast((e) => e.radii.length > 0));
  const epsSteps = useLab((s) => s.settings.epsSteps);
  // A binary search on radii sorted once per evaluation: a slider step costs O(log n).
  const certified = latest ? certifiedAccuracyAt(certifiedIndex(latest), epsSteps / 255) : null;
  return (
    <section className="panel numbers" aria-label="Accuracy">
      <div>
        <div className="big" data-testid="natural-accuracy">
          {percent(latest?.naturalAccuracy, 2)}
        </div>
        <div className="caption">natural accuracy</div>
      </div>
      <div>
        <div className="big" data-testid="certified-accuracy">
          {percent(certified, 2)}
        </div>
        <div className="caption">certified at ε = {epsLabel(epsSteps)}</div>
      </div>
      <div className="caption small">
        {latest ? `${latest.n.toLocaleString('en-US')} test images, step ${latest.step}` : <EvalCountdown />}
      </div>
    </section>
  );
}
