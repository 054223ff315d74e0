import { useLab } from './lab.ts';

export function ErrorBanner() {
  const error = useLab((s) => s.error);
  const dismiss = useLab((s) => s.dismissError);
  if (!error) return null;
  return (
    <div className="banner error" role="alert" data-testid="error-banner">
      <strong>{error.name}:</strong> {error.message}
      {error.hint ? <div className="hint">{error.hint}</div> : null}
      <button onClick={dismiss} aria-label="Dismiss the error">
        ×
      </button>
    </div>
  );
}

export function ResumeBanner() {
  const resumable = useLab((s) => s.resumable);
  const resume = useLab((s) => s.resumeCheckpoint);
  const discard = useLab((s) => s.discardCheckpoint);
  if (!resumable) return null;
  return (
    <div className="banner info" role="status" data-testid="resume-banner">
      A run was interrupted at step {resumable.step} of {resumable.totalSteps} ({resumable.config.preset},{' '}
      {resumable.config.arch.nConv} conv x {resumable.config.arch.width}).
      <button className="primary" data-testid="resume-checkpoint" onClick={resume}>
        Resume it
      </button>
      <button onClick={discard}>Discard</button>
    </div>
  );
}

export function WorkerBanner() {
  const worker = useLab((s) => s.worker);
  const restart = useLab((s) => s.restartWorker);
  if (worker.kind === 'otherTab') {
    return (
      <div className="banner info" role="status" data-testid="other-tab-banner">
        This lab is open in another tab, which owns the run; training here is off. This tab takes over when
        that one is closed.
      </div>
    );
  }
  if (worker.kind !== 'silent') return null;
  return (
    <div className="banner error" role="alert" data-testid="worker-silent-banner">
      The training worker has not answered for {worker.seconds} s: the browser may have stopped it, or it is
      stuck. A new worker resumes from the last checkpoint; steps after it are lost. If this one answers
      again, this notice goes away.
      <button className="primary" data-testid="restart-worker" onClick={restart}>
        Start a new worker
      </button>
    </div>
  );
}
