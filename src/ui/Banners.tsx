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
