import { useLab } from './lab.ts';

/**
 * After a weights file is loaded: which step it holds, whether its optimiser state came with it,
 * and the way to train it further.
 */
export function ModelBanner() {
  const source = useLab((s) => s.modelSource);
  const step = useLab((s) => s.step);
  const totalSteps = useLab((s) => s.totalSteps);
  const runState = useLab((s) => s.runState);
  const continueTraining = useLab((s) => s.continueTraining);
  if (source?.kind !== 'file' || runState === 'running' || runState === 'loading') return null;
  const where =
    source.fileStep === null
      ? 'The file does not say at which step it was saved: training would start its schedule at step 0'
      : source.finished
        ? `The file's run had finished (step ${source.fileStep.toLocaleString('en-US')}): training further starts its schedule again at step 0`
        : `Training continues at step ${step.toLocaleString('en-US')} of ${totalSteps.toLocaleString('en-US')}`;
  const adam =
    source.optimizer === 'restored'
      ? "with Adam's state from the file, exactly where it stopped."
      : 'with a fresh Adam optimiser (the file has no optimiser state, or it does not apply), so the first steps differ from an uninterrupted run.';
  return (
    <div className="banner info" role="status" data-testid="model-banner">
      Loaded weights from a file, at step {step.toLocaleString('en-US')}. {where}, {adam}
      <button className="primary" data-testid="continue-training" onClick={continueTraining}>
        Continue training from these weights
      </button>
    </div>
  );
}
